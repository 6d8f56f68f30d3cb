//! Verdicts: specifiers, Pythons, versions asked in `details`, bad settings and targets.

use megapak_plugin_abi::wire::{CandidatesQuery, Target};
use megapak_plugin_testing::{candidates_request, details_request};
use serde_json::json;

use crate::support::{candidates_with, harness, lines};

#[test]
fn a_version_that_misses_the_specifiers_is_not_found() {
    let mut request = candidates_request(&["onnx", "onnxruntime", "torch", "py-cpuinfo", "numpy"]);
    let specifiers = [
        Some(">=1.21"),
        Some("==1.24.*"),
        Some("==2.10.*"),
        Some("==9.0.0"),
        Some("<2"),
    ];
    for (query, spec) in request.packages.iter_mut().zip(specifiers) {
        query.specifiers = spec.map(str::to_owned);
    }
    insta::assert_snapshot!(lines(&harness().candidates(&request).unwrap().packages), @"
    onnx: not-found: `onnx` is in nixpkgs at 1.20.1, but `>=1.21` is required
    onnxruntime: found 1.24.4
    torch: found 2.10.0 (Not in the public binary cache: built from source) [`torch` is nixpkgs' `torchWithCuda` with `.override { cudaPackages = pkgs.cudaPackages_13_0; }`]
    py-cpuinfo: found 9.0.0+unstable.2022.11.20 (nixpkgs' version is `9.0.0-unstable-2022-11-20`, a snapshot after 9.0.0: given as `9.0.0+unstable.2022.11.20`)
    numpy: not-found: `numpy` is in nixpkgs at 2.4.2, but `<2` is required
    ");
}

#[test]
fn names_map_by_attribute_pname_and_normalization() {
    let request = candidates_request(&[
        "gitpython",
        "pygithub",
        "sqlalchemy",
        "opencv",
        "bootstrap-build",
    ]);
    insta::assert_snapshot!(lines(&harness().candidates(&request).unwrap().packages), @r"
gitpython: found 3.1.46
pygithub: found 2.8.1
sqlalchemy: found 2.0.48
opencv: found 4.13.0 [`opencv` is nixpkgs' `opencv4` (its `pname` is `opencv`)]
bootstrap-build: not-found: `bootstrap-build` (nixpkgs' `bootstrap.build`) is only in nixpkgs' evaluation of 2025-09-28 (at 1.3.0): on 2026-05-03 nixpkgs built it for no Python (unfree, broken or removed since)
");
}

#[test]
fn python_3_13_sees_what_nixpkgs_built_for_it() {
    let mut request = candidates_request(&["insightface", "openai-whisper"]);
    request.target = Target {
        python: "3.13".into(),
        ..request.target
    };
    insta::assert_snapshot!(lines(&harness().candidates(&request).unwrap().packages), @r"
insightface: found 0.7.3
openai-whisper: not-found: `openai-whisper` is in nixpkgs at 20250625, but built for Python 3.14 only, not 3.13
");
}

#[test]
fn details_of_another_version_is_not_found() {
    let request = details_request(&[("onnx", "1.19.0"), ("decord", "0.6.0")]);
    let response = harness().details(&request).unwrap();
    insta::assert_json_snapshot!(response, @r#"
{
  "packages": [
    {
      "name": "onnx",
      "version": "1.19.0",
      "outcome": "not-found",
      "reason": "nixpkgs has `onnx` at 1.20.1, not 1.19.0"
    },
    {
      "name": "decord",
      "version": "0.6.0",
      "outcome": "not-found",
      "reason": "`decord` is not in nixpkgs' `python314Packages`"
    }
  ]
}
"#);
}

#[test]
fn the_whole_call_fails_on_bad_settings_or_an_unknown_python() {
    let request = candidates_with(&["numpy"], json!({"backend": "nix"}));
    insta::assert_snapshot!(harness().candidates(&request).unwrap_err(), @"returned an error from `candidates`: Invalid `[resolvers.nixpkgs]` settings: `backend` must be `index`, `eval` or `source`, not `nix`");
    let mut request = candidates_request(&["numpy"]);
    request.target.python = "3.12".into();
    insta::assert_snapshot!(harness().candidates(&request).unwrap_err(), @"returned an error from `candidates`: The nixpkgs snapshot describes Python 3.14 and 3.13, not the target's 3.12: use the `source` or `eval` backend, or an index made for it by `megapak nixpkgs-index`");
    let mut request = candidates_request(&["numpy"]);
    request.target.system = "aarch64-linux".into();
    insta::assert_snapshot!(harness().candidates(&request).unwrap_err(), @"returned an error from `candidates`: The nixpkgs snapshot describes `x86_64-linux`, not the target's `aarch64-linux`: use the `source` or `eval` backend, or an index made for it by `megapak nixpkgs-index`");
    let mut request = candidates_request(&["numpy"]);
    request.packages = vec![CandidatesQuery {
        name: "numpy".into(),
        specifiers: Some(">=>1".into()),
        direct: None,
    }];
    insta::assert_snapshot!(lines(&harness().candidates(&request).unwrap().packages), @r#"numpy: error: Invalid specifiers `>=>1` for `numpy`: Failed to parse version: no such comparison operator ">=>", must be one of ~= == != <= >= < > ==="#);
}

#[test]
fn a_package_asked_for_by_url_is_not_nixpkgs_business() {
    let mut request = candidates_request(&["clip"]);
    request.packages[0].direct = Some(megapak_plugin_abi::wire::DirectReference::Git {
        url: "https://github.com/openai/CLIP".into(),
        rev: None,
        subdirectory: None,
    });
    insta::assert_snapshot!(lines(&harness().candidates(&request).unwrap().packages), @"clip: not-found: `clip` is asked for by URL (`git+https://github.com/openai/CLIP`), and a nixpkgs attribute is built from its own source");
}
