//! `check-torch`: libtorch through tch, as the image's Python would use it.
//!
//! Reports CUDA availability and the CUDA and cuDNN versions libtorch was built with; times a
//! bf16 8192³ matmul and checks a sample of its rows element by element against an fp32
//! reference computed on the CPU ([`accuracy`]); runs a cuDNN convolution. Without a GPU it
//! still runs a CPU matmul, and names why CUDA is unavailable. A torch built for another CUDA
//! major than the image's (`--cuda-major`) is named before anything runs; out of GPU memory,
//! a cuDNN mismatch and a GPU without kernels are read out of torch's errors ([`errors`]).
//! Where the time goes is in the `seconds_<phase>` figures.

pub mod accuracy;
pub mod errors;
pub mod libtorch;
pub mod native;
pub mod work;

use std::time::Instant;

use megapak_harness::args::{ArgError, Common, Options as Parsed};
use megapak_harness::driver::{self, DriverState};
use megapak_harness::{CheckReport, CudaMajor, Diagnosis, diagnosis, gpu_lock, preload};
use tch::{Cuda, Device};

pub const USAGE: &str = "\
usage: check-torch [--json] [--require-gpu] [--cpu-only] [--cuda-major N] [--size N] [--iterations N]

  --size N          the matmul is N×N×N in bf16 (default 8192)
  --iterations N    timed matmuls after 3 warm-ups (default 20)
  --cpu-only        only the CPU matmul (no GPU needed)
  --cuda-major N    the image is for CUDA N (12 or 13; else `MEGAPAK_CUDA_MAJOR`): a torch
                    built for another CUDA is a failure, and the driver is judged for N
  --require-gpu     a skipped GPU part (no GPU or driver) is a failure
  --json            print the report as JSON

libtorch is found by the dynamic loader (LD_LIBRARY_PATH: site-packages/torch/lib); its CUDA
part, libtorch_cuda.so, is loaded from the same folder at start.";

/// What to check.
#[derive(Debug, Clone)]
pub struct Options {
    pub common: Common,
    pub size: i64,
    pub iterations: u32,
}

impl Options {
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, ArgError> {
        let parsed = Parsed::parse(args, &["--size", "--iterations"])?;
        Ok(Self {
            common: parsed.common,
            size: parsed.parsed("--size")?.unwrap_or(8192),
            iterations: parsed.parsed("--iterations")?.unwrap_or(20),
        })
    }
}

/// Runs the check.
pub fn run(options: &Options, started: Instant) -> CheckReport {
    CheckReport::run("torch", options.common.require_gpu, started, |report| {
        check(options, report)
    })
}

fn check(options: &Options, report: &mut CheckReport) -> Result<(), Diagnosis> {
    preload::preload_from_env().map_err(|e| {
        diagnosis::torch_error("Preloading `MEGAPAK_PRELOAD`", &diagnosis::error_chain(&e))
    })?;
    report.text("built_against", libtorch::BUILT_AGAINST);
    // Before any call into torch: which libtorch is this, and is it the right one?
    let lib_dir = libtorch::lib_dir().ok_or_else(|| {
        diagnosis::torch_error("Finding the loaded `libtorch_cpu.so`", "it is not mapped")
    })?;
    report.text("libtorch", lib_dir.display().to_string());
    let mut torch_cuda = None;
    match libtorch::version_of(&lib_dir) {
        Some(version) => {
            report.text("torch", &version);
            if let Some(d) = libtorch::version_mismatch(&version) {
                return Err(d);
            }
            torch_cuda = libtorch::cuda_of(&lib_dir, &version);
            if let Some(cuda) = &torch_cuda {
                report.text("torch_cuda", cuda);
            }
            // A property of the image, not of the GPU: judged in `--cpu-only` too.
            if let Some(d) =
                libtorch::cuda_major_mismatch(options.common.cuda_major, torch_cuda.as_deref(), &version)
            {
                return Err(d);
            }
        }
        None => report.step("the loaded libtorch has no `version.py` or `build-version` beside it: version not compared"),
    }
    // The image's CUDA major: as told, else torch's; else (a torch that does not say) the
    // oldest major, whose driver floor every newer driver meets.
    let major = options
        .common
        .cuda_major
        .or_else(|| torch_cuda.as_deref().and_then(|c| c.parse().ok()))
        .unwrap_or(CudaMajor::Twelve);
    // Its CUDA hooks must be registered before torch first asks for CUDA.
    let started = Instant::now();
    let cuda_loaded = libtorch::load_cuda(&lib_dir);
    report.phase_since("libtorch_cuda_load", started);

    let started = Instant::now();
    let cpu_error = work::cpu_matmul(256)?;
    report.phase_since("cpu_matmul", started);
    report.number("cpu_matmul_rel_err", cpu_error);
    report.step("a 256³ fp32 matmul on the CPU matched fp64");
    if options.common.cpu_only {
        return Ok(());
    }
    cuda_loaded?;
    match driver::probe(major) {
        DriverState::Ready { .. } => {}
        DriverState::Absent(d) => {
            report.skip(d);
            return Ok(());
        }
        DriverState::Broken(d) => return Err(d),
    }
    // A GPU older than the image's CUDA supports has no kernels in any of its libraries:
    // named before torch fails on it with a bare "no kernel image".
    if let Some(gpu) = driver::gpu(0) {
        report.text("gpu", &gpu.name);
        report.text("gpu_arch", format!("sm_{}", gpu.arch));
        if let Some(d) = gpu.unsupported_by(major) {
            return Err(d);
        }
    }
    caught(|| on_gpu(options, report))?;
    report.require_gpu_figures();
    Ok(())
}

