//! The `source` and `eval` backends on a nixpkgs-shaped fixture tree, and the agreement of all
//! three backends where they overlap.
//!
//! The `eval` tests need `nix-instantiate` (Debian's `nix-bin`, Nix 2.8, evaluates the fixture
//! tree; real nixpkgs needs 2.18+). Where it is missing they print why and check nothing else;
//! CI installs `nix-bin`, so they run there.

use megapak_plugin_abi::wire::{CandidatesOutcome, CandidatesResponse, DetailsOutcome};
use megapak_plugin_nixpkgs::index::{IndexBackend, build_snapshot};
use megapak_plugin_nixpkgs::python::PythonVersion;
use serde_json::{Value, json};

use crate::support::{candidates_with, details_with, fixture, harness, lines, nix_available};

/// Every name the fixture tree answers alike through every backend.
const NAMES: &[&str] = &[
    "numpy",
    "pillow",
    "torch",
    "onnxruntime",
    "onnxruntime-gpu",
    "onnx",
    "cupy",
    "cupy-cuda13x",
    "camelot-py",
    "insightface",
    "brokenpkg",
    "py-cpuinfo",
    "pytorch",
    "segment-anything",
    "decord",
    "vanished",
    "aborting",
    "opencv-python",
];

fn tree() -> String {
    fixture("tiny-nixpkgs").display().to_string()
}

fn cache_settings(backend: &str, cache: &std::path::Path) -> Value {
    json!({"backend": backend, "path": tree(), "cache": cache.display().to_string()})
}

/// Answers with error messages reduced to `error` (the backends word them differently).
fn comparable(response: &CandidatesResponse) -> String {
    let mut response = response.clone();
    for answer in &mut response.packages {
        if let CandidatesOutcome::Error { message } = &mut answer.outcome {
            *message = "error".into();
        }
    }
    lines(&response.packages)
}

