//! The parts of the GPU path that this machine (no GPU, a CPU onnxruntime) can still prove:
//! the CUDA major read from a provider library built here, and the TensorRT part's absent and
//! failing paths with `--require-tensorrt` and without.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use megapak_check_ort::classify::Context;
use megapak_check_ort::cuda_build::{self, CUDA_PROVIDER, TENSORRT_PROVIDER};
use megapak_check_ort::gpu::Baseline;
use megapak_check_ort::onnx::Model;
use megapak_check_ort::session::{self, Provider};
use megapak_check_ort::{DIMS, runtime, tensorrt};
use megapak_harness::{CheckReport, CudaMajor, Figure};
use megapak_harness_test_support::{Run, onnxruntime};
use ort::environment::Environment;

/// Compiles `source` into `dir/file` as a shared library with `extra` linker arguments.
fn cc(dir: &Path, file: &str, source: &str, extra: &[&str]) {
    let src = dir.join(format!("{file}.c"));
    std::fs::write(&src, source).unwrap();
    let status = Command::new(std::env::var_os("CC").unwrap_or_else(|| "cc".into()))
        .args(["-shared", "-fPIC", "-o"])
        .arg(dir.join(file))
        .arg(&src)
        .args(extra)
        .status()
        .expect("a C compiler (`cc`) runs");
    assert!(status.success(), "compiling `{file}` failed");
}

/// A folder with the CPU onnxruntime (linked) and a fake CUDA provider that needs
/// `libcublasLt.so.12` and `libcudnn.so.9`, as onnxruntime-gpu's CUDA 12 build does.
fn cuda12_onnxruntime() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("lib");
    std::fs::create_dir(&lib).unwrap();
    cc(
        &lib,
        "libcublasLt.so.12",
        "int cublasLtCreate(void **h) { *h = 0; return 0; }",
        &["-Wl,-soname,libcublasLt.so.12"],
    );
    cc(
        &lib,
        "libcudnn.so.9",
        "int cudnnCreate(void **h) { *h = 0; return 0; }",
        &["-Wl,-soname,libcudnn.so.9"],
    );
    let lib_dir = format!("-L{}", lib.display());
    cc(
        dir.path(),
        CUDA_PROVIDER,
        "int cublasLtCreate(void **); int cudnnCreate(void **);\nint provider(void) { void *h; return cublasLtCreate(&h) + cudnnCreate(&h); }",
        &[
            "-Wl,--no-as-needed",
            &lib_dir,
            "-l:libcublasLt.so.12",
            "-l:libcudnn.so.9",
        ],
    );
    std::os::unix::fs::symlink(
        onnxruntime("1.31.1"),
        dir.path().join("libonnxruntime.so.1.31.1"),
    )
    .unwrap();
    dir
}

#[test]
fn a_cuda_12_build_is_read_from_its_provider_library() {
    let dir = cuda12_onnxruntime();
    let dylib = dir.path().join("libonnxruntime.so.1.31.1");
    let build = cuda_build::read(&dylib)
        .unwrap()
        .expect("a CUDA provider beside it");
    assert_eq!(build.major, Some(CudaMajor::Twelve), "{build:?}");
    assert_eq!(build.shown_by.as_deref(), Some("libcublasLt.so.12"));
    assert_eq!(build.cudnn.as_deref(), Some("9"));
    let d = cuda_build::decide(Some(CudaMajor::Thirteen), Some(&build)).unwrap_err();
    assert_eq!(d.code, "cuda-major-mismatch");
    assert!(
        d.message.contains("(needs `libcublasLt.so.12`) is CUDA 12"),
        "{}",
        d.message
    );
    assert!(d.hint.contains("--cuda-major 12"), "{}", d.hint);
    assert_eq!(
        cuda_build::decide(None, Some(&build)),
        Ok(CudaMajor::Twelve)
    );
    // The CPU build has no CUDA provider at all.
    assert_eq!(cuda_build::read(&onnxruntime("1.31.1")), Ok(None));
}

