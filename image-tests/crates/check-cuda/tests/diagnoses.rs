//! `check-cuda` on a machine without a GPU: every failure mode that can be provoked here is
//! provoked, and its named diagnosis checked. The GPU itself is a driver stub
//! (`fixtures/libcuda_stub.c`) where a real one is needed.

use megapak_harness_test_support::{Run, c_library, cuda_lib, stub_driver};

fn check() -> Run {
    Run::new(env!("CARGO_BIN_EXE_check-cuda")).args(["--json"])
}

/// [`check`] with pip's NVRTC 13, as every test past NVRTC needs.
fn with_nvrtc() -> Run {
    check().args(["--nvrtc-dir"]).args([cuda_lib()])
}

#[test]
fn nvrtc_missing_is_a_failure_even_without_a_gpu() {
    let ran = check().run();
    assert_eq!(ran.verdict(), ("failed".into(), "nvrtc-missing".into()));
    assert_eq!(ran.code, Some(1));
    assert!(
        ran.stderr.contains("nvrtc-missing"),
        "the reason is printed: {}",
        ran.stderr
    );
}

#[test]
fn a_wrong_nvrtc_dir_is_named() {
    let ran = check().args(["--nvrtc-dir", "/nonexistent/lib"]).run();
    let json = ran.json();
    assert_eq!(json["diagnosis"]["code"], "nvrtc-missing");
    assert!(
        json["diagnosis"]["message"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/lib"),
        "{json}"
    );
}

#[test]
fn without_a_driver_the_gpu_part_skips_after_nvrtc_compiled() {
    let ran = with_nvrtc().run();
    assert_eq!(ran.verdict(), ("skipped".into(), "no-driver".into()));
    assert_eq!(ran.code, Some(3), "a skip is not a pass");
    let json = ran.json();
    assert_eq!(json["passed"], false);
    assert_eq!(json["figures"]["nvrtc"], "13.0");
    assert!(
        json["figures"]["kernel_image_bytes"].as_f64().unwrap() > 1000.0,
        "NVRTC made a cubin: {json}"
    );
    assert!(
        ran.stderr.contains("cuda: skip no-driver"),
        "the skip reason is printed: {}",
        ran.stderr
    );
}

#[test]
fn require_gpu_turns_the_skip_into_a_failure() {
    let ran = check()
        .args(["--require-gpu", "--nvrtc-dir"])
        .args([cuda_lib()])
        .run();
    assert_eq!(ran.verdict(), ("failed".into(), "no-driver".into()));
    assert_eq!(ran.code, Some(1));
}

#[test]
fn nvrtc_found_through_the_environment_and_cpu_only_passes() {
    let ran = check()
        .args(["--cpu-only"])
        .env("MEGAPAK_NVRTC_DIR", cuda_lib())
        .run();
    assert_eq!(ran.verdict(), ("passed".into(), "none".into()));
    assert_eq!(ran.code, Some(0));
}

#[test]
fn the_nvrtc_of_nvrtc_dir_is_used_even_with_another_libnvrtc_so_on_the_path() {
    // A system-wide CUDA toolkit puts a `libnvrtc.so` link on the loader's path, which a search
    // by cudarc's names would find before `libnvrtc.so.13`. This one claims to be NVRTC 12.0.
    let decoy = c_library(
        "libnvrtc.so",
        "int nvrtcVersion(int *major, int *minor) { *major = 12; *minor = 0; return 0; }\n",
    );
    let ran = check()
        .args(["--cpu-only", "--nvrtc-dir"])
        .args([cuda_lib()])
        .lib_dir(decoy.path())
        .run();
    assert_eq!(
        ran.verdict(),
        ("passed".into(), "none".into()),
        "{}",
        ran.stderr
    );
    let json = ran.json();
    assert_eq!(json["figures"]["nvrtc"], "13.0");
    assert_eq!(
        json["figures"]["nvrtc_library"],
        cuda_lib().join("libnvrtc.so.13").display().to_string()
    );
}

#[test]
fn nvrtc_preloaded_from_megapak_preload() {
    let libs = ["libnvrtc-builtins.so.13.0", "libnvrtc.so.13"].map(|l| cuda_lib().join(l));
    let ran = check()
        .args(["--cpu-only"])
        .env("MEGAPAK_PRELOAD", std::env::join_paths(libs).unwrap())
        .run();
    assert_eq!(
        ran.verdict(),
        ("passed".into(), "none".into()),
        "{}",
        ran.stderr
    );
}

#[test]
fn a_driver_on_disk_that_the_loader_cannot_see() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("libcuda.so.1"), b"not loaded").unwrap();
    let ran = with_nvrtc()
        .env("MEGAPAK_DRIVER_SEARCH_DIRS", dir.path())
        .run();
    assert_eq!(
        ran.verdict(),
        ("failed".into(), "libcuda-not-visible".into())
    );
    let hint = ran.json()["diagnosis"]["hint"].as_str().unwrap().to_owned();
    assert!(
        hint.contains(&format!(
            "add `{}` to `LD_LIBRARY_PATH`",
            dir.path().display()
        )),
        "{hint}"
    );
}

