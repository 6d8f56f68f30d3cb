//! `check-torch` on a machine without a GPU: the CPU path passes; a CPU-only libtorch, a
//! libtorch of another version or CUDA major, missing CUDA libraries and a driver too old for
//! torch's CUDA are each named.
//!
//! The fake libtorch folders are hard links to `.libtorch/torch/lib` (1 GB of libraries), so a
//! test costs no copies; `/proc/self/maps` then shows the fake folder, as a real one would.

use std::path::{Path, PathBuf};

use megapak_harness_test_support::{
    Run, c_library, cuda_lib, stub_driver, torch_lib, torch_version,
};

fn check() -> Run {
    Run::new(env!("CARGO_BIN_EXE_check-torch")).args(["--json"])
}

/// The torch `check-torch` was built against (`2.11.0`, or `2.10.0` for `image-tests/torch-2.10`).
const BUILT_AGAINST: &str = env!("MEGAPAK_TORCH_BUILT_AGAINST");

/// `2.11` of `2.11.0`.
fn major_minor(version: &str) -> String {
    version.split('.').take(2).collect::<Vec<_>>().join(".")
}

/// A torch of another minor version than the one built against.
fn another_version() -> &'static str {
    if major_minor(BUILT_AGAINST) == "2.10" {
        "2.11.0+cu130"
    } else {
        "2.10.0+cu128"
    }
}

/// `DIR/torch/lib` with links to the real libraries named, and `DIR/torch/version.py`.
fn fake_torch(libs: &[&str], version: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let lib = dir.path().join("torch/lib");
    std::fs::create_dir_all(&lib).unwrap();
    for name in libs {
        link_or_copy(&torch_lib().join(name), &lib.join(name));
    }
    std::fs::write(
        dir.path().join("torch/version.py"),
        format!("__version__ = '{version}'\n"),
    )
    .unwrap();
    (dir, lib)
}

fn link_or_copy(from: &Path, to: &Path) {
    if std::fs::hard_link(from, to).is_err() {
        std::fs::copy(from, to).unwrap();
    }
}

const CPU_LIBS: &[&str] = &["libtorch_cpu.so", "libc10.so", "libgomp.so.1"];

#[test]
fn the_cpu_path_passes_with_the_real_libtorch() {
    let ran = check()
        .args(["--cpu-only"])
        .lib_dir(torch_lib())
        .lib_dir(cuda_lib())
        .run();
    ran.assert_verdict("passed", "none");
    assert_eq!(ran.code, Some(0));
    let json = ran.json();
    assert_eq!(json["figures"]["torch"], torch_version());
    assert_eq!(json["figures"]["built_against"], BUILT_AGAINST);
    assert!(
        torch_version().starts_with(BUILT_AGAINST),
        "the tests run against the torch built against"
    );
    assert!(json["figures"]["cpu_matmul_rel_err"].as_f64().unwrap() < 1e-4);
}

#[test]
fn cuda_libraries_missing_for_libtorch_cuda_are_named() {
    // `.libtorch` has libtorch_cuda.so but not cuDNN, cuBLAS, NCCL...: as an image missing them.
    let ran = check().lib_dir(torch_lib()).lib_dir(cuda_lib()).run();
    ran.assert_verdict("failed", "cuda-libraries-missing");
    let json = ran.json();
    let message = json["diagnosis"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("`libtorch_cuda.so` needs `lib"),
        "{message}"
    );
    assert!(
        json["figures"]["cpu_matmul_rel_err"].is_number(),
        "the CPU part still ran: {json}"
    );
}

#[test]
fn a_cpu_only_libtorch() {
    let (_dir, lib) = fake_torch(CPU_LIBS, &format!("{BUILT_AGAINST}+cpu"));
    let ran = check().lib_dir(&lib).lib_dir(cuda_lib()).run();
    ran.assert_verdict("failed", "torch-cpu-only");
    let message = ran.json()["diagnosis"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        message,
        format!(
            "The libtorch in `{}` is a CPU-only build: it has no `libtorch_cuda.so`",
            lib.display()
        )
    );
}