/// Runs `run`, turning a panic into a diagnosis: tch panics where libtorch fails inside some
/// calls (`Cuda::synchronize`, `Cuda::is_available`), and that is a finding, not a crash.
fn caught(run: impl FnOnce() -> Result<(), Diagnosis>) -> Result<(), Diagnosis> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).unwrap_or_else(|payload| {
        Err(errors::torch_failed(
            "A CUDA call",
            0,
            &panic_error(payload.as_ref()),
        ))
    })
}

/// A panic's message as the libtorch error it reports.
fn panic_error(payload: &(dyn std::any::Any + Send)) -> tch::TchError {
    let text = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "a panic without a message".to_owned());
    tch::TchError::Torch(text)
}

fn on_gpu(options: &Options, report: &mut CheckReport) -> Result<(), Diagnosis> {
    let started = Instant::now();
    if !Cuda::is_available() {
        return Err(diagnosis::torch_cuda_unavailable(&format!(
            "`torch::cuda::is_available()` is false, {} devices",
            Cuda::device_count()
        )));
    }
    report.phase_since("cuda_init", started);
    let cudart = tch::utils::version_cudart() as i32;
    report.text("cuda", diagnosis::cuda_version_text(cudart));
    // Where torch's `version.py` did not say (a libtorch zip without `+cu`), its CUDA runtime
    // does.
    if let (Some(expected), Some(found)) =
        (options.common.cuda_major, CudaMajor::of_version(cudart))
        && expected != found
    {
        return Err(diagnosis::cuda_major_mismatch(
            expected,
            found,
            &format!(
                "libtorch's CUDA runtime {}",
                diagnosis::cuda_version_text(cudart)
            ),
        ));
    }
    // torch's `versionCuDNN` is the cuDNN it was compiled against; the loaded one may differ.
    let cudnn_built = tch::utils::version_cudnn();
    report.text("cudnn", work::cudnn_version_text(cudnn_built));
    if let Some(runtime) = native::cudnn_runtime_version() {
        report.text("cudnn_runtime", work::cudnn_version_text(runtime));
        if cudnn_built > 0 && !native::cudnn_compatible(cudnn_built, runtime) {
            return Err(diagnosis::cudnn_version_mismatch(
                "libtorch",
                &work::cudnn_version_text(cudnn_built),
                &work::cudnn_version_text(runtime),
            ));
        }
    }
    report.number("devices", Cuda::device_count() as f64);
    let device = Device::Cuda(0);
    work::warm_up(report, device)?;
    // From here on real GPU work: no other check's timing may run beside it.
    let lock = gpu_lock::acquire()
        .map_err(|e| diagnosis::torch_error("Taking the GPU lock", &e.to_string()))?;
    let timed = work::gpu_matmul(report, device, options.size, options.iterations)?;
    let started = Instant::now();
    let conv = work::cudnn_convolution(device)?;
    report.phase_since("conv", started);
    drop(lock);
    let matmul = work::judge_matmul(report, timed, device)?;
    let accuracy = &matmul.accuracy;
    report.number("matmul_tflops", matmul.tflops);
    report.number("matmul_max_abs_err", accuracy.max_abs_err);
    report.number("matmul_rel_err", accuracy.rel_err);
    report.number("matmul_size", options.size as f64);
    report.number("matmul_checked_rows", matmul.rows as f64);
    report.text("matmul_worst", accuracy.worst_text());
    report.step(format!(
        "bf16 {n}×{n}×{n} matmul, {} timed runs; {} rows (one per 128-row band) within |err| ≤ {:.4}·|ref| + {:.3} of an fp32 CPU reference, largest error {:.3}",
        matmul.iterations,
        matmul.rows,
        accuracy::RTOL,
        accuracy.atol,
        accuracy.max_abs_err,
        n = options.size
    ));
    report.number("conv_rel_err", conv);
    report.step("a cuDNN convolution matched the CPU");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_libtorch_calls_is_a_diagnosis() {
        let d = caught(|| {
            panic!("CUDA error: no kernel image is available for execution on the device")
        })
        .unwrap_err();
        assert_eq!(d.code, "no-kernel-image");
        let d = caught(|| panic!("{}", String::from("CUDA error: an illegal memory access")))
            .unwrap_err();
        assert_eq!(
            (d.code.as_str(), d.message.as_str()),
            (
                "torch-error",
                "A CUDA call failed in libtorch: CUDA error: an illegal memory access"
            )
        );
    }
}
