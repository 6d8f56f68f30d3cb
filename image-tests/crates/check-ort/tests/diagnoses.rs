//! `check-ort` with PyPI's real CPU-only onnxruntime: the model runs on the CPU provider, and
//! every way of asking for CUDA from a CPU build ends in `onnxruntime-cpu-only`, never in a
//! silent CPU run.

use megapak_check_ort::onnx::Model;
use megapak_check_ort::session::{self, Provider};
use megapak_check_ort::{DIMS, runtime};
use megapak_harness_test_support::{Run, onnxruntime};

fn check() -> Run {
    Run::new(env!("CARGO_BIN_EXE_check-ort")).args(["--json"])
}

#[test]
fn the_model_runs_on_the_cpu_provider() {
    let ran = check()
        .args(["--cpu-only"])
        .env("ORT_DYLIB_PATH", onnxruntime("1.31.1"))
        .run();
    ran.assert_verdict("passed", "none");
    let json = ran.json();
    let figures = &json["figures"];
    assert_eq!(figures["onnxruntime"], "1.31.1");
    let err = figures["cpu_max_err"].as_f64().unwrap();
    let bound = figures["cpu_bound"].as_f64().unwrap();
    assert!(
        err > 0.0 && err < bound,
        "fp32 rounds (the inputs are not exact), within the bound: {err} of {bound}"
    );
    for phase in ["seconds_library", "seconds_session_cpu", "seconds_cpu_run"] {
        assert!(figures[phase].is_number(), "{phase} is recorded: {figures}");
    }
    assert!(
        figures.get("seconds_session_cuda").is_none(),
        "no CUDA phase without the GPU part"
    );
    assert!(
        json["figures"]["providers"]
            .as_str()
            .unwrap()
            .contains("CPUExecutionProvider")
    );
}

#[test]
fn a_cpu_only_onnxruntime_is_named_when_the_gpu_is_requested() {
    let ran = check().env("ORT_DYLIB_PATH", onnxruntime("1.31.1")).run();
    ran.assert_verdict("failed", "onnxruntime-cpu-only");
    assert_eq!(
        ran.code,
        Some(1),
        "a CPU-only onnxruntime fails even where there is no GPU to skip"
    );
    let json = ran.json();
    assert!(
        json["diagnosis"]["hint"]
            .as_str()
            .unwrap()
            .starts_with("install `onnxruntime-gpu` instead of `onnxruntime`")
    );
    assert!(
        json["figures"]["cpu_max_err"].is_number(),
        "the CPU part ran first"
    );
}

#[test]
fn registering_cuda_on_a_cpu_build_fails_instead_of_falling_back() {
    let env = runtime::init(&onnxruntime("1.31.1")).expect("the CPU library loads");
    let model = Model::build(DIMS);
    let err = session::session(&env, &model, Provider::Cuda, None, &Default::default())
        .expect_err("no CUDA session on a CPU build");
    assert_eq!(err.code, "onnxruntime-cpu-only", "{err:?}");
}

/// nixpkgs' onnxruntime (1.24.4 in the pinned nixpkgs), which an image resolved from the
/// embedded example links: the oldest the harness takes (ort's `api-24`).
#[test]
fn the_onnxruntime_nixpkgs_has_is_taken() {
    let ran = check()
        .args(["--cpu-only"])
        .env("ORT_DYLIB_PATH", onnxruntime("1.24.4"))
        .run();
    ran.assert_verdict("passed", "none");
    assert_eq!(ran.json()["figures"]["onnxruntime"], "1.24.4");
}

#[test]
fn an_onnxruntime_older_than_1_24() {
    let ran = check()
        .args(["--ort-dylib"])
        .args([onnxruntime("1.23.2")])
        .run();
    ran.assert_verdict("failed", "onnxruntime-too-old");
    assert_eq!(ran.json()["figures"]["onnxruntime"], "1.23.2");
}

#[test]
fn no_onnxruntime_at_all() {
    let ran = check().run();
    ran.assert_verdict("failed", "onnxruntime-missing");
    let ran = check()
        .args(["--ort-dylib", "/nonexistent/libonnxruntime.so.1.31.1"])
        .run();
    ran.assert_verdict("failed", "onnxruntime-missing");
    assert!(
        ran.json()["diagnosis"]["message"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/libonnxruntime.so.1.31.1: cannot open shared object file")
    );
}
