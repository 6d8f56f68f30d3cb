//! The solver's own cost on the real set: the cu130 pak files (`fixtures/real/comfyui-megapak-cu130`,
//! VCS entries left out) solved for CPython 3.14 on x86_64 Linux against the recorded PyPI
//! closure (`fixtures/real/resolve/pypi.json`, see its README), in memory: no plugin, no
//! network. Goal: under 100 ms for the ~300-package closure.
//!
//! `cargo bench -p megapak-solve --bench solve`; with `MEGAPAK_BENCH_CALLS=1` it prints the
//! provider calls of one solve instead (one line each, names and versions asked), to see the
//! batching.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use megapak_config::Target;
use megapak_requirements::{PackageSource, merge_for_environment, read_requirements_file};
use megapak_solve::{FixtureProvider, Provider, SolveInput, solve};

const RUNS: usize = 21;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let paks: Vec<PathBuf> = ["pak2.txt", "pak3.txt", "pak5.txt", "pak7.txt"]
        .iter()
        .map(|pak| root.join("fixtures/real/comfyui-megapak-cu130").join(pak))
        .collect();
    let recording = fs_err::read_to_string(root.join("fixtures/real/resolve/pypi.json"))
        .expect("the recorded provider");
    let target = Target {
        python: "3.14".to_owned(),
        cuda: Some("13.0".to_owned()),
        torch: None,
        system: "x86_64-linux".to_owned(),
    };
    let files: Vec<_> = paks
        .iter()
        .map(|pak| read_requirements_file(pak).expect("a pak file"))
        .collect();
    let environment = target.marker_environment().expect("the target's markers");
    let mut set = merge_for_environment(&files, &environment).expect("the pak files merge");
    // The recording is PyPI's: the git checkouts of pak7.txt are the custom-wheel resolver's.
    set.packages
        .retain(|_, package| package.source == PackageSource::Registry);
    let input = SolveInput::from_parts(&set, &target, &[]).expect("the input");

    let mut samples = Vec::with_capacity(RUNS);
    let mut packages = 0;
    let mut calls = 0;
    for _ in 0..RUNS {
        let pypi = FixtureProvider::from_recorded("pypi", &recording).expect("the recording");
        let providers: [&dyn Provider; 1] = [&pypi];
        let start = Instant::now();
        let resolution = match solve(&input, &providers) {
            Ok(resolution) => resolution,
            Err(error) => panic!("the real set solves:\n{error}"),
        };
        samples.push(start.elapsed());
        packages = resolution.packages.len();
        calls = pypi.calls().len();
        if std::env::var_os("MEGAPAK_BENCH_CALLS").is_some() {
            for call in pypi.calls() {
                eprintln!("{call}");
            }
            return;
        }
    }
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "solve: {} root requirements -> {packages} packages, {calls} provider calls, {RUNS} runs: median {:.2} ms (min {:.2} ms, max {:.2} ms)",
        input.requirements.len(),
        ms(samples[RUNS / 2]),
        ms(samples[0]),
        ms(samples[RUNS - 1]),
    );
}
