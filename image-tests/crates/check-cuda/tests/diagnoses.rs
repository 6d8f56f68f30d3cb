//! `check-cuda` on a machine without a GPU: every failure mode that can be provoked here is
//! provoked, and its named diagnosis checked. The GPU itself is a driver stub
//! (`fixtures/libcuda_stub.c`) where a real one is needed.

use megapak_harness_test_support::{
    Run, c_library, cuda_12_nvrtc_lib, cuda_lib, fake_nvidia_smi, stub_driver,
};

/// The check, with no `nvidia-smi` to ask (tests that want one point `MEGAPAK_NVIDIA_SMI` at a
/// fake).
fn check() -> Run {
    Run::new(env!("CARGO_BIN_EXE_check-cuda"))
        .args(["--json"])
        .env("MEGAPAK_NVIDIA_SMI", "/nonexistent/nvidia-smi")
}

/// [`check`] with pip's CUDA 12 NVRTC (12.8), for an image of CUDA 12.
fn with_nvrtc_12() -> Run {
    check()
        .args(["--cuda-major", "12", "--nvrtc-dir"])
        .args([cuda_12_nvrtc_lib()])
}

/// The diagnosis's message of a report.
fn message(ran: &megapak_harness_test_support::Ran) -> String {
    ran.json()["diagnosis"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// [`check`] with pip's NVRTC 13, as every test past NVRTC needs.
fn with_nvrtc() -> Run {
    check().args(["--nvrtc-dir"]).args([cuda_lib()])
}

#[test]
fn nvrtc_missing_is_a_failure_even_without_a_gpu() {
    let ran = check().run();
    ran.assert_verdict("failed", "nvrtc-missing");
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
    ran.assert_verdict("skipped", "no-driver");
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
    ran.assert_verdict("failed", "no-driver");
    assert_eq!(ran.code, Some(1));
}

#[test]
fn nvrtc_found_through_the_environment_and_cpu_only_passes() {
    let ran = check()
        .args(["--cpu-only"])
        .env("MEGAPAK_NVRTC_DIR", cuda_lib())
        .run();
    ran.assert_verdict("passed", "none");
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
    ran.assert_verdict("passed", "none");
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
    ran.assert_verdict("passed", "none");
}

#[test]
fn a_driver_on_disk_that_the_loader_cannot_see() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("libcuda.so.1"), b"not loaded").unwrap();
    let ran = with_nvrtc()
        .env("MEGAPAK_DRIVER_SEARCH_DIRS", dir.path())
        .run();
    ran.assert_verdict("failed", "libcuda-not-visible");
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
    ran.assert_verdict("failed", "driver-capabilities-lack-compute");
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
    ran.assert_verdict("skipped", "no-driver");
}

#[test]
fn a_broken_driver_library() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("libcuda.so.1"), b"not an ELF file").unwrap();
    let ran = with_nvrtc().lib_dir(dir.path()).run();
    ran.assert_verdict("failed", "driver-unloadable");
}

#[test]
fn a_driver_older_than_cuda_13() {
    let stub = stub_driver(1);
    let ran = with_nvrtc().lib_dir(stub.path()).run();
    ran.assert_verdict("failed", "driver-too-old");
    let message = ran.json()["diagnosis"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        message,
        "The NVIDIA driver supports CUDA 12.8 (`cuDriverGetVersion` = 12080); this image needs CUDA 13, which needs driver 580 or newer"
    );
    assert_eq!(
        ran.json()["figures"]["cuda_major"],
        "13",
        "found from NVRTC 13"
    );
    // Said rather than found: the same.
    let ran = with_nvrtc()
        .args(["--cuda-major", "13"])
        .lib_dir(stub.path())
        .run();
    ran.assert_verdict("failed", "driver-too-old");
}

#[test]
fn a_driver_that_sees_no_gpu() {
    let stub = stub_driver(2);
    // No `nvidia-smi` to say MIG is on: no GPU here, a skip.
    let ran = with_nvrtc()
        .env("MEGAPAK_NVIDIA_SMI", "/nonexistent/nvidia-smi")
        .lib_dir(stub.path())
        .run();
    ran.assert_verdict("skipped", "no-gpu");
    assert_eq!(ran.json()["figures"]["nvrtc"], "13.0");
}

