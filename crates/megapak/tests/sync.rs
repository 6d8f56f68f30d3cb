//! `megapak sync --flake`: a hand-written flake in the commented-TODO style brought in line
//! with a lock, `--check` reporting without writing.

mod common;

use std::path::Path;

use common::megapak;

const LOCK: &str = r#"version = 1
megapak = "0.1.0"
input-hash = "sha256-AAAA"
resolvers = ["nixpkgs", "pypi"]

[target]
python = "3.14"
system = "x86_64-linux"

[[package]]
name = "decord"
version = "0.6.0"
provider = "pypi"
requested-at = ["paks/pak5.txt:3"]
source = { kind = "url", url = "https://files.example.invalid/decord-0.6.0-py3-none-manylinux2010_x86_64.whl", filename = "decord-0.6.0-py3-none-manylinux2010_x86_64.whl", hash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", format = "wheel" }

[[package]]
name = "numpy"
version = "2.3.4"
provider = "nixpkgs"
requested-at = ["paks/pak3.txt:1"]
source = { kind = "nixpkgs", attribute = "numpy" }

[[package]]
name = "onnxruntime-gpu"
version = "1.24.4"
provider = "nixpkgs"
requested-at = ["paks/pak3.txt:9"]
source = { kind = "nixpkgs", attribute = "onnxruntime", override = { cudaSupport = true } }

[[package]]
name = "segment-anything"
version = "1.0"
provider = "pypi"
requested-at = ["paks/pak5.txt:7"]
source = { kind = "url", url = "https://files.example.invalid/segment_anything-1.0-py3-none-any.whl", filename = "segment_anything-1.0-py3-none-any.whl", hash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", format = "wheel" }

[[package]]
name = "tqdm"
version = "4.67.1"
provider = "nixpkgs"
required-by = ["decord"]
source = { kind = "nixpkgs", attribute = "tqdm" }
"#;

fn workspace(dir: &Path) {
    fs_err::write(dir.join("megapak.toml"), "[target]\npython = \"3.14\"\n").unwrap();
    fs_err::write(dir.join("megapak.lock"), LOCK).unwrap();
    fs_err::copy(
        common::repo_root().join("fixtures/flakes/comfyui-todo/flake.nix"),
        dir.join("flake.nix"),
    )
    .unwrap();
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let run = megapak(dir, args);
    (run.code, run.stdout, run.stderr)
}

#[test]
fn check_reports_and_sync_edits_only_the_needed_lines() {
    let dir = tempfile::tempdir().unwrap();
    workspace(dir.path());
    let before = fs_err::read_to_string(dir.path().join("flake.nix")).unwrap();

    let (code, stdout, stderr) = run(dir.path(), &["sync", "--flake", "flake.nix", "--check"]);
    assert_eq!(code, 1, "{stderr}");
    insta::assert_snapshot!(stdout, @"
    flake.nix:69:15: uncommented `decord` (pypi 0.6.0): `# decord  # not in nixpkgs` -> `decord  # not in nixpkgs`
    flake.nix:75:15: uncommented `onnxruntime-gpu` (nixpkgs 1.24.4): `# onnxruntime-gpu  # TODO: CUDA 13 build?` -> `onnxruntime  # for onnxruntime-gpu`
    flake.nix:94:13: added `segment-anything` for `segment-anything` (pypi 1.0)
    ");
    assert_eq!(
        fs_err::read_to_string(dir.path().join("flake.nix")).unwrap(),
        before
    );

    let (code, _, stderr) = run(dir.path(), &["sync", "--flake", "flake.nix"]);
    assert_eq!(code, 0, "{stderr}");
    let after = fs_err::read_to_string(dir.path().join("flake.nix")).unwrap();
    let changed: Vec<_> = similar::TextDiff::from_lines(&before, &after)
        .iter_all_changes()
        .filter(|change| change.tag() != similar::ChangeTag::Equal)
        .map(|change| format!("{}{}", change.tag(), change.value().trim_end()))
        .collect();
    insta::assert_snapshot!(changed.join("\n"), @r"
-            # decord  # not in nixpkgs
+            decord  # not in nixpkgs
-            # onnxruntime-gpu  # TODO: CUDA 13 build?
+            onnxruntime  # for onnxruntime-gpu
+            # Added by megapak sync
+            segment-anything
");

    let (code, stdout, _) = run(dir.path(), &["sync", "--flake", "flake.nix", "--check"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(stdout, @"`flake.nix` lists all 4 packages the pak files ask for");
}

#[test]
fn without_a_lock_sync_says_to_resolve_first() {
    let dir = tempfile::tempdir().unwrap();
    workspace(dir.path());
    fs_err::remove_file(dir.path().join("megapak.lock")).unwrap();
    let (code, _, stderr) = run(dir.path(), &["sync", "--flake", "flake.nix"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(stderr, @"
    error: There is no `megapak.lock` to sync the flake with
    hint: run `megapak resolve` first
    ");
}
