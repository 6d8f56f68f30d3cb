//! `check-cuda`: the CUDA driver and NVRTC, a kernel verified on every element, copy bandwidth.
//!
//! Order matters: NVRTC and the driver are probed without cudarc first (cudarc panics on a
//! missing library); NVRTC compiles even without a GPU, so that part runs on CI too.

pub mod gpu;
pub mod kernels;
pub mod nvrtc;
pub mod nvrtc_api;
pub mod work;

use std::path::PathBuf;
use std::time::Instant;

use megapak_harness::args::{Common, Options as Parsed};
use megapak_harness::driver::{self, DriverState};
use megapak_harness::{CheckReport, CudaMajor, diagnosis, gpu_lock, loaded, preload};

/// The architecture compiled for when there is no GPU to ask: Hopper, the GPU machine's.
pub const DEFAULT_ARCH: i32 = 90;

pub const USAGE: &str = "\
usage: check-cuda [--json] [--require-gpu] [--cpu-only] [--nvrtc-dir DIR] [--device N] [--copy-mib N]

  --nvrtc-dir DIR   preload libnvrtc.so.13 and its builtins from DIR (pip: site-packages/nvidia/cu13/lib);
                    default: $MEGAPAK_NVRTC_DIR, else the loader's search path
  --device N        the GPU to test (default 0)
  --copy-mib N      size of each copy-bandwidth buffer (default 1024)
  --cpu-only        only compile the kernels (no GPU needed)
  --require-gpu     a skipped GPU part (no GPU or driver) is a failure
  --json            print the report as JSON";

/// What to check.
#[derive(Debug, Clone)]
pub struct Options {
    pub common: Common,
    pub nvrtc_dir: Option<PathBuf>,
    pub device: i32,
    pub copy_bytes: usize,
}

impl Options {
    /// Reads the command line (and `MEGAPAK_NVRTC_DIR`).
    pub fn parse(
        args: impl IntoIterator<Item = String>,
    ) -> Result<Self, megapak_harness::args::ArgError> {
        let parsed = Parsed::parse(args, &["--nvrtc-dir", "--device", "--copy-mib"])?;
        let nvrtc_dir = parsed.value("--nvrtc-dir").map(PathBuf::from).or_else(|| {
            std::env::var_os("MEGAPAK_NVRTC_DIR")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        });
        let copy_mib: usize = parsed.parsed("--copy-mib")?.unwrap_or(1024);
        Ok(Self {
            common: parsed.common,
            nvrtc_dir,
            device: parsed.parsed("--device")?.unwrap_or(0),
            copy_bytes: copy_mib.max(1) << 20,
        })
    }
}

/// Runs the check.
pub fn run(options: &Options, started: Instant) -> CheckReport {
    let mut report = CheckReport::new("cuda");
    check(options, &mut report);
    report.finish(options.common.require_gpu, started)
}

fn check(options: &Options, report: &mut CheckReport) {
    if let Err(d) = load_nvrtc(options, report) {
        report.fail(d);
    }
    let nvrtc_ok = report.diagnosis.is_none();
    let state = if options.common.cpu_only {
        None
    } else {
        Some(driver::probe(CudaMajor::Thirteen))
    };
    let ready = match state {
        Some(DriverState::Ready { version, devices }) => {
            report.text("driver_cuda", diagnosis::cuda_version_text(version));
            report.number("devices", f64::from(devices));
            nvrtc_ok
        }
        Some(DriverState::Broken(d)) => {
            report.fail(d);
            false
        }
        Some(DriverState::Absent(d)) => {
            report.skip(d);
            false
        }
        None => false,
    };
    if !ready {
        // No GPU work: compile for the default architecture, which needs no GPU.
        if nvrtc_ok {
            compile_only(report);
        }
        return;
    }
    if let Err(d) = on_gpu(options, report) {
        report.fail(d);
    }
}

