//! Bad input: exit 1, one message naming `file:line:column`, nothing written.

mod common;

use std::path::Path;

use common::megapak;

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn status_error(files: &[(&str, &str)], args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        write(dir.path(), name, text);
    }
    let mut all = vec!["status", "-o", "out.json"];
    all.extend(args);
    let run = megapak(dir.path(), &all);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        !dir.path().join("out.json").exists(),
        "a report was written"
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(!run.stderr.contains("backtrace"), "{}", run.stderr);
    run.stderr
}

#[test]
fn a_malformed_requirement() {
    insta::assert_snapshot!(status_error(
        &[("pak.txt", "numpy\ntorch==>2\n")],
        &["--paks", "pak.txt"]
    ));
}

#[test]
fn a_missing_pak_file() {
    insta::assert_snapshot!(status_error(&[], &["--paks", "nope.txt"]));
}

#[test]
fn an_include_cycle() {
    insta::assert_snapshot!(status_error(
        &[("a.txt", "-r b.txt\n"), ("b.txt", "numpy\n-r a.txt\n")],
        &["--paks", "a.txt"]
    ));
}

#[test]
fn contradictory_pins_in_two_files() {
    insta::assert_snapshot!(status_error(
        &[
            ("a.txt", "torch==2.10.0\n"),
            ("b.txt", "numpy\ntorch==2.11.0\n")
        ],
        &["--paks", "a.txt", "b.txt"]
    ));
}

#[test]
fn a_bad_configuration_key() {
    insta::assert_snapshot!(status_error(
        &[(
            "megapak.toml",
            "paks = []\n[target]\npython = \"3.14\"\npyton = \"3.13\"\n"
        )],
        &[]
    ));
}

#[test]
fn a_pak_file_the_configuration_names_is_missing() {
    insta::assert_snapshot!(status_error(
        &[
            (
                "megapak.toml",
                "paks = [\n  \"paks/core.txt\",\n  \"paks/gone.txt\",\n]\n[target]\npython = \"3.14\"\n"
            ),
            ("paks/core.txt", "numpy\n")
        ],
        &[]
    ));
}

#[test]
fn no_configuration_at_all() {
    insta::assert_snapshot!(status_error(&[], &[]));
}

#[test]
fn a_flake_that_does_not_parse() {
    insta::assert_snapshot!(status_error(
        &[
            ("pak.txt", "numpy\n"),
            (
                "flake.nix",
                "{\n  outputs = { self }: {\n    x = [ 1 2 ;\n  };\n}\n"
            )
        ],
        &["--paks", "pak.txt", "--flake", "flake.nix"]
    ));
}

#[test]
fn an_unknown_flag_is_a_user_error() {
    let dir = tempfile::tempdir().unwrap();
    let run = megapak(dir.path(), &["status", "--bogus"]);
    assert_eq!(run.code, 1, "{}", run.transcript());
}

#[test]
fn huge_inputs_do_not_break_megapak() {
    let dir = tempfile::tempdir().unwrap();
    let many: String = (0..100_000)
        .map(|i| format!("package-{i}>=1.0\n"))
        .collect();
    write(dir.path(), "many.txt", &many);
    let long = format!("numpy\n{}\n", "x".repeat(1 << 20));
    write(dir.path(), "long.txt", &long);
    let run = megapak(
        dir.path(),
        &["status", "--format", "json", "--paks", "many.txt"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["packages"], 100_000);
    let run = megapak(dir.path(), &["status", "--paks", "long.txt"]);
    // A 1 MB name is a valid PEP 508 name; either it is accepted or refused with a message.
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"));
}