#[test]
fn mig_on_without_an_instance_is_a_failure_not_a_skip() {
    let stub = stub_driver(2);
    let smi_dir = tempfile::tempdir().unwrap();
    let smi = fake_nvidia_smi(
        smi_dir.path(),
        &[
            (
                "--query-gpu=index,name,mig.mode.current",
                "0, NVIDIA A100-SXM4-80GB, Enabled",
            ),
            ("-L", "GPU 0: NVIDIA A100-SXM4-80GB (UUID: GPU-5e1f0c4a)"),
        ],
    );
    let ran = with_nvrtc()
        .env("MEGAPAK_NVIDIA_SMI", &smi)
        .lib_dir(stub.path())
        .run();
    ran.assert_verdict("failed", "mig-no-instance");
    assert!(
        message(&ran).contains("MIG mode is enabled on GPU 0 NVIDIA A100-SXM4-80GB"),
        "{}",
        message(&ran)
    );
    assert_eq!(ran.code, Some(1));
}

#[test]
fn a_toolkit_stub_in_place_of_the_driver() {
    let stub = stub_driver(5);
    let ran = with_nvrtc().lib_dir(stub.path()).run();
    ran.assert_verdict("failed", "driver-init-failed");
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
    ran.assert_verdict("failed", "driver-init-failed");
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
    ran.assert_verdict("failed", "no-kernel-image");
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

#[test]
fn a_cpu_only_run_says_where_its_time_went() {
    let ran = with_nvrtc().args(["--cpu-only"]).run();
    ran.assert_verdict("passed", "none");
    let figures = &ran.json()["figures"];
    for phase in ["seconds_nvrtc_load", "seconds_compile"] {
        assert!(figures[phase].is_number(), "`{phase}` in {figures}");
    }
    assert!(
        figures.get("seconds_driver").is_none(),
        "no driver asked: {figures}"
    );
    assert_eq!(figures["cuda_major"], "13");
}

#[test]
fn nvrtc_12_compiles_the_kernels_of_a_cuda_12_image() {
    let ran = with_nvrtc_12().args(["--cpu-only"]).run();
    ran.assert_verdict("passed", "none");
    let figures = &ran.json()["figures"];
    assert_eq!(figures["cuda_major"], "12");
    assert_eq!(figures["nvrtc"], "12.8");
    assert!(
        figures["kernel_image_bytes"].as_f64().unwrap() > 1000.0,
        "NVRTC 12 made a cubin: {figures}"
    );
    assert_eq!(
        figures["nvrtc_library"],
        cuda_12_nvrtc_lib()
            .join("libnvrtc.so.12")
            .display()
            .to_string()
    );
}

#[test]
fn the_cuda_major_is_found_from_the_nvrtc_on_the_loaders_path() {
    // No major given, no `--nvrtc-dir`: `libnvrtc.so.13` is not there, `libnvrtc.so.12` is.
    let ran = check()
        .args(["--cpu-only"])
        .lib_dir(cuda_12_nvrtc_lib())
        .run();
    ran.assert_verdict("passed", "none");
    assert_eq!(ran.json()["figures"]["cuda_major"], "12");
    assert_eq!(ran.json()["figures"]["nvrtc"], "12.8");
}

#[test]
fn a_cuda_12_image_passes_a_cuda_12_driver() {
    // The stub's driver supports CUDA 12.8: too old for CUDA 13, enough for 12. Past the
    // driver, its module loads fail (no-kernel-image).
    let stub = stub_driver(1);
    let ran = with_nvrtc_12().lib_dir(stub.path()).run();
    ran.assert_verdict("failed", "no-kernel-image");
    let figures = &ran.json()["figures"];
    assert_eq!(figures["driver_cuda"], "12.8");
    assert_eq!(figures["cuda_major"], "12");
    assert_eq!(figures["kernel_target"], "cubin sm_90");
    for phase in [
        "seconds_driver",
        "seconds_devices",
        "seconds_compile",
        "seconds_context",
    ] {
        assert!(figures[phase].is_number(), "`{phase}` in {figures}");
    }
}

#[test]
fn a_cuda_13_image_with_only_nvrtc_12_is_a_major_mismatch() {
    let ran = check()
        .args(["--cpu-only", "--cuda-major", "13", "--nvrtc-dir"])
        .args([cuda_12_nvrtc_lib()])
        .run();
    ran.assert_verdict("failed", "cuda-major-mismatch");
    let wanted = format!(
        "This check expects a CUDA 13 image, but the only NVRTC found, `{}`, is CUDA 12",
        cuda_12_nvrtc_lib().join("libnvrtc.so.12").display()
    );
    assert_eq!(message(&ran), wanted);
    // From `MEGAPAK_CUDA_MAJOR`, NVRTC 12 on the loader's path: the same.
    let ran = check()
        .args(["--cpu-only"])
        .env("MEGAPAK_CUDA_MAJOR", "13")
        .lib_dir(cuda_12_nvrtc_lib())
        .run();
    ran.assert_verdict("failed", "cuda-major-mismatch");
    assert!(
        message(&ran).ends_with("`libnvrtc.so.12` on the loader's path, is CUDA 12"),
        "{}",
        message(&ran)
    );
}

#[test]
fn a_missing_nvrtc_12_names_the_cuda_12_wheel() {
    let ran = check().args(["--cpu-only", "--cuda-major", "12"]).run();
    ran.assert_verdict("failed", "nvrtc-missing");
    let json = ran.json();
    assert!(
        message(&ran).starts_with("NVRTC (`libnvrtc.so.12`) could not be loaded"),
        "{json}"
    );
    let hint = json["diagnosis"]["hint"].as_str().unwrap();
    assert!(
        hint.contains("nvidia-cuda-nvrtc-cu12") && hint.contains("nvidia/cuda_nvrtc/lib"),
        "{hint}"
    );
}

#[test]
fn an_sm_70_gpu_is_refused_for_cuda_13_before_compiling() {
    let stub = stub_driver(6);
    let ran = with_nvrtc().lib_dir(stub.path()).run();
    ran.assert_verdict("failed", "gpu-arch-unsupported");
    let text = message(&ran);
    for part in ["`Tesla V100-SXM2-16GB`", "sm_70", "sm_75"] {
        assert!(text.contains(part), "{part} in {text}");
    }
    let figures = &ran.json()["figures"];
    assert_eq!(
        figures["device_0"],
        "Tesla V100-SXM2-16GB (sm_70, 16.0 GiB, 80 SMs)"
    );
    assert!(
        figures.get("kernel_target").is_none(),
        "nothing compiled: {figures}"
    );
    // CUDA 12 still supports Volta: this check lets the card through (the stub then fails
    // its module load).
    let ran = with_nvrtc_12().lib_dir(stub.path()).run();
    let (_, code) = ran.verdict();
    assert_ne!(code, "gpu-arch-unsupported", "{}", ran.stdout);
    assert_eq!(ran.json()["figures"]["kernel_target"], "cubin sm_70");
}

#[test]
fn out_of_gpu_memory_says_what_is_free_and_who_holds_it() {
    let stub = stub_driver(7);
    let smi_dir = tempfile::tempdir().unwrap();
    let smi = fake_nvidia_smi(
        smi_dir.path(),
        &[
            ("--query-gpu=memory.free,memory.total", "312, 81559"),
            (
                "--query-compute-apps=pid,process_name,used_memory",
                "4242, python, 80000\n4343, /usr/bin/ollama, 1200",
            ),
        ],
    );
    let ran = with_nvrtc()
        .env("MEGAPAK_NVIDIA_SMI", &smi)
        .lib_dir(stub.path())
        .run();
    ran.assert_verdict("failed", "gpu-out-of-memory");
    assert_eq!(
        message(&ran),
        "`cuMemAlloc` of 1024 MiB ran out of GPU memory (CUDA_ERROR_OUT_OF_MEMORY); 312 MiB of 81559 MiB free; in use by pid 4242 python (80000 MiB), pid 4343 /usr/bin/ollama (1200 MiB)"
    );
    let figures = &ran.json()["figures"];
    for phase in ["seconds_context", "seconds_module"] {
        assert!(figures[phase].is_number(), "`{phase}` in {figures}");
    }
    // Without `nvidia-smi` the message goes without the details.
    let ran = with_nvrtc()
        .args(["--copy-mib", "64"])
        .lib_dir(stub.path())
        .run();
    assert_eq!(
        message(&ran),
        "`cuMemAlloc` of 64 MiB ran out of GPU memory (CUDA_ERROR_OUT_OF_MEMORY)"
    );
}

/// A folder with a stand-in NVRTC as `soname` (NVRTC `major`.0, knowing only sm_90) whose
/// `nvrtcCompileProgram` fails with `NVRTC_ERROR_COMPILATION` and the log `LOG`.
fn failing_nvrtc(soname: &str, major: u32) -> tempfile::TempDir {
    c_library(
        soname,
        &format!(
            r#"#include <stddef.h>
#include <string.h>
static const char LOG[] = "{LOG}";
static int program;
int nvrtcVersion(int *major, int *minor) {{ *major = {major}; *minor = 0; return 0; }}
const char *nvrtcGetErrorString(int r) {{ return r == 6 ? "NVRTC_ERROR_COMPILATION" : "NVRTC_ERROR_INVALID_INPUT"; }}
int nvrtcGetNumSupportedArchs(int *n) {{ *n = 1; return 0; }}
int nvrtcGetSupportedArchs(int *archs) {{ archs[0] = 90; return 0; }}
int nvrtcCreateProgram(void **p, const char *src, const char *name, int n, const char *const *h, const char *const *i) {{ *p = &program; return 0; }}
int nvrtcCompileProgram(void *p, int n, const char *const *options) {{ return 6; }}
int nvrtcGetProgramLogSize(void *p, size_t *size) {{ *size = sizeof LOG; return 0; }}
int nvrtcGetProgramLog(void *p, char *log) {{ memcpy(log, LOG, sizeof LOG); return 0; }}
int nvrtcGetCUBINSize(void *p, size_t *size) {{ return 3; }}
int nvrtcGetCUBIN(void *p, char *out) {{ return 3; }}
int nvrtcGetPTXSize(void *p, size_t *size) {{ return 3; }}
int nvrtcGetPTX(void *p, char *out) {{ return 3; }}
int nvrtcDestroyProgram(void **p) {{ *p = NULL; return 0; }}
"#
        ),
    )
}

/// The compile log [`failing_nvrtc`] gives.
const LOG: &str = "megapak_check.cu(9): error: identifier \\\"__stub_intrinsic\\\" is undefined";

#[test]
fn an_nvrtc_that_refuses_the_kernel_shows_its_log() {
    let nvrtc = failing_nvrtc("libnvrtc.so.13", 13);
    let ran = check()
        .args(["--cpu-only", "--nvrtc-dir"])
        .args([nvrtc.path()])
        .run();
    ran.assert_verdict("failed", "nvrtc-compile-failed");
    assert_eq!(
        message(&ran),
        "NVRTC failed to compile the test kernel: NVRTC_ERROR_COMPILATION for `sm_90`: megapak_check.cu(9): error: identifier \"__stub_intrinsic\" is undefined"
    );
    let hint = ran.json()["diagnosis"]["hint"].as_str().unwrap().to_owned();
    assert!(hint.contains("`libnvrtc.so.13`"), "{hint}");
    // A CUDA 12 image's NVRTC: the hint names its files and wheel.
    let nvrtc = failing_nvrtc("libnvrtc.so.12", 12);
    let ran = check()
        .args(["--cpu-only", "--cuda-major", "12", "--nvrtc-dir"])
        .args([nvrtc.path()])
        .run();
    ran.assert_verdict("failed", "nvrtc-compile-failed");
    assert!(message(&ran).contains("__stub_intrinsic"));
    let hint = ran.json()["diagnosis"]["hint"].as_str().unwrap().to_owned();
    assert!(
        hint.contains("`libnvrtc.so.12`") && hint.contains("`nvidia-cuda-nvrtc-cu12`"),
        "{hint}"
    );
}

#[test]
fn the_whole_gpu_part_on_a_cpu_backed_device_passes_with_its_figures() {
    // The stub runs the kernels on the CPU: every host-side step of the GPU part runs, the
    // copy's checksum included, and the pass must carry every required GPU figure.
    let stub = stub_driver(8);
    let ran = with_nvrtc()
        .args(["--require-gpu", "--copy-mib", "4"])
        .lib_dir(stub.path())
        .run();
    ran.assert_verdict("passed", "none");
    let figures = &ran.json()["figures"];
    assert_eq!(figures["verified_elements"], f64::from(1u32 << 24));
    assert_eq!(figures["copy_verified_bytes"], 4.0 * 1048576.0);
    assert_eq!(figures["copy_mib"], 4.0);
    // Every run timed as 1 ms by the stub's events: 2 × 4 MiB in 1 ms.
    assert_eq!(figures["copy_gb_per_s"], 2.0 * 4.0 * 1048576.0 / 1e-3 / 1e9);
    for phase in [
        "nvrtc_load",
        "driver",
        "devices",
        "compile",
        "context",
        "module",
        "alloc",
        "mix",
        "copy",
        "checksum",
    ] {
        let key = format!("seconds_{phase}");
        assert!(figures[&key].is_number(), "`{key}` in {figures}");
    }
}

#[test]
fn two_swapped_words_of_the_copy_are_found_by_the_checksum() {
    let stub = stub_driver(9);
    let ran = with_nvrtc()
        .args(["--copy-mib", "4"])
        .lib_dir(stub.path())
        .run();
    ran.assert_verdict("failed", "wrong-result");
    let text = message(&ran);
    assert!(
        text.starts_with(
            "The `copy4` kernel computed a wrong result on the GPU: the checksum of the 4 MiB copied is 0x"
        ),
        "{text}"
    );
    let figures = &ran.json()["figures"];
    assert!(
        figures["copy_gb_per_s"].is_number(),
        "timed before: {figures}"
    );
    assert!(figures.get("copy_verified_bytes").is_none(), "{figures}");
}
