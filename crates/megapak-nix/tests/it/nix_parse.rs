//! The fixtures are real Nix: `nix-instantiate --parse` (Nix's own parser) accepts every one but
//! `broken/`, and rejects that one. Skipped, saying so, where Nix is not installed; CI installs
//! `nix-bin`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::fixtures_dir;

/// Every `.nix` file under `dir`, sorted.
fn nix_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs_err::read_dir(dir).expect("fixtures folder readable") {
        let path = entry.expect("fixtures folder readable").path();
        if path.is_dir() {
            files.extend(nix_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "nix") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// `Some(stderr)` if Nix rejects `file`, `None` if it parses; `Err` if Nix cannot be run.
fn nix_parse(file: &Path) -> std::io::Result<Option<String>> {
    let output = Command::new("nix-instantiate")
        .arg("--parse")
        .arg(file)
        .output()?;
    Ok((!output.status.success()).then(|| String::from_utf8_lossy(&output.stderr).into_owned()))
}

#[test]
#[expect(clippy::print_stderr, reason = "a skipped test says why")]
fn fixtures_parse_with_nix() {
    let files = nix_files(&fixtures_dir());
    assert!(files.len() >= 4, "fixtures missing: {files:?}");
    if let Err(error) = nix_parse(&files[0]) {
        eprintln!("skipped: `nix-instantiate` could not be run ({error}); install `nix-bin`");
        return;
    }
    for file in files {
        let rejected = nix_parse(&file).expect("nix-instantiate runs");
        let broken = file.parent().is_some_and(|dir| dir.ends_with("broken"));
        match (broken, rejected) {
            (false, Some(stderr)) => panic!("Nix rejects `{}`:\n{stderr}", file.display()),
            (true, None) => panic!("Nix accepts `{}`, which must not parse", file.display()),
            _ => {}
        }
    }
}
