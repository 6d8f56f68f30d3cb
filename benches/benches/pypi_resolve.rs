//! The `pypi` resolver against `uv pip compile` on the real cu130 pak set, in the same run: for
//! the names nixpkgs lacks and for the whole set, cold (empty caches) and warm (the caches of
//! the cold run), wall time and bytes received (the network interface's counter for both, and
//! the plugin's own count of requests and body bytes).
//!
//! uv resolves the set; the plugin is then asked what megapak's solver asks it for that
//! resolution: `candidates` of every name uv pinned, then `details` of every pin. Both run in
//! child processes with fresh memory; the plugin goes through the host, as megapak loads it.
//!
//! Needs `../shared/data` beside the repository (this project's machines have it), `uv` on
//! `PATH` (`pip install uv`) and the network; says so and stops when one is missing. The link's
//! speed varies severalfold between days: compare only numbers of the same run.
//!
//! `cargo bench -p megapak-benches --bench pypi_resolve`

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use megapak_plugin_fixtures::{PluginDir, rust_library_release};
use megapak_plugin_host::abi::serde_json::{Map, Value};
use megapak_plugin_host::abi::wire::{
    CandidatesOutcome, CandidatesRequest, DetailsOutcome, DetailsRequest, Target,
};
use megapak_plugin_host::{HostOptions, Origin, Plugins, SearchPath};

/// Set in a child: `plugin-folder|cache-folder|pins-file`.
const CHILD: &str = "MEGAPAK_BENCH_PYPI_CHILD";

fn main() {
    if let Ok(args) = std::env::var(CHILD) {
        child(&args);
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let data = root.join("../shared/data");
    if !data.join("comfyui-megapak-cu130").is_dir() {
        println!("pypi_resolve: skipped: no `../shared/data` beside the repository");
        return;
    }
    let uv = std::env::var("UV").unwrap_or_else(|_| "uv".to_owned());
    if Command::new(&uv).arg("--version").output().is_err() {
        println!("pypi_resolve: skipped: `{uv}` is not installed (`pip install uv`)");
        return;
    }
    let work = std::env::temp_dir().join(format!("megapak-bench-pypi-{}", std::process::id()));
    fs_err_create(&work);
    let plugins = PluginDir::new();
    plugins.install(&rust_library_release("megapak-plugin-pypi"), "pypi");

    let requirements = pak_requirements(&data.join("comfyui-megapak-cu130"));
    let in_nixpkgs = nixpkgs_names(&data.join("nixpkgs/python-packages-index.tsv"));
    let lacking: Vec<String> = requirements
        .iter()
        .filter(|r| !in_nixpkgs.contains(&normalize(&name_of(r))))
        .cloned()
        .collect();
    println!(
        "pypi_resolve: {} pak requirements, {} of them not in nixpkgs for Python 3.14",
        requirements.len(),
        lacking.len()
    );
    println!(
        "| set | tool | run | seconds | packages | requests | body bytes | bytes on the wire |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---:|");
    for (label, set) in [("not in nixpkgs", &lacking), ("whole set", &requirements)] {
        let dir = work.join(label.replace(' ', "-"));
        fs_err_create(&dir);
        let input = dir.join("in.txt");
        std::fs::write(&input, set.join("\n") + "\n").expect("write the uv input");
        let pins = dir.join("pins.txt");
        let uv_cache = dir.join("uv-cache");
        for run in ["cold", "warm"] {
            let (seconds, wire) = measure(|| {
                let status = Command::new(&uv)
                    .args(["pip", "compile", "-q", "--no-header", "--no-annotate"])
                    .args([
                        "--python-version",
                        "3.14",
                        "--python-platform",
                        "x86_64-manylinux_2_28",
                    ])
                    .arg("--cache-dir")
                    .arg(&uv_cache)
                    .arg(&input)
                    .arg("-o")
                    .arg(&pins)
                    .env("UV_PYTHON_DOWNLOADS", "never")
                    .status()
                    .expect("run uv");
                assert!(status.success(), "uv pip compile failed");
            });
            let count = read_pins(&pins).len();
            println!("| {label} | uv pip compile | {run} | {seconds:.2} | {count} | | | {wire} |");
        }
        let cache = dir.join("pypi-cache");
        for run in ["cold", "warm"] {
            let mut report = String::new();
            let (seconds, wire) = measure(|| {
                let output = Command::new(std::env::current_exe().expect("own path"))
                    .env(
                        CHILD,
                        format!(
                            "{}|{}|{}",
                            plugins.path().display(),
                            cache.display(),
                            pins.display()
                        ),
                    )
                    .env("MEGAPAK_PYPI_TRAFFIC", "1")
                    .output()
                    .expect("run the child");
                assert!(
                    output.status.success(),
                    "{}",
                    String::from_utf8_lossy(&output.stderr)
                );
                report = String::from_utf8_lossy(&output.stdout).into_owned()
                    + &String::from_utf8_lossy(&output.stderr);
            });
            let (requests, bytes) = traffic(&report);
            let found = report
                .lines()
                .find(|l| l.starts_with("found"))
                .unwrap_or("found ?");
            println!(
                "| {label} | megapak pypi | {run} | {seconds:.2} | {} | {requests} | {bytes} | {wire} |",
                found.trim_start_matches("found ")
            );
            for line in report.lines().filter(|l| l.starts_with("  ")) {
                eprintln!("{line}");
            }
        }
    }
    let _ = std::fs::remove_dir_all(&work);
}

/// Runs `f`; its wall time and the bytes the network interfaces received meanwhile.
fn measure(f: impl FnOnce()) -> (f64, u64) {
    let before = received();
    let start = Instant::now();
    f();
    (
        start.elapsed().as_secs_f64(),
        received().saturating_sub(before),
    )
}

/// Bytes received by every interface but `lo`, from `/proc/net/dev`.
fn received() -> u64 {
    std::fs::read_to_string("/proc/net/dev")
        .unwrap_or_default()
        .lines()
        .skip(2)
        .filter_map(|line| {
            let (name, rest) = line.split_once(':')?;
            (name.trim() != "lo").then(|| rest.split_whitespace().next()?.parse::<u64>().ok())?
        })
        .sum()
}

/// Sums the plugin's `pypi: ... N requests, B bytes` lines.
fn traffic(report: &str) -> (u64, u64) {
    report
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("pypi: ")?.split(": ").nth(1)?;
            let mut numbers = rest
                .split_whitespace()
                .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok());
            Some((numbers.next()?, numbers.next()?))
        })
        .fold((0, 0), |(r, b), (r2, b2)| (r + r2, b + b2))
}

