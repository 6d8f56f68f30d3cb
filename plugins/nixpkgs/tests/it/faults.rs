//! Bad input: a path that is not nixpkgs, no `flake.lock`, a `flake.lock` input.

use serde_json::json;

use crate::support::{candidates_with, fixture, harness, lines, nix_available};

#[test]
fn a_path_that_is_not_a_nixpkgs_tree_is_named() {
    let not_nixpkgs = fixture("");
    for backend in ["source", "eval"] {
        let request = candidates_with(
            &["numpy"],
            json!({"backend": backend, "path": not_nixpkgs.display().to_string()}),
        );
        let error = harness().candidates(&request).unwrap_err().to_string();
        assert_eq!(
            error.replace(&not_nixpkgs.display().to_string(), "<path>"),
            "returned an error from `candidates`: `<path>` is not a nixpkgs tree: it has no `pkgs/top-level/python-packages.nix`"
        );
    }
    let request = candidates_with(&["numpy"], json!({"backend": "source"}));
    insta::assert_snapshot!(harness().candidates(&request).unwrap_err(), @"returned an error from `candidates`: The `source` backend needs `path` in `[resolvers.nixpkgs]`: the nixpkgs tree to read");
}

#[test]
fn eval_without_path_reads_the_workspaces_flake_lock() {
    let workspace = tempfile::tempdir().unwrap();
    let mut request = candidates_with(&["numpy", "insightface"], json!({"backend": "eval"}));
    request.workspace = workspace.path().display().to_string();
    let error = harness().candidates(&request).unwrap_err().to_string();
    insta::assert_snapshot!(error.replace(&request.workspace, "<ws>"), @"returned an error from `candidates`: `<ws>/flake.lock` gives no nixpkgs to evaluate: it does not exist; set `path` in `[resolvers.nixpkgs]` to a nixpkgs tree");

    let lock = json!({
        "nodes": {
            "nixpkgs": {"locked": {"type": "path", "path": fixture("tiny-nixpkgs").display().to_string(), "narHash": "sha256-fixture"}},
            "root": {"inputs": {"nixpkgs": "nixpkgs"}}
        },
        "root": "root",
        "version": 7
    });
    fs_err::write(workspace.path().join("flake.lock"), lock.to_string()).unwrap();
    if !nix_available() {
        return;
    }
    let cache = workspace.path().join("cache");
    request.settings = json!({"backend": "eval", "cache": cache.display().to_string()})
        .as_object()
        .cloned()
        .unwrap();
    insta::assert_snapshot!(lines(&harness().candidates(&request).unwrap().packages), @r"
numpy: found 2.4.2
insightface: not-found: `insightface` is in nixpkgs, but disabled for Python 3.14
");
}

#[test]
fn an_offline_request_does_not_fetch_the_pinned_nixpkgs() {
    let workspace = tempfile::tempdir().unwrap();
    let lock = json!({
        "nodes": {
            "nixpkgs": {"locked": {"type": "github", "owner": "NixOS", "repo": "nixpkgs",
                "rev": "0123456789abcdef0123456789abcdef01234567", "narHash": "sha256-offline"}},
            "root": {"inputs": {"nixpkgs": "nixpkgs"}}
        },
        "root": "root",
        "version": 7
    });
    fs_err::write(workspace.path().join("flake.lock"), lock.to_string()).unwrap();
    let cache = workspace.path().join("cache");
    let mut request = candidates_with(
        &["numpy"],
        json!({"backend": "eval", "cache": cache.display().to_string()}),
    );
    request.workspace = workspace.path().display().to_string();
    request.offline = true;
    insta::assert_snapshot!(lines(&harness().candidates(&request).unwrap().packages), @"numpy: offline: Evaluating nixpkgs `github:NixOS/nixpkgs/0123456789abcdef0123456789abcdef01234567` needs to fetch it, and megapak runs offline");
}
