//! `check-ort`: onnxruntime's CUDA execution provider, refusing every silent CPU fallback.
//!
//! The library comes from `ORT_DYLIB_PATH` (or `--ort-dylib`). A MatMul + Add model built here
//! runs on the CPU provider (against an f64 reference), then on CUDA, registered with failure
//! as an error and CPU fallback disabled, against the CPU result.

pub mod onnx;
pub mod runtime;
pub mod session;

use std::path::PathBuf;
use std::time::Instant;

use megapak_harness::args::{ArgError, Common, Options as Parsed};
use megapak_harness::driver::{self, DriverState};
use megapak_harness::{CheckReport, Diagnosis, diagnosis, gpu_lock, preload};

use crate::onnx::{Dims, Model};
use crate::session::Provider;

pub const USAGE: &str = "\
usage: check-ort [--json] [--require-gpu] [--cpu-only] [--ort-dylib FILE]

  --ort-dylib FILE  the onnxruntime library (default: $ORT_DYLIB_PATH), e.g.
                    site-packages/onnxruntime/capi/libonnxruntime.so.1.31.1 from onnxruntime-gpu
  --cpu-only        only the CPU provider (no GPU needed)
  --require-gpu     a skipped GPU part (no GPU or driver) is a failure
  --json            print the report as JSON";

/// The model's size: small, the point is where it runs.
pub const DIMS: Dims = Dims {
    m: 64,
    k: 256,
    n: 128,
};

/// Largest error accepted, relative above 1 (fp32 sums of 256 products).
pub const TOLERANCE: f64 = 1e-4;

/// What to check.
#[derive(Debug, Clone)]
pub struct Options {
    pub common: Common,
    pub dylib: Option<PathBuf>,
}

impl Options {
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, ArgError> {
        let parsed = Parsed::parse(args, &["--ort-dylib"])?;
        let dylib = parsed.value("--ort-dylib").map(PathBuf::from).or_else(|| {
            std::env::var_os("ORT_DYLIB_PATH")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        });
        Ok(Self {
            common: parsed.common,
            dylib,
        })
    }
}

/// Runs the check.
pub fn run(options: &Options, started: Instant) -> CheckReport {
    CheckReport::run("ort", options.common.require_gpu, started, |report| {
        check(options, report)
    })
}

fn check(options: &Options, report: &mut CheckReport) -> Result<(), Diagnosis> {
    preload::preload_from_env().map_err(|e| {
        diagnosis::onnxruntime_error("Preloading `MEGAPAK_PRELOAD`", &diagnosis::error_chain(&e))
    })?;
    let path = options.dylib.clone().ok_or_else(|| {
        diagnosis::onnxruntime_missing(
            "`ORT_DYLIB_PATH` is not set and `--ort-dylib` was not given",
        )
    })?;
    report.text("library", path.display().to_string());
    report.text("onnxruntime", runtime::version(&path)?);
    let env = runtime::init(&path)?;
    let providers = runtime::providers()?;
    report.text("providers", providers.join(","));

    let model = Model::matmul_add(DIMS);
    let x = model.input();
    let want = model.reference(&x);
    let mut cpu = session::session(&env, &model, Provider::Cpu)?;
    let on_cpu = session::run(&mut cpu, &model, &x, Provider::Cpu)?;
    let cpu_error = session::max_error(&on_cpu, &want);
    report.number("cpu_max_err", cpu_error);
    if cpu_error.is_nan() || cpu_error > TOLERANCE {
        return Err(diagnosis::wrong_result(
            "The CPU provider",
            &format!("error {cpu_error:.2e} against the f64 reference"),
        ));
    }
    report.step(format!(
        "MatMul + Add ({}×{} · {}×{}, {} bytes of ONNX) matched the reference on the CPU provider",
        DIMS.m,
        DIMS.k,
        DIMS.k,
        DIMS.n,
        model.bytes.len()
    ));
    if options.common.cpu_only {
        return Ok(());
    }

    let version = report
        .figures
        .get("onnxruntime")
        .map(ToString::to_string)
        .unwrap_or_default();
    if !providers.iter().any(|p| p == "CUDAExecutionProvider") {
        return Err(diagnosis::onnxruntime_cpu_only(&format!(
            "onnxruntime {version} offers {}; no `CUDAExecutionProvider`",
            providers.join(", ")
        )));
    }
    match driver::probe(megapak_harness::CudaMajor::Thirteen) {
        DriverState::Ready { .. } => {}
        DriverState::Absent(d) => {
            report.skip(d);
            return Ok(());
        }
        DriverState::Broken(d) => return Err(d),
    }
    let mut gpu = session::session(&env, &model, Provider::Cuda)?;
    // The first run is real GPU work (cuBLAS, kernels): no other check's timing beside it.
    let _lock = gpu_lock::acquire().map_err(|e| {
        diagnosis::onnxruntime_error("Taking the GPU lock", &diagnosis::error_chain(&e))
    })?;
    let timer = Instant::now();
    let on_gpu = session::run(&mut gpu, &model, &x, Provider::Cuda)?;
    report.number("cuda_first_run_ms", timer.elapsed().as_secs_f64() * 1e3);
    let cpu_as_f64: Vec<f64> = on_cpu.iter().map(|&v| f64::from(v)).collect();
    let gpu_error = session::max_error(&on_gpu, &cpu_as_f64);
    report.number("cuda_vs_cpu_max_err", gpu_error);
    if gpu_error.is_nan() || gpu_error > TOLERANCE {
        return Err(diagnosis::wrong_result(
            "onnxruntime's CUDA provider",
            &format!("error {gpu_error:.2e} against the CPU provider"),
        ));
    }
    report.step("the same model on CUDA (CPU fallback disabled) matched the CPU provider");
    Ok(())
}