/// The child: `candidates` of every pinned name, then `details` of every pin, through the host.
fn child(args: &str) {
    let parts: Vec<&str> = args.split('|').collect();
    let (folder, cache, pins) = (Path::new(parts[0]), parts[1], Path::new(parts[2]));
    let mut search = SearchPath::default();
    search.push(folder.to_path_buf(), Origin::Environment);
    let plugins = Plugins::load(&HostOptions {
        search,
        required: Vec::new(),
    });
    let plugin = plugins.get("pypi").expect("the pypi plugin loads");
    let pins = read_pins(pins);
    let target = Target {
        python: "3.14".to_owned(),
        system: "x86_64-linux".to_owned(),
        cuda: Some("13.0".to_owned()),
        torch: None,
    };
    let mut settings = Map::new();
    settings.insert("cache-dir".to_owned(), Value::String(cache.to_owned()));
    let names: Vec<&str> = pins.iter().map(|(n, _)| n.as_str()).collect();
    let mut request = CandidatesRequest::new(target.clone(), "/", &names);
    request.settings = settings.clone();
    let start = Instant::now();
    let candidates = plugin.candidates(&request).expect("candidates");
    let candidates_seconds = start.elapsed().as_secs_f64();
    let pairs: Vec<(&str, &str)> = pins.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let mut request = DetailsRequest::new(target, "/", &pairs);
    request.settings = settings;
    if std::env::var_os("MEGAPAK_BENCH_PYPI_EACH").is_some() {
        // One call per pin, each timed: which packages are slow.
        for pair in &pairs {
            let mut one = request.clone();
            one.packages.retain(|p| p.name == pair.0);
            let start = Instant::now();
            let _ = plugin.details(&one);
            eprintln!(
                "  {} {}: {:.2} s",
                pair.0,
                pair.1,
                start.elapsed().as_secs_f64()
            );
        }
    }
    let start = Instant::now();
    let details = plugin.details(&request).expect("details");
    let details_seconds = start.elapsed().as_secs_f64();
    let mut stdout = std::io::stdout().lock();
    let found = details
        .packages
        .iter()
        .filter(|a| matches!(a.outcome, DetailsOutcome::Found(_)))
        .count();
    let _ = writeln!(stdout, "found {found}/{}", pins.len());
    let _ = writeln!(
        stdout,
        "  candidates {candidates_seconds:.2} s, details {details_seconds:.2} s"
    );
    for answer in &candidates.packages {
        if !matches!(answer.outcome, CandidatesOutcome::Found { .. }) {
            let _ = writeln!(stdout, "  candidates {}: {:?}", answer.name, answer.outcome);
        }
    }
    for answer in &details.packages {
        if !matches!(answer.outcome, DetailsOutcome::Found(_)) {
            let _ = writeln!(
                stdout,
                "  details {} {}: {:?}",
                answer.name, answer.version, answer.outcome
            );
        }
    }
}

/// `name==version` lines of uv's output.
fn read_pins(path: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| {
            let (name, version) = line.split(';').next()?.trim().split_once("==")?;
            Some((normalize(name), version.trim().to_owned()))
        })
        .collect()
}

/// The requirements of the pak files, VCS lines, options and comments left out.
fn pak_requirements(folder: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .expect("the pak folder")
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for file in files {
        for line in std::fs::read_to_string(&file).expect("a pak file").lines() {
            let line = line.split(" #").next().unwrap_or("").trim();
            if line.is_empty()
                || line.starts_with('#')
                || line.starts_with('-')
                || line.contains("://")
            {
                continue;
            }
            if seen.insert(normalize(&name_of(line))) {
                out.push(line.to_owned());
            }
        }
    }
    out
}

fn name_of(requirement: &str) -> String {
    requirement
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect()
}

/// PEP 503.
fn normalize(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The PyPI names nixpkgs builds for Python 3.14 (the snapshot's `pname` and attribute).
fn nixpkgs_names(tsv: &Path) -> HashSet<String> {
    let text = std::fs::read_to_string(tsv).unwrap_or_default();
    let mut names = HashSet::new();
    for line in text.lines().skip(1) {
        let columns: Vec<&str> = line.split('\t').collect();
        if columns.len() > 4 && !columns[4].is_empty() {
            names.insert(normalize(columns[0]));
            names.insert(normalize(columns[1]));
        }
    }
    names
}

fn fs_err_create(dir: &Path) {
    std::fs::create_dir_all(dir).expect("create the work folder");
}