#[test]
fn the_source_backend_reads_the_tree() {
    let request = candidates_with(
        &[NAMES, &["computed"]].concat(),
        json!({"backend": "source", "path": tree()}),
    );
    let text = lines(&harness().candidates(&request).unwrap().packages);
    insta::assert_snapshot!(text.replace(&tree(), "<tree>"), @r#"
numpy: found 2.4.2
pillow: found 12.1.1
torch: found 2.10.0 (Not in the public binary cache: built from source) [`torch` is nixpkgs' `torchWithCuda` with `.override { cudaPackages = pkgs.cudaPackages_13_0; }`]
onnxruntime: found 1.24.4
onnxruntime-gpu: found 1.24.4 (Not in the public binary cache: built from source) [`onnxruntime-gpu` is nixpkgs' `onnxruntime` with `.override { cudaPackages = pkgs.cudaPackages_13_0; cudaSupport = true; }`]
onnx: found 1.20.1
cupy: found 13.6.0 (Unfree: the image's nixpkgs must allow it (`allowUnfree`); not in the public binary cache: built from source)
cupy-cuda13x: found 13.6.0 (Not in the public binary cache: built from source) [`cupy-cuda13x` is nixpkgs' `cupy` with `.override { cudaPackages = pkgs.cudaPackages_13_0; }`]
camelot-py: found 1.0.9 [`camelot-py` is nixpkgs' `camelot` (its `pname` is `camelot-py`)]
insightface: not-found: `insightface` is in nixpkgs, but disabled for Python 3.14
brokenpkg: not-found: `brokenpkg` is marked broken in nixpkgs
py-cpuinfo: found 9.0.0+unstable.2022.11.20 (nixpkgs' version is `9.0.0-unstable-2022-11-20`, a snapshot after 9.0.0: given as `9.0.0+unstable.2022.11.20`)
pytorch: found 2.10.0 [`pytorch` was renamed in nixpkgs to `torch`]
segment-anything: not-found: `segment-anything` was removed from nixpkgs: 'segment-anything' has been removed because it is unmaintained upstream
decord: not-found: `decord` is not in nixpkgs' `python314Packages`
vanished: error: nixpkgs' `python314Packages.vanished` could not be read: `pkgs/development/python-modules/vanished/default.nix` does not exist
aborting: error: nixpkgs' `python314Packages.aborting` could not be read: It is defined outside the Python set (`abort "aborting is broken on purpose"`), which the `source` backend does not read; the `eval` backend can
opencv-python: not-found: `opencv-python` maps to nixpkgs' `opencv4`, which this nixpkgs lacks
computed: not-found: The version of `computed` is computed, which the `source` backend cannot read; the `eval` backend can tell
"#);
}

#[test]
fn the_source_backend_gives_dependencies_with_nixpkgs_versions() {
    let request = details_with(
        &[
            ("torch", "2.10.0"),
            ("pillow", "12.1.1"),
            ("cupy-cuda13x", "13.6.0"),
        ],
        json!({"backend": "source", "path": tree()}),
    );
    let response = harness().details(&request).unwrap();
    insta::assert_json_snapshot!(response, @r#"
{
  "packages": [
    {
      "name": "torch",
      "version": "2.10.0",
      "outcome": "found",
      "source": {
        "kind": "nixpkgs",
        "attribute": "torchWithCuda",
        "override": {
          "cudaPackages": {
            "attribute": "cudaPackages_13_0"
          }
        }
      },
      "dependencies": {
        "state": "known",
        "requirements": [
          "numpy==2.4.2",
          "typing-extensions==4.15.0"
        ]
      },
      "notes": [
        "Not in the public binary cache: built from source",
        "`torch` is nixpkgs' `torchWithCuda` with `.override { cudaPackages = pkgs.cudaPackages_13_0; }`"
      ]
    },
    {
      "name": "pillow",
      "version": "12.1.1",
      "outcome": "found",
      "source": {
        "kind": "nixpkgs",
        "attribute": "pillow"
      },
      "dependencies": {
        "state": "known",
        "requirements": [
          "olefile==0.47"
        ]
      }
    },
    {
      "name": "cupy-cuda13x",
      "version": "13.6.0",
      "outcome": "found",
      "source": {
        "kind": "nixpkgs",
        "attribute": "cupy",
        "override": {
          "cudaPackages": {
            "attribute": "cudaPackages_13_0"
          }
        }
      },
      "dependencies": {
        "state": "known",
        "requirements": [
          "numpy==2.4.2",
          "fastrlock==0.8.3"
        ]
      },
      "notes": [
        "Not in the public binary cache: built from source",
        "`cupy-cuda13x` is nixpkgs' `cupy` with `.override { cudaPackages = pkgs.cudaPackages_13_0; }`"
      ]
    }
  ]
}
"#);
}

#[test]
fn the_eval_backend_evaluates_the_tree_once() {
    if !nix_available() {
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    let request = candidates_with(NAMES, cache_settings("eval", cache.path()));
    let first = harness().candidates(&request).unwrap();
    insta::assert_snapshot!(lines(&first.packages).replace(&tree(), "<tree>"), @r"
numpy: found 2.4.2
pillow: found 12.1.1
torch: found 2.10.0 (Not in the public binary cache: built from source) [`torch` is nixpkgs' `torchWithCuda` with `.override { cudaPackages = pkgs.cudaPackages_13_0; }`]
onnxruntime: found 1.24.4
onnxruntime-gpu: found 1.24.4 (Not in the public binary cache: built from source) [`onnxruntime-gpu` is nixpkgs' `onnxruntime` with `.override { cudaPackages = pkgs.cudaPackages_13_0; cudaSupport = true; }`]
onnx: found 1.20.1
cupy: found 13.6.0 (Unfree: the image's nixpkgs must allow it (`allowUnfree`); not in the public binary cache: built from source)
cupy-cuda13x: found 13.6.0 (Not in the public binary cache: built from source) [`cupy-cuda13x` is nixpkgs' `cupy` with `.override { cudaPackages = pkgs.cudaPackages_13_0; }`]
camelot-py: found 1.0.9 [`camelot-py` is nixpkgs' `camelot` (its `pname` is `camelot-py`)]
insightface: not-found: `insightface` is in nixpkgs, but disabled for Python 3.14
brokenpkg: not-found: `brokenpkg` is marked broken in nixpkgs
py-cpuinfo: found 9.0.0+unstable.2022.11.20 (nixpkgs' version is `9.0.0-unstable-2022-11-20`, a snapshot after 9.0.0: given as `9.0.0+unstable.2022.11.20`)
pytorch: found 2.10.0 [`pytorch` was renamed in nixpkgs to `torch`]
segment-anything: not-found: `segment-anything` was removed from nixpkgs: 'segment-anything' has been removed because it is unmaintained upstream
decord: not-found: `decord` is not in nixpkgs' `python314Packages`
vanished: error: nixpkgs' `python314Packages.vanished` could not be read: getting status of '<tree>/pkgs/development/python-modules/vanished': No such file or directory
aborting: error: nixpkgs' `python314Packages.aborting` could not be read: evaluation aborted with the following error message: 'aborting is broken on purpose'
opencv-python: not-found: `opencv-python` maps to nixpkgs' `opencv4`, which this nixpkgs lacks
");
    let files: Vec<_> = std::fs::read_dir(cache.path()).unwrap().flatten().collect();
    assert_eq!(files.len(), 1, "one cache file");
    // A new resolver (a new process) reads the cache; a damaged cache is evaluated again.
    let cached = harness().candidates(&request).unwrap();
    assert_eq!(cached, first);
    let file = files[0].path();
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("2.10.0", "9.99.0")).unwrap();
    assert_eq!(harness().candidates(&request).unwrap(), first);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text, "rewritten");
}

#[test]
fn the_backends_agree_on_the_fixture_tree() {
    let folder = tempfile::tempdir().unwrap();
    let pythons: Vec<PythonVersion> = vec!["3.14".parse().unwrap(), "3.13".parse().unwrap()];
    let mut backends = vec![("source", json!({"backend": "source", "path": tree()}))];
    let index = folder.path().join("from-source.index");
    build_snapshot(
        &fixture("tiny-nixpkgs"),
        IndexBackend::Source,
        &pythons,
        "x86_64-linux",
    )
    .unwrap()
    .write(&index)
    .unwrap();
    backends.push((
        "index from source",
        json!({"index": index.display().to_string()}),
    ));
    if nix_available() {
        backends.push(("eval", cache_settings("eval", folder.path())));
        let index = folder.path().join("from-eval.index");
        build_snapshot(
            &fixture("tiny-nixpkgs"),
            IndexBackend::Eval,
            &pythons,
            "x86_64-linux",
        )
        .unwrap()
        .write(&index)
        .unwrap();
        backends.push((
            "index from eval",
            json!({"index": index.display().to_string()}),
        ));
    }
    for python in ["3.14", "3.13"] {
        let answers: Vec<(&str, String, String)> = backends
            .iter()
            .map(|(backend, settings)| {
                let mut request = candidates_with(NAMES, settings.clone());
                request.target.python = python.into();
                let candidates = comparable(&harness().candidates(&request).unwrap());
                let pairs = [
                    ("torch", "2.10.0"),
                    ("onnxruntime-gpu", "1.24.4"),
                    ("pillow", "12.1.1"),
                    ("cupy-cuda13x", "13.6.0"),
                    ("insightface", "0.7.3"),
                ];
                let mut details = details_with(&pairs, settings.clone());
                details.target.python = python.into();
                let details = harness().details(&details).unwrap();
                let details: Vec<String> = details
                    .packages
                    .iter()
                    .map(|answer| match &answer.outcome {
                        DetailsOutcome::Found(found) => format!(
                            "{} {}",
                            serde_json::to_string(&found.source).unwrap(),
                            serde_json::to_string(&found.dependencies).unwrap()
                        ),
                        other => format!("{other:?}"),
                    })
                    .collect();
                (*backend, candidates, details.join("\n"))
            })
            .collect();
        let (first, candidates, details) = &answers[0];
        for (backend, other_candidates, other_details) in &answers[1..] {
            assert_eq!(
                other_candidates, candidates,
                "`{backend}` and `{first}` disagree for Python {python}"
            );
            assert_eq!(
                other_details, details,
                "`{backend}` and `{first}` disagree for Python {python}"
            );
        }
        insta::assert_snapshot!(format!("agreed_candidates_{python}"), candidates);
        insta::assert_snapshot!(format!("agreed_details_{python}"), details);
    }
}

/// Copies the fixture tree to `to`.
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    fs_err::create_dir_all(to).unwrap();
    for entry in fs_err::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs_err::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn a_stale_eval_cache_is_evaluated_again() {
    if !nix_available() {
        return;
    }
    let folder = tempfile::tempdir().unwrap();
    let tree = folder.path().join("nixpkgs");
    copy_tree(&fixture("tiny-nixpkgs"), &tree);
    let settings = json!({
        "backend": "eval",
        "path": tree.display().to_string(),
        "cache": folder.path().join("cache").display().to_string(),
    });
    let request = candidates_with(&["onnx"], settings);
    assert_eq!(
        lines(&harness().candidates(&request).unwrap().packages),
        "onnx: found 1.20.1"
    );
    let file = tree.join("pkgs/development/python-modules/onnx/default.nix");
    let text = fs_err::read_to_string(&file).unwrap();
    fs_err::write(&file, text.replace("1.20.1", "1.21.10")).unwrap();
    assert_eq!(
        lines(&harness().candidates(&request).unwrap().packages),
        "onnx: found 1.21.10"
    );
}
