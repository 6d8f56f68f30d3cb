//! The one version judge agrees with pip: every pair of specifiers the solver finds
//! contradictory in the pak files (`check_root_requirements`) is one that no candidate version
//! satisfies by pip's own `packaging` (the copy vendored in the `pip` of `python3`), over a
//! pool chosen for PEP 440's corner cases: pre-, post- and dev-releases, epochs, local
//! versions, trailing zeros. (The requirements crate had a contradiction finder of its own
//! with this test; it was removed so that `status` and `resolve` cannot disagree.)

use std::io::Write as _;
use std::process::{Command, Stdio};

use std::path::Path;

use megapak_requirements::{RequirementsError, RequirementsFile, parse_requirements_str};
use megapak_solve::check_root_requirements;

fn parse(text: &str) -> Result<RequirementsFile, RequirementsError> {
    parse_requirements_str(text, Path::new("pak.txt"))
}

const VERSIONS: &[&str] = &[
    "0.9",
    "1.0",
    "1.0.0",
    "1.0a1",
    "1.0rc1",
    "1.0rc1.post1",
    "1.0.dev0",
    "1.0.post1",
    "1.0.post1.dev0",
    "1.0.post2",
    "1.1",
    "2.0",
    "1!1.0",
];

/// Candidates tried beyond the versions themselves.
const MORE_CANDIDATES: &[&str] = &[
    "1.0.post0",
    "1.0rc2",
    "1.0.1",
    "1.0+cu1",
    "1.0.post1+x",
    "1.0.post3",
    "1.0.post1.dev1",
    "1.1.dev0",
    "1.0a2",
    "1!0.1",
    "1!2.0",
    "1.0rc1.dev0",
    "2.0.dev0",
    "1.0.dev1",
    "0.1",
    "3.0",
];

const OPERATORS: &[&str] = &["<", "<=", ">", ">=", "==", "!=", "~=", "==="];

/// The `packaging` to compare with: the current one when installed (what a current pip
/// vendors; CI installs it), else the copy vendored in this machine's pip. pip 23's copy
/// (packaging 21.3) pads prefix matches after cutting them, so it reads `!=1.0.0.*` as
/// admitting `1.0a1`, unlike PEP 440 and every pip since 23.3.
fn packaging_module() -> Option<&'static str> {
    ["packaging", "pip._vendor.packaging"]
        .into_iter()
        .find(|module| {
            Command::new("python3")
                .args(["-c", &format!("import {module}.specifiers")])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success())
        })
}

/// For each specifier, which candidates pip's `packaging` admits (pre-releases allowed).
fn pip_verdicts(module: &str, specifiers: &[String], candidates: &[&str]) -> Vec<Vec<bool>> {
    let script = SCRIPT.replace("MODULE", module);
    let mut child = Command::new("python3")
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input = format!("{}\n--\n{}", specifiers.join("\n"), candidates.join(" "));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "the comparison script failed");
    let rows: Vec<Vec<bool>> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|row| row.chars().map(|c| c == '1').collect())
        .collect();
    assert_eq!(rows.len(), specifiers.len());
    rows
}

const SCRIPT: &str = r"
import sys
from MODULE.specifiers import SpecifierSet
specs, cands = sys.stdin.read().split('\n--\n')
for s in specs.split('\n'):
    print(''.join('1' if SpecifierSet(s).contains(c, prereleases=True) else '0' for c in cands.split()))
";

#[test]
#[expect(
    clippy::print_stdout,
    reason = "the skip reason belongs in the test output"
)]
fn no_pair_is_refused_that_pip_can_satisfy() {
    let mut specifiers = Vec::new();
    for version in VERSIONS {
        for operator in OPERATORS {
            let specifier = format!("{operator}{version}");
            if parse(&format!("x{specifier}\n")).is_ok() {
                specifiers.push(specifier);
            }
        }
        for operator in ["==", "!="] {
            let specifier = format!("{operator}{version}.*");
            if parse(&format!("x{specifier}\n")).is_ok() {
                specifiers.push(specifier);
            }
        }
    }
    let Some(module) = packaging_module() else {
        println!("skipped: no `python3` with `packaging` (or pip's vendored copy) to compare with");
        return;
    };
    let candidates: Vec<&str> = VERSIONS.iter().chain(MORE_CANDIDATES).copied().collect();
    let verdicts = pip_verdicts(module, &specifiers, &candidates);
    let mut refused = 0;
    for (i, a) in specifiers.iter().enumerate() {
        for (j, b) in specifiers.iter().enumerate().skip(i + 1) {
            let file = parse(&format!("x{a}\nx{b}\n")).unwrap();
            if check_root_requirements(std::slice::from_ref(&file), None).is_err() {
                refused += 1;
                let witness = (0..candidates.len()).find(|&c| verdicts[i][c] && verdicts[j][c]);
                assert_eq!(
                    witness.map(|c| candidates[c]),
                    None,
                    "`x{a}` and `x{b}` were refused, but {module} admits a version"
                );
            }
        }
    }
    // The pool is built to hold many real contradictions: the check must find some.
    assert!(refused > 500, "only {refused} pairs refused");
}