/// Runs `f` with a baseline from the CPU provider of PyPI's CPU onnxruntime.
fn with_baseline(f: impl FnOnce(&Baseline<'_>)) {
    // onnxruntime allows one environment per process; the tests share it.
    static ENV: OnceLock<Environment> = OnceLock::new();
    let env =
        ENV.get_or_init(|| runtime::init(&onnxruntime("1.31.1")).expect("the CPU library loads"));
    let model = Model::build(DIMS);
    let x = model.input();
    let reference = model.reference(&x);
    let context = Context::default();
    let mut cpu = session::session(env, &model, Provider::Cpu, None, &context).unwrap();
    let on_cpu = session::run(&mut cpu, &model, &x, Provider::Cpu, &context).unwrap();
    f(&Baseline {
        env,
        model: &model,
        x: &x,
        on_cpu: &on_cpu,
        magnitude: &reference.magnitude,
        context: &context,
    });
}

fn figure(report: &CheckReport, key: &str) -> String {
    match report.figures.get(key) {
        Some(Figure::Text(t)) => t.clone(),
        other => panic!("`{key}` is {other:?}"),
    }
}

#[test]
fn tensorrt_absent_is_a_figure_unless_required() {
    let dylib = onnxruntime("1.31.1");
    // Offered but without its library beside onnxruntime: absent too.
    let offered = ["TensorrtExecutionProvider".to_owned()];
    assert_eq!(
        tensorrt::absent(&dylib, &offered).as_deref(),
        Some("no `libonnxruntime_providers_tensorrt.so` beside onnxruntime")
    );
    with_baseline(|base| {
        let providers = runtime::providers().expect("the providers are listed");
        let why = tensorrt::absent(&dylib, &providers).expect("the CPU build has no TensorRT");
        assert!(why.contains("no `TensorrtExecutionProvider`"), "{why}");
        let mut report = CheckReport::new("ort");
        tensorrt::run(&mut report, base, Some(why.clone()), false).expect("not required");
        assert_eq!(figure(&report, "tensorrt"), "absent");
        let mut report = CheckReport::new("ort");
        let d = tensorrt::run(&mut report, base, Some(why.clone()), true).unwrap_err();
        assert_eq!(d.code, "onnxruntime-tensorrt-missing");
        assert_eq!(figure(&report, "tensorrt"), "absent");
    });
}

#[test]
fn a_tensorrt_library_beside_a_build_without_tensorrt_is_absent() {
    // The provider library is there and the list is made to offer TensorRT, so the attempt is
    // made; onnxruntime itself then says TensorRT is not in the build.
    let dir = cuda12_onnxruntime();
    cc(
        dir.path(),
        TENSORRT_PROVIDER,
        "int trt(void) { return 0; }",
        &[],
    );
    let dylib = dir.path().join("libonnxruntime.so.1.31.1");
    let offered = ["TensorrtExecutionProvider".to_owned()];
    assert_eq!(tensorrt::absent(&dylib, &offered), None);
    with_baseline(|base| {
        let mut report = CheckReport::new("ort");
        tensorrt::run(&mut report, base, None, false).expect("not required");
        assert_eq!(figure(&report, "tensorrt"), "absent");
        assert!(
            report.steps[0].contains("this onnxruntime build has no TensorRT provider"),
            "{:?}",
            report.steps
        );
        let mut report = CheckReport::new("ort");
        let d = tensorrt::run(&mut report, base, None, true).unwrap_err();
        assert_eq!(d.code, "onnxruntime-tensorrt-missing", "{d:?}");
    });
}

#[test]
fn a_cuda_12_onnxruntime_where_13_is_expected_fails_even_cpu_only() {
    let dir = cuda12_onnxruntime();
    let dylib = dir.path().join("libonnxruntime.so.1.31.1");
    let check = || {
        Run::new(env!("CARGO_BIN_EXE_check-ort"))
            .args(["--json", "--cpu-only", "--ort-dylib"])
            .args([&dylib])
    };
    let ran = check().args(["--cuda-major", "13"]).run();
    ran.assert_verdict("failed", "cuda-major-mismatch");
    let json = ran.json();
    assert!(
        json["diagnosis"]["message"]
            .as_str()
            .unwrap()
            .contains("(needs `libcublasLt.so.12`) is CUDA 12"),
        "{json}"
    );
    // `MEGAPAK_CUDA_MAJOR` says the same as `--cuda-major`.
    let ran = check().env("MEGAPAK_CUDA_MAJOR", "13").run();
    assert_eq!(ran.verdict().1, "cuda-major-mismatch");
    // Nothing expected: the build's major is the figure.
    let ran = check().run();
    ran.assert_verdict("passed", "none");
    assert_eq!(ran.json()["figures"]["cuda_major"], 12.0);
    let ran = check().args(["--cuda-major", "12"]).run();
    ran.assert_verdict("passed", "none");
}