#[test]
fn a_libtorch_of_another_version() {
    let (_dir, lib) = fake_torch(CPU_LIBS, another_version());
    let ran = check()
        .args(["--cpu-only"])
        .lib_dir(&lib)
        .lib_dir(cuda_lib())
        .run();
    ran.assert_verdict("failed", "libtorch-version-mismatch");
    let json = ran.json();
    assert_eq!(
        json["diagnosis"]["message"],
        format!(
            "The libtorch in use is not the one `check-torch` was built against: built against torch {BUILT_AGAINST}, but the libtorch loaded is torch {}",
            another_version()
        )
    );
    assert!(
        json["figures"].get("cpu_matmul_rel_err").is_none(),
        "nothing runs on a mismatched libtorch: {json}"
    );
}

#[test]
fn a_patch_release_is_not_a_mismatch() {
    let (_dir, lib) = fake_torch(CPU_LIBS, &format!("{}.9", major_minor(BUILT_AGAINST)));
    let ran = check()
        .args(["--cpu-only"])
        .lib_dir(&lib)
        .lib_dir(cuda_lib())
        .run();
    ran.assert_verdict("passed", "none");
}

#[test]
fn without_libtorch_the_binary_cannot_start() {
    // The loader refuses before `main`; `megapak-smoke` turns this into `libtorch-missing`.
    let ran = Run::new(env!("CARGO_BIN_EXE_check-torch")).run();
    assert_eq!(ran.code, Some(127));
    assert!(
        ran.stderr
            .contains("libtorch_cpu.so: cannot open shared object file"),
        "{}",
        ran.stderr
    );
}

/// `13` for the cached torch 2.11 (cu130), `12` for torch 2.10 (cu128): the major it was
/// built for, and the other one.
fn torch_major_and_other() -> (&'static str, &'static str) {
    if torch_version().contains("+cu13") {
        ("13", "12")
    } else {
        ("12", "13")
    }
}

#[test]
fn a_torch_of_another_cuda_major_is_named_with_and_without_a_gpu_part() {
    let (found, other) = torch_major_and_other();
    for cpu_only in [true, false] {
        let mut run = check().args(["--cuda-major", other]);
        if cpu_only {
            run = run.args(["--cpu-only"]);
        }
        let ran = run.lib_dir(torch_lib()).lib_dir(cuda_lib()).run();
        assert_eq!(
            ran.verdict(),
            ("failed".into(), "cuda-major-mismatch".into()),
            "cpu_only {cpu_only}: {}",
            ran.stdout
        );
        assert_eq!(
            ran.json()["diagnosis"]["message"],
            format!(
                "This check expects a CUDA {other} image, but torch {} is CUDA {found}",
                torch_version()
            )
        );
    }
    // `megapak verify` says it through the environment.
    let ran = check()
        .args(["--cpu-only"])
        .env("MEGAPAK_CUDA_MAJOR", other)
        .lib_dir(torch_lib())
        .lib_dir(cuda_lib())
        .run();
    assert_eq!(ran.verdict().1, "cuda-major-mismatch");
}

#[test]
fn the_cuda_major_torch_was_built_for_passes() {
    let (found, _) = torch_major_and_other();
    let ran = check()
        .args(["--cpu-only", "--cuda-major", found])
        .lib_dir(torch_lib())
        .lib_dir(cuda_lib())
        .run();
    ran.assert_verdict("passed", "none");
    assert_eq!(
        ran.json()["figures"]["torch_cuda"],
        if found == "13" { "13.0" } else { "12.8" }
    );
}

#[test]
fn the_cpu_part_records_its_phases() {
    let ran = check()
        .args(["--cpu-only"])
        .lib_dir(torch_lib())
        .lib_dir(cuda_lib())
        .run();
    let json = ran.json();
    for phase in ["seconds_libtorch_cuda_load", "seconds_cpu_matmul"] {
        assert!(
            json["figures"][phase].is_number(),
            "{phase} missing: {json}"
        );
    }
    assert!(
        json["figures"].get("seconds_matmul").is_none(),
        "no GPU phase without a GPU part: {json}"
    );
}

