//! `check-ort`: onnxruntime's CUDA execution provider, refusing every silent CPU fallback.
//!
//! The library comes from `ORT_DYLIB_PATH` (or `--ort-dylib`). A MatMul + Add + Tanh model
//! built here runs on the CPU provider (against an f64 reference), then on CUDA, registered
//! with failure as an error and CPU fallback disabled, against the CPU result within the
//! rounding bound of [`compare`]; the CUDA session's profile must show every node on CUDA.
//! Where the image has TensorRT, the model also runs through it ([`tensorrt`]).

pub mod classify;
pub mod compare;
pub mod cuda_build;
pub mod elf;
pub mod gpu;
pub mod onnx;
pub mod profile;
pub mod runtime;
pub mod session;
pub mod tensorrt;

use std::path::PathBuf;
use std::time::Instant;

use megapak_harness::args::{ArgError, Common, Options as Parsed};
use megapak_harness::driver::{self, DriverState};
use megapak_harness::{CheckReport, Diagnosis, diagnosis, gpu_lock, preload};

use crate::classify::Context;
use crate::onnx::{Dims, Model};
use crate::session::Provider;

pub const USAGE: &str = "\
usage: check-ort [--json] [--require-gpu] [--cpu-only] [--require-tensorrt]
                 [--cuda-major N] [--ort-dylib FILE]

  --ort-dylib FILE    the onnxruntime library (default: $ORT_DYLIB_PATH), e.g.
                      site-packages/onnxruntime/capi/libonnxruntime.so.1.31.1 from onnxruntime-gpu
  --cuda-major N      the image's CUDA major (default: $MEGAPAK_CUDA_MAJOR, else what
                      libonnxruntime_providers_cuda.so links); another build's is a failure
  --cpu-only          only the CPU provider (no GPU needed)
  --require-gpu       a skipped GPU part (no GPU or driver) is a failure
  --require-tensorrt  a missing or failing TensorRT provider is a failure (by default it is
                      only reported, as the figure `tensorrt`)
  --json              print the report as JSON";

/// The flag only this check knows.
const REQUIRE_TENSORRT: &str = "--require-tensorrt";

/// The model's size: small, the point is where it runs.
pub const DIMS: Dims = Dims {
    m: 64,
    k: 256,
    n: 128,
};

/// What to check.
#[derive(Debug, Clone)]
pub struct Options {
    pub common: Common,
    pub dylib: Option<PathBuf>,
    /// TensorRT must be there and pass.
    pub require_tensorrt: bool,
}

