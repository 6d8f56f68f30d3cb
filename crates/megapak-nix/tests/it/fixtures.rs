//! Every fixture flake's entries, snapshotted whole.

use megapak_nix::read::{EntryState, read_flake_packages};

use crate::{fixtures_dir, relative_to_fixtures, render};

fn snapshot_of(name: &str) -> String {
    let path = fixtures_dir().join(name).join("flake.nix");
    let packages = read_flake_packages(&path).expect("fixture parses");
    render(&relative_to_fixtures(packages))
}

#[test]
fn comfyui_todo() {
    insta::assert_snapshot!(snapshot_of("comfyui-todo"));
}

#[test]
fn with_packages_set() {
    insta::assert_snapshot!(snapshot_of("with-packages-set"));
}

#[test]
fn let_bound() {
    insta::assert_snapshot!(snapshot_of("let-bound"));
}

/// The buildInputs and devShell lists of the ComfyUI flake hold `pkgs.ffmpeg`, `pkgs.git`,
/// `pkgs.nodejs`, `pythonEnv` and comments naming `pkgs.cudaPackages.cudnn` and `ffmpeg-full`:
/// none of them is a Python package.
#[test]
fn comfyui_todo_reports_no_system_packages() {
    let path = fixtures_dir().join("comfyui-todo/flake.nix");
    let packages = read_flake_packages(&path).expect("fixture parses");
    for entry in &packages.entries {
        assert!(
            !matches!(
                entry.attr.as_str(),
                "ffmpeg" | "ffmpeg-full" | "git" | "nodejs" | "cudnn" | "makeWrapper" | "pythonEnv"
            ),
            "{entry}"
        );
        assert_ne!(entry.set.as_deref(), Some("pkgs"), "{entry}");
    }
    assert!(
        packages.entries.iter().all(|e| e.location.line < 100),
        "entries past the Python list"
    );
    assert_eq!(packages.commented_out().count(), 10);
    assert!(
        packages
            .entries
            .iter()
            .any(|e| e.attr == "onnx" && e.state == EntryState::CommentedOut)
    );
}

/// The JSON form, for callers that serialize the result.
#[test]
fn let_bound_as_json() {
    let path = fixtures_dir().join("let-bound/flake.nix");
    let packages = relative_to_fixtures(read_flake_packages(&path).expect("fixture parses"));
    insta::assert_json_snapshot!(packages.entries[..2]);
}