/// A fake torch of `version` whose `libtorch_cuda.so` is an empty library: it loads, registers
/// no CUDA, and lets the check go on to the driver.
fn torch_with_empty_cuda(version: &str) -> (tempfile::TempDir, PathBuf) {
    let (dir, lib) = fake_torch(CPU_LIBS, version);
    let empty = c_library("libtorch_cuda.so", "int megapak_empty_torch_cuda;\n");
    std::fs::copy(
        empty.path().join("libtorch_cuda.so"),
        lib.join("libtorch_cuda.so"),
    )
    .unwrap();
    (dir, lib)
}

#[test]
fn the_driver_is_judged_for_torchs_cuda_major() {
    // The stub driver supports CUDA 12.8 only.
    let driver = stub_driver(1);
    let (_dir, lib) = torch_with_empty_cuda(&format!("{BUILT_AGAINST}+cu130"));
    let ran = check()
        .lib_dir(&lib)
        .lib_dir(cuda_lib())
        .lib_dir(driver.path())
        .run();
    ran.assert_verdict("failed", "driver-too-old");
    // The same driver is new enough for a cu128 torch: the check goes on (and finds that the
    // empty `libtorch_cuda.so` brings no CUDA).
    let (_dir, lib) = torch_with_empty_cuda(&format!("{BUILT_AGAINST}+cu128"));
    let ran = check()
        .lib_dir(&lib)
        .lib_dir(cuda_lib())
        .lib_dir(driver.path())
        .run();
    ran.assert_verdict("failed", "torch-cuda-unavailable");
    // What the check is told wins over what torch says.
    let ran = check()
        .args(["--cuda-major", "13"])
        .lib_dir(&lib)
        .lib_dir(cuda_lib())
        .lib_dir(driver.path())
        .run();
    assert_eq!(ran.verdict().1, "cuda-major-mismatch");
}

/// A driver of CUDA 13.0 with one Tesla V100 (sm_70): what CUDA 13 no longer supports.
const V100_DRIVER: &str = r#"
#include <string.h>
int cuDriverGetVersion(int *v) { *v = 13000; return 0; }
int cuInit(unsigned int flags) { (void)flags; return 0; }
int cuDeviceGetCount(int *n) { *n = 1; return 0; }
int cuDeviceGet(int *d, int ordinal) { *d = ordinal; return ordinal == 0 ? 0 : 101; }
int cuDeviceGetName(char *name, int len, int d) {
    (void)d; strncpy(name, "Tesla V100-SXM2-16GB", (size_t)len); return 0;
}
int cuDeviceGetAttribute(int *v, int attribute, int d) {
    (void)d; *v = attribute == 75 ? 7 : 0; return 0;
}
"#;

#[test]
fn a_gpu_older_than_the_cuda_major_supports_is_named() {
    let driver = c_library("libcuda.so.1", V100_DRIVER);
    let (_dir, lib) = torch_with_empty_cuda(&format!("{BUILT_AGAINST}+cu130"));
    let ran = check()
        .lib_dir(&lib)
        .lib_dir(cuda_lib())
        .lib_dir(driver.path())
        .run();
    ran.assert_verdict("failed", "gpu-arch-unsupported");
    let json = ran.json();
    assert_eq!(
        json["diagnosis"]["message"],
        "The GPU `Tesla V100-SXM2-16GB` is sm_70; CUDA 13 supports sm_75 and newer, so no library of this image has code for it"
    );
    assert_eq!(json["figures"]["gpu_arch"], "sm_70");
    // CUDA 12 still supports it: the check goes on.
    let (_dir, lib) = torch_with_empty_cuda(&format!("{BUILT_AGAINST}+cu128"));
    let ran = check()
        .lib_dir(&lib)
        .lib_dir(cuda_lib())
        .lib_dir(driver.path())
        .run();
    assert_eq!(ran.verdict().1, "torch-cuda-unavailable", "{}", ran.stdout);
}
