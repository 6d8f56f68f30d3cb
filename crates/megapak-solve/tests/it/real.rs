//! The real set: the cu130 pak files against the recorded PyPI closure (`fixtures/real/resolve`),
//! so a change of the solver's choices on a graph of the real size shows in a snapshot.

use std::fmt::Write as _;
use std::path::Path;

use megapak_requirements::{PackageSource, merge_for_environment, read_requirements_file};
use megapak_solve::{FixtureProvider, Provider, SolveInput, solve};

use crate::helpers::target;

#[test]
fn the_real_set_solves_against_the_recorded_closure() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/real");
    let files: Vec<_> = ["pak2.txt", "pak3.txt", "pak5.txt", "pak7.txt"]
        .iter()
        .map(|pak| read_requirements_file(&root.join("comfyui-megapak-cu130").join(pak)).unwrap())
        .collect();
    let environment = target().marker_environment().unwrap();
    let mut set = merge_for_environment(&files, &environment).unwrap();
    // The git checkouts of pak7.txt are the custom-wheel resolver's.
    set.packages
        .retain(|_, package| package.source == PackageSource::Registry);
    let input = SolveInput::from_parts(&set, &target(), &[]).unwrap();
    let recording = fs_err::read_to_string(root.join("resolve/pypi.json")).unwrap();
    let pypi = FixtureProvider::from_recorded("pypi", &recording).unwrap();
    let providers: [&dyn Provider; 1] = [&pypi];
    let resolution = solve(&input, &providers).unwrap();
    let mut text = format!(
        "{} packages from {} requirements in {} provider calls\n",
        resolution.packages.len(),
        input.requirements.len(),
        pypi.calls().len()
    );
    for package in &resolution.packages {
        let _ = write!(text, "{} {}", package.name, package.version);
        if !package.extras.is_empty() {
            let _ = write!(text, " [{}]", package.extras.join(","));
        }
        text.push('\n');
    }
    insta::assert_snapshot!(text);
}