/// Preloads NVRTC when asked to, then makes sure cudarc will find it (it panics otherwise).
fn load_nvrtc(
    options: &Options,
    report: &mut CheckReport,
) -> Result<(), megapak_harness::Diagnosis> {
    let chain = |e: &dyn std::error::Error| diagnosis::error_chain(e);
    let preloaded = preload::preload_from_env()
        .map_err(|e| diagnosis::nvrtc_missing(&chain(&e), CudaMajor::Thirteen))?;
    if !preloaded.is_empty() {
        report.step(format!(
            "preloaded {} libraries from `MEGAPAK_PRELOAD`",
            preloaded.len()
        ));
    }
    if let Some(dir) = &options.nvrtc_dir {
        let libs = preload::nvrtc_libraries(dir)
            .map_err(|e| diagnosis::nvrtc_missing(&chain(&e), CudaMajor::Thirteen))?;
        for lib in &libs {
            preload::preload(lib)
                .map_err(|e| diagnosis::nvrtc_missing(&chain(&e), CudaMajor::Thirteen))?;
        }
        report.step(format!("preloaded NVRTC from `{}`", dir.display()));
    }
    nvrtc_api::open(options.nvrtc_dir.as_deref()).map_err(|e| match options.nvrtc_dir {
        Some(_) => diagnosis::nvrtc_missing(&e.to_string(), CudaMajor::Thirteen),
        None => diagnosis::nvrtc_missing(
            &format!(
                "`libnvrtc.so.13` is not on the loader's path and `--nvrtc-dir` was not given ({e})"
            ),
            CudaMajor::Thirteen,
        ),
    })?;
    let (major, minor) = nvrtc::version()?;
    report.text("nvrtc", format!("{major}.{minor}"));
    if let Some(path) = loaded::loaded_library("libnvrtc.so") {
        report.text("nvrtc_library", path.display().to_string());
    }
    Ok(())
}

fn compile_only(report: &mut CheckReport) {
    match nvrtc::compile(DEFAULT_ARCH) {
        Ok(c) => {
            report.number("kernel_image_bytes", c.image.len() as f64);
            report.step(format!(
                "NVRTC compiled the kernels to a {} for `{}` (no GPU needed)",
                kind(&c),
                c.target
            ));
        }
        Err(d) => report.fail(d),
    }
}

fn kind(c: &nvrtc::Compiled) -> &'static str {
    if c.is_cubin { "cubin" } else { "PTX" }
}

fn on_gpu(options: &Options, report: &mut CheckReport) -> Result<(), megapak_harness::Diagnosis> {
    // SAFETY: only tries to `dlopen` the driver's candidate names; nothing is called.
    if !unsafe { cudarc::driver::sys::is_culib_present() } {
        return Err(diagnosis::no_driver(
            "cudarc could not load `libcuda.so.1` although the probe did",
        ));
    }
    let devices = gpu::devices()?;
    for d in &devices {
        report.text(&format!("device_{}", d.ordinal), d.describe());
    }
    let device = devices
        .iter()
        .find(|d| d.ordinal == options.device)
        .ok_or_else(|| {
            diagnosis::no_gpu(&format!(
                "no device {} among {}",
                options.device,
                devices.len()
            ))
        })?;
    let compiled = nvrtc::compile(device.arch)?;
    report.text(
        "kernel_target",
        format!("{} {}", kind(&compiled), compiled.target),
    );
    let _context = gpu::Context::new(device.ordinal)?;
    let module = gpu::Module::load(&compiled, device.arch)?;
    // From here on real GPU work: no other check's timing may run beside it.
    let _lock =
        gpu_lock::acquire().map_err(|e| diagnosis::cuda_error("GPU lock", &e.to_string()))?;
    let n: u32 = 1 << 24;
    work::verify_mix(&module, n)?;
    report.number("verified_elements", f64::from(n));
    report.step(format!(
        "`mix` over {n} elements matched the CPU on every element"
    ));
    let bandwidth = work::copy_bandwidth(&module, options.copy_bytes, 20)?;
    report.number("copy_gb_per_s", bandwidth.gb_per_s);
    report.number("copy_mib", (bandwidth.bytes >> 20) as f64);
    report.step(format!(
        "copied {} MiB {} times, each timed, the median run counted",
        bandwidth.bytes >> 20,
        bandwidth.iterations
    ));
    Ok(())
}
