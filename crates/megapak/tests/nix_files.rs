//! The project's own Nix files must parse, with rnix and with a real `nix-instantiate --parse`.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::repo_root;

fn project_nix_files() -> Vec<PathBuf> {
    let root = repo_root();
    let mut files = vec![root.join("flake.nix")];
    for entry in std::fs::read_dir(root.join("nix")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "nix") {
            files.push(path);
        }
    }
    files.sort();
    files
}

#[test]
fn project_nix_files_parse_with_rnix() {
    for path in project_nix_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let parse = rnix::Root::parse(&text);
        assert!(
            parse.errors().is_empty(),
            "{}: {:?}",
            path.display(),
            parse.errors()
        );
    }
}

#[test]
#[allow(
    clippy::print_stdout,
    reason = "the skip reason belongs in the test output"
)]
fn project_nix_files_parse_with_nix_instantiate() {
    if Command::new("nix-instantiate")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("skipped: `nix-instantiate` is not on PATH (CI installs Debian's nix-bin)");
        return;
    }
    for path in project_nix_files() {
        let output = Command::new("nix-instantiate")
            .arg("--parse")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
