//! The variants: PyPI names that are another nixpkgs attribute, or one built another way, with
//! the override the emitter applies.

use megapak_plugin_abi::wire::{DetailsOutcome, Source, Target};
use megapak_plugin_testing::{candidates_request, details_request};
use serde_json::json;

use crate::support::{candidates_with, details_with, harness, lines};

fn source_and_notes(request: &megapak_plugin_abi::wire::DetailsRequest) -> String {
    let response = harness().details(request).unwrap();
    response
        .packages
        .iter()
        .map(|answer| match &answer.outcome {
            DetailsOutcome::Found(found) => {
                let Source::Nixpkgs {
                    attribute,
                    override_args,
                } = &found.source
                else {
                    panic!("a nixpkgs source")
                };
                format!(
                    "{} {}: {attribute} {} {} {:?}",
                    answer.name,
                    answer.version,
                    serde_json::to_string(override_args).unwrap(),
                    serde_json::to_string(&found.dependencies).unwrap(),
                    found.notes
                )
            }
            other => format!("{} {}: {other:?}", answer.name, answer.version),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn cuda_variants_carry_their_override_and_the_cache_note() {
    let request = details_request(&[
        ("onnxruntime-gpu", "1.24.4"),
        ("cupy-cuda13x", "13.6.0"),
        ("torch", "2.10.0"),
        ("opencv-contrib-python-headless", "4.13.0"),
        ("opencv-python", "4.13.0"),
        ("onnx", "1.20.1"),
    ]);
    insta::assert_snapshot!(source_and_notes(&request), @r#"
    onnxruntime-gpu 1.24.4: onnxruntime {"cudaPackages":{"attribute":"cudaPackages_13_0"},"cudaSupport":true} {"state":"unknown","reason":"The nixpkgs index of 2026-05-03 has no dependency lists"} ["Not in the public binary cache: built from source", "`onnxruntime-gpu` is nixpkgs' `onnxruntime` with `.override { cudaPackages = pkgs.cudaPackages_13_0; cudaSupport = true; }`"]
    cupy-cuda13x 13.6.0: cupy {"cudaPackages":{"attribute":"cudaPackages_13_0"}} {"state":"unknown","reason":"The nixpkgs index of 2026-05-03 has no dependency lists"} ["Not in the public binary cache: built from source", "Version as of nixpkgs' evaluation of 2025-09-28: CUDA builds are unfree, so the index of built packages of 2026-05-03 does not list it", "`cupy-cuda13x` is nixpkgs' `cupy` with `.override { cudaPackages = pkgs.cudaPackages_13_0; }`"]
    torch 2.10.0: torchWithCuda {"cudaPackages":{"attribute":"cudaPackages_13_0"}} {"state":"unknown","reason":"The nixpkgs index of 2026-05-03 has no dependency lists"} ["Not in the public binary cache: built from source", "`torch` is nixpkgs' `torchWithCuda` with `.override { cudaPackages = pkgs.cudaPackages_13_0; }`"]
    opencv-contrib-python-headless 4.13.0: opencv4 {} {"state":"unknown","reason":"The nixpkgs index of 2026-05-03 has no dependency lists"} ["`opencv-contrib-python-headless` is nixpkgs' `opencv4`"]
    opencv-python 4.13.0: opencv-python {} {"state":"unknown","reason":"The nixpkgs index of 2026-05-03 has no dependency lists"} []
    onnx 1.20.1: onnx {} {"state":"unknown","reason":"The nixpkgs index of 2026-05-03 has no dependency lists"} []
    "#);
}

#[test]
fn torch_follows_the_target_and_the_preference_for_wheels() {
    let mut cpu = candidates_request(&["torch", "onnxruntime-gpu", "cupy-cuda12x", "cupy-cuda13x"]);
    cpu.target = Target {
        cuda: None,
        ..cpu.target
    };
    insta::assert_snapshot!(lines(&harness().candidates(&cpu).unwrap().packages), @r"
    torch: found 2.10.0
    onnxruntime-gpu: not-found: `onnxruntime-gpu` is a CUDA build (nixpkgs' `onnxruntime`), but the target has no CUDA
    cupy-cuda12x: not-found: `cupy-cuda12x` is a CUDA build (nixpkgs' `cupy`), but the target has no CUDA
    cupy-cuda13x: not-found: `cupy-cuda13x` is a CUDA build (nixpkgs' `cupy`), but the target has no CUDA
    ");
    let cuda = candidates_request(&["cupy-cuda12x", "torch"]);
    insta::assert_snapshot!(lines(&harness().candidates(&cuda).unwrap().packages), @"
    cupy-cuda12x: not-found: `cupy-cuda12x` is built for CUDA 12, but the target has CUDA 13.0
    torch: found 2.10.0 (Not in the public binary cache: built from source) [`torch` is nixpkgs' `torchWithCuda` with `.override { cudaPackages = pkgs.cudaPackages_13_0; }`]
    ");
    let wheels = details_with(&[("torch", "2.8.0")], json!({"prefer-wheels": true}));
    insta::assert_snapshot!(source_and_notes(&wheels), @r#"torch 2.8.0: torch-bin {} {"state":"unknown","reason":"The nixpkgs index of 2026-05-03 has no dependency lists"} ["`torch-bin` is PyTorch's own wheel, built for the CUDA its version of nixpkgs pins, not necessarily the target's", "Version as of nixpkgs' evaluation of 2025-09-28: CUDA builds are unfree, so the index of built packages of 2026-05-03 does not list it", "`torch` is nixpkgs' `torch-bin`"]"#);
}

#[test]
fn a_users_variant_comes_first() {
    let settings = json!({"variants": {
        "torch": {"attribute": "torch-no-triton"},
        "my-opencv": {"attribute": "opencv4", "override": {"enableCuda": true}, "cuda": 13, "note": "Our build"},
    }});
    let request = candidates_with(&["torch", "my-opencv"], settings.clone());
    insta::assert_snapshot!(lines(&harness().candidates(&request).unwrap().packages), @"
    torch: found 2.10.0 [`torch` is nixpkgs' `torch-no-triton`]
    my-opencv: found 4.13.0 (Not in the public binary cache: built from source; Our build) [`my-opencv` is nixpkgs' `opencv4` with `.override { cudaPackages = pkgs.cudaPackages_13_0; enableCuda = true; }`]
    ");
    let request = details_with(&[("my-opencv", "4.13.0")], settings);
    insta::assert_snapshot!(source_and_notes(&request), @r#"my-opencv 4.13.0: opencv4 {"cudaPackages":{"attribute":"cudaPackages_13_0"},"enableCuda":true} {"state":"unknown","reason":"The nixpkgs index of 2026-05-03 has no dependency lists"} ["Not in the public binary cache: built from source", "Our build", "`my-opencv` is nixpkgs' `opencv4` with `.override { cudaPackages = pkgs.cudaPackages_13_0; enableCuda = true; }`"]"#);
}
