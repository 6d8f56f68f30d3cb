//! The emitted files checked by a real Nix: `nix-instantiate --parse` accepts each, and the
//! overlay and package list evaluate (`--eval --strict`) against the stand-in package set of
//! `fixtures/locks/nix-eval/package-set.nix`, whose functions take nixpkgs' argument names and
//! nothing else. Skipped, saying so, where Nix is not installed; CI installs `nix-bin`.

use std::path::Path;
use std::process::{Command, Output};

use crate::emit::{emitted, locks_dir, small_lock};

/// `nix-instantiate` with `arguments`, or `None` (after saying why) where it cannot run.
#[expect(clippy::print_stderr, reason = "a skipped test says why")]
fn nix_instantiate(arguments: &[&str]) -> Option<Output> {
    match Command::new("nix-instantiate").args(arguments).output() {
        Ok(output) => Some(output),
        Err(error) => {
            eprintln!("skipped: `nix-instantiate` could not be run ({error}); install `nix-bin`");
            None
        }
    }
}

/// The small lock's files written into a fresh workspace, with the workspace file its `path`
/// source names (empty: the lock's hash is that of no bytes).
fn workspace() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    emitted(&small_lock())
        .write_atomically(root.path())
        .unwrap();
    let vendor = root.path().join("vendor/wheels");
    fs_err::create_dir_all(&vendor).unwrap();
    fs_err::write(vendor.join("vendored-0.1.0-py3-none-any.whl"), b"").unwrap();
    root
}

fn evaluate(root: &Path, numpy_version: &str) -> Option<Output> {
    let fixture = locks_dir().join("nix-eval/package-set.nix");
    let emitted = root.join("nix");
    // Read-only: nothing is added to the Nix store (the hash of a workspace file is still
    // checked), so the tests need no writable store.
    nix_instantiate(&[
        "--readonly-mode",
        "--eval",
        "--strict",
        "--json",
        fixture.to_str().unwrap(),
        "--arg",
        "emitted",
        emitted.to_str().unwrap(),
        "--argstr",
        "numpyVersion",
        numpy_version,
    ])
}

#[test]
fn nix_parses_every_emitted_file() {
    let root = workspace();
    for file in &emitted(&small_lock()).files {
        let path = root.path().join(&file.path);
        let Some(output) = nix_instantiate(&["--parse", path.to_str().unwrap()]) else {
            return;
        };
        assert!(
            output.status.success(),
            "Nix rejects `{}`:\n{}",
            file.path.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn the_emitted_overlay_evaluates_against_a_package_set() {
    let root = workspace();
    let Some(output) = evaluate(root.path(), "2.3.4") else {
        return;
    };
    assert!(
        output.status.success(),
        "evaluation fails:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    insta::assert_json_snapshot!(json);
}

#[test]
fn another_nixpkgs_version_fails_evaluation_naming_the_package() {
    let root = workspace();
    let Some(output) = evaluate(root.path(), "2.2.6") else {
        return;
    };
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "megapak.lock has numpy 2.3.4, but nixpkgs has 2.2.6: run `megapak resolve` again"
        ),
        "{stderr}"
    );
}

#[test]
fn a_workspace_file_that_changed_since_the_lock_fails_evaluation() {
    let root = workspace();
    fs_err::write(
        root.path()
            .join("vendor/wheels/vendored-0.1.0-py3-none-any.whl"),
        b"not the locked bytes",
    )
    .unwrap();
    let Some(output) = evaluate(root.path(), "2.3.4") else {
        return;
    };
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Nix 2.8 says "store path mismatch", newer ones "hash mismatch".
    assert!(
        stderr.contains("mismatch") && stderr.contains("vendored-0.1.0-py3-none-any.whl"),
        "{stderr}"
    );
}

/// Packages whose names are no Nix identifiers (`3to2`, the keyword `with`) are quoted
/// attributes, reached by their dependents through `python.pkgs`.
#[test]
fn names_that_are_no_identifiers_evaluate() {
    use megapak_lock::{DistFormat, LockedPackage, LockedSource};

    let mut lock = small_lock();
    for name in ["3to2", "with"] {
        lock.packages.push(LockedPackage::new(
            name.parse().unwrap(),
            "1.0",
            "pypi",
            LockedSource::Url {
                url: format!("https://example.invalid/{name}-1.0-py3-none-any.whl"),
                filename: format!("{name}-1.0-py3-none-any.whl"),
                hash: "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".into(),
                format: DistFormat::Wheel,
            },
        ));
    }
    let decord = lock
        .packages
        .iter_mut()
        .find(|package| package.name.as_str() == "decord")
        .unwrap();
    decord.dependencies.push("3to2".parse().unwrap());
    decord.dependencies.push("with".parse().unwrap());

    let files = emitted(&lock);
    let decord_file = &files.get("nix/pkgs/decord.nix".as_ref()).unwrap().contents;
    assert!(
        decord_file.contains("    python.pkgs.\"3to2\"\n"),
        "{decord_file}"
    );
    assert!(
        decord_file.contains("    python.pkgs.\"with\"\n"),
        "{decord_file}"
    );

    let root = workspace();
    files.write_atomically(root.path()).unwrap();
    let Some(output) = evaluate(root.path(), "2.3.4") else {
        return;
    };
    assert!(
        output.status.success(),
        "evaluation fails:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let decord = json
        .as_array()
        .unwrap()
        .iter()
        .find(|package| package["pname"] == "decord")
        .unwrap();
    assert_eq!(
        decord["dependencies"],
        serde_json::json!(["3to2-1.0", "numpy-2.3.4", "with-1.0"])
    );
}