impl Options {
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, ArgError> {
        let (ours, rest): (Vec<String>, Vec<String>) =
            args.into_iter().partition(|a| a == REQUIRE_TENSORRT);
        let parsed = Parsed::parse(rest, &["--ort-dylib"])?;
        if parsed.common.cpu_only && !ours.is_empty() {
            return Err(ArgError::Invalid {
                option: REQUIRE_TENSORRT.to_owned(),
                value: String::new(),
                reason: "`--cpu-only` runs no GPU part, so TensorRT cannot be required".to_owned(),
            });
        }
        let dylib = parsed.value("--ort-dylib").map(PathBuf::from).or_else(|| {
            std::env::var_os("ORT_DYLIB_PATH")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        });
        Ok(Self {
            common: parsed.common,
            dylib,
            require_tensorrt: !ours.is_empty(),
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
    let timer = Instant::now();
    preload::preload_from_env().map_err(|e| {
        diagnosis::onnxruntime_error("Preloading `MEGAPAK_PRELOAD`", &diagnosis::error_chain(&e))
    })?;
    let path = options.dylib.clone().ok_or_else(|| {
        diagnosis::onnxruntime_missing(
            "`ORT_DYLIB_PATH` is not set and `--ort-dylib` was not given",
        )
    })?;
    report.text("library", path.display().to_string());
    let version = runtime::version(&path)?;
    report.text("onnxruntime", version.clone());
    let env = runtime::init(&path)?;
    let providers = runtime::providers()?;
    report.text("providers", providers.join(","));
    report.phase_since("library", timer);

    let model = Model::build(DIMS);
    let x = model.input();
    let reference = model.reference(&x);
    let cpu_context = Context::default();
    let timer = Instant::now();
    let mut cpu = session::session(&env, &model, Provider::Cpu, None, &cpu_context)?;
    report.phase_since("session_cpu", timer);
    let timer = Instant::now();
    let on_cpu = session::run(&mut cpu, &model, &x, Provider::Cpu, &cpu_context)?;
    report.phase_since("cpu_run", timer);
    let judged = compare::judge(&on_cpu, &reference.y, &reference.magnitude, |s| {
        compare::one_sided(DIMS.k, s)
    });
    report.number("cpu_max_err", judged.max_err);
    report.number("cpu_bound", judged.max_bound);
    if !judged.passed() {
        return Err(diagnosis::wrong_result(
            "The CPU provider",
            &format!("against the f64 reference, {}", judged.describe()),
        ));
    }
    report.step(format!(
        "tanh(X·W + B) ({}×{} · {}×{}, {} bytes of ONNX) matched the f64 reference on the CPU provider ({})",
        DIMS.m,
        DIMS.k,
        DIMS.k,
        DIMS.n,
        model.bytes.len(),
        judged.describe()
    ));
    // The CUDA provider's major is a fact of the image: judged against `--cuda-major` even
    // with `--cpu-only`, and recorded when something says it.
    let build = cuda_build::read(&path)?;
    let major = cuda_build::decide(options.common.cuda_major, build.as_ref())?;
    let said =
        options.common.cuda_major.is_some() || build.as_ref().is_some_and(|b| b.major.is_some());
    if said {
        report.number("cuda_major", f64::from(major.number()));
    }
    if options.common.cpu_only {
        return Ok(());
    }

    if !providers.iter().any(|p| p == "CUDAExecutionProvider") {
        return Err(diagnosis::onnxruntime_cpu_only(&format!(
            "onnxruntime {version} offers {}; no `CUDAExecutionProvider`",
            providers.join(", ")
        )));
    }
    report.number("cuda_major", f64::from(major.number()));
    match driver::probe(major) {
        DriverState::Ready { .. } => {}
        DriverState::Absent(d) => {
            report.skip(d);
            return Ok(());
        }
        DriverState::Broken(d) => return Err(d),
    }
    let context = Context {
        device: 0,
        major: Some(major),
        cudnn_needed: build.and_then(|b| b.cudnn),
    };
    let base = gpu::Baseline {
        env: &env,
        model: &model,
        x: &x,
        on_cpu: &on_cpu,
        magnitude: &reference.magnitude,
        context: &context,
    };
    // The runs are real GPU work (cuBLAS, TensorRT's engine build): no other check's timing
    // beside them.
    let _lock = gpu_lock::acquire().map_err(|e| {
        diagnosis::onnxruntime_error("Taking the GPU lock", &diagnosis::error_chain(&e))
    })?;
    gpu::cuda(report, &base)?;
    tensorrt::run(
        report,
        &base,
        tensorrt::absent(&path, &providers),
        options.require_tensorrt,
    )?;
    report.require_gpu_figures();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, ArgError> {
        Options::parse(args.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn require_tensorrt_is_a_flag_of_this_check() {
        let o = parse(&["--json", "--require-tensorrt", "--ort-dylib", "/x.so"]).unwrap();
        assert!(o.require_tensorrt && o.common.json);
        assert_eq!(o.dylib, Some(PathBuf::from("/x.so")));
        assert!(!parse(&["--ort-dylib", "/x.so"]).unwrap().require_tensorrt);
        assert!(matches!(
            parse(&["--cpu-only", "--require-tensorrt"]),
            Err(ArgError::Invalid { .. })
        ));
        assert!(matches!(
            parse(&["--require-tensorrt=yes"]),
            Err(ArgError::Unknown(_))
        ));
    }
}