#[test]
fn driver_capabilities_without_compute() {
    let ran = with_nvrtc()
        .env("NVIDIA_DRIVER_CAPABILITIES", "utility,graphics")
        .run();
    assert_eq!(
        ran.verdict(),
        ("failed".into(), "driver-capabilities-lack-compute".into())
    );
    assert!(
        ran.json()["diagnosis"]["message"]
            .as_str()
            .unwrap()
            .contains("`utility,graphics`")
    );
}

#[test]
fn capabilities_granting_all_do_not_hide_a_missing_driver() {
    let ran = with_nvrtc().env("NVIDIA_DRIVER_CAPABILITIES", "all").run();
    assert_eq!(ran.verdict(), ("skipped".into(), "no-driver".into()));
}

#[test]
fn a_broken_driver_library() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("libcuda.so.1"), b"not an ELF file").unwrap();
    let ran = with_nvrtc().lib_dir(dir.path()).run();
    assert_eq!(ran.verdict(), ("failed".into(), "driver-unloadable".into()));
}

#[test]
fn a_driver_older_than_cuda_13() {
    let stub = stub_driver(1);
    let ran = with_nvrtc().lib_dir(stub.path()).run();
    assert_eq!(ran.verdict(), ("failed".into(), "driver-too-old".into()));
    let message = ran.json()["diagnosis"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        message,
        "The NVIDIA driver supports CUDA 12.8 (`cuDriverGetVersion` = 12080); this image needs CUDA 13.0, which needs driver 580 or newer"
    );
}

#[test]
fn a_driver_that_sees_no_gpu() {
    let stub = stub_driver(2);
    let ran = with_nvrtc().lib_dir(stub.path()).run();
    assert_eq!(ran.verdict(), ("skipped".into(), "no-gpu".into()));
    assert_eq!(ran.json()["figures"]["nvrtc"], "13.0");
}

#[test]
fn a_toolkit_stub_in_place_of_the_driver() {
    let stub = stub_driver(5);
    let ran = with_nvrtc().lib_dir(stub.path()).run();
    assert_eq!(
        ran.verdict(),
        ("failed".into(), "driver-init-failed".into())
    );
    let json = ran.json();
    assert!(
        json["diagnosis"]["message"]
            .as_str()
            .unwrap()
            .contains("CUDA_ERROR_STUB_LIBRARY"),
        "{json}"
    );
    assert!(
        json["diagnosis"]["hint"]
            .as_str()
            .unwrap()
            .contains("take the stubs folder off `LD_LIBRARY_PATH`"),
        "{json}"
    );
}

#[test]
fn a_driver_that_does_not_match_its_kernel_module() {
    let stub = stub_driver(4);
    let ran = with_nvrtc().lib_dir(stub.path()).run();
    assert_eq!(
        ran.verdict(),
        ("failed".into(), "driver-init-failed".into())
    );
    assert!(
        ran.json()["diagnosis"]["message"]
            .as_str()
            .unwrap()
            .contains("CUDA_ERROR_SYSTEM_DRIVER_MISMATCH")
    );
}

#[test]
fn no_kernel_image_for_the_device() {
    let stub = stub_driver(3);
    let ran = with_nvrtc().lib_dir(stub.path()).run();
    assert_eq!(
        ran.verdict(),
        ("failed".into(), "no-kernel-image".into()),
        "{}",
        ran.stderr
    );
    let json = ran.json();
    assert_eq!(
        json["figures"]["device_0"],
        "Stub GPU (sm_90, 80.0 GiB, 132 SMs)"
    );
    assert_eq!(
        json["figures"]["kernel_target"], "cubin sm_90",
        "compiled for the exact architecture"
    );
    assert_eq!(json["figures"]["driver_cuda"], "13.0");
    assert!(
        json["diagnosis"]["message"]
            .as_str()
            .unwrap()
            .ends_with("no kernel image is available for execution on the device (`sm_90`)")
    );
}

#[test]
fn a_bad_command_line_exits_2() {
    let ran = check().args(["--copy-mib", "lots"]).run();
    assert_eq!(ran.code, Some(2));
    assert!(
        ran.stderr
            .starts_with("error: Invalid value `lots` for `--copy-mib`"),
        "{}",
        ran.stderr
    );
}
