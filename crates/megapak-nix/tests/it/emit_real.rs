//! The lock of the real set (the embedded example's pak files resolved through the embedded
//! nixpkgs snapshot and PyPI: `fixtures/locks/example-cu130/`) becomes Nix files that rnix and
//! a real Nix parse, and that evaluate against the stand-in package set, given every nixpkgs
//! attribute the lock reuses at its locked version. Skipped, saying so, without Nix.

use std::process::Command;

use megapak_lock::{Lock, LockedSource};

use crate::emit::{emitted, locks_dir, rnix_errors};

fn real_lock() -> Lock {
    Lock::read(&locks_dir().join("example-cu130/megapak.lock")).expect("the real lock reads")
}

/// `{ accelerate = "1.12.0"; torchWithCuda = "2.10.0"; ... }`: every attribute the lock takes
/// from nixpkgs.
fn nixpkgs_attributes(lock: &Lock) -> String {
    // Two packages may be one attribute (onnxruntime and onnxruntime-gpu): once each.
    let attributes: std::collections::BTreeMap<&str, &str> = lock
        .packages
        .iter()
        .filter_map(|package| match &package.source {
            LockedSource::Nixpkgs { attribute, .. } => {
                Some((attribute.as_str(), package.version.as_str()))
            }
            _ => None,
        })
        .collect();
    let entries: Vec<String> = attributes
        .iter()
        .map(|(attribute, version)| format!("\"{attribute}\" = \"{version}\";"))
        .collect();
    format!("{{ {} }}", entries.join(" "))
}

#[test]
#[expect(clippy::print_stderr, reason = "a skipped test says why")]
fn the_real_sets_lock_emits_nix_that_parses_and_evaluates() {
    let lock = real_lock();
    let files = emitted(&lock);
    assert!(files.files.len() > 20, "{} files", files.files.len());
    for file in &files.files {
        assert_eq!(
            rnix_errors(&file.contents),
            Vec::<String>::new(),
            "{}",
            file.path.display()
        );
    }
    let root = tempfile::tempdir().unwrap();
    files.write_atomically(root.path()).unwrap();

    let Ok(version) = Command::new("nix-instantiate").arg("--version").output() else {
        eprintln!("skipped: `nix-instantiate` could not be run; install `nix-bin`");
        return;
    };
    assert!(version.status.success());
    for file in &files.files {
        let output = Command::new("nix-instantiate")
            .arg("--parse")
            .arg(root.path().join(&file.path))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}: {}",
            file.path.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let output = Command::new("nix-instantiate")
        .args(["--readonly-mode", "--eval", "--strict", "--json"])
        .arg(locks_dir().join("nix-eval/package-set.nix"))
        .arg("--arg")
        .arg("emitted")
        .arg(root.path().join("nix"))
        .args(["--arg", "moreNixpkgs", &nixpkgs_attributes(&lock)])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let environment: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let packages = environment.as_array().unwrap();
    // One entry per attribute of the environment: onnxruntime and onnxruntime-gpu are one.
    assert!(
        packages.len() >= lock.packages.len() - 2,
        "{}",
        packages.len()
    );
    // nixpkgs' CUDA torch, overridden for the target's CUDA package set.
    let torch = packages
        .iter()
        .find(|package| package["pname"] == "torchWithCuda")
        .expect("torch is in the environment");
    assert_eq!(torch["version"], "2.10.0", "{torch}");
    assert!(
        torch["overridden"].to_string().contains("cudaPackages"),
        "{torch}"
    );
    let spandrel = packages
        .iter()
        .find(|package| package["pname"] == "spandrel")
        .expect("spandrel is defined from PyPI");
    assert_eq!(spandrel["src"]["fetcher"], "fetchurl", "{spandrel}");
}
