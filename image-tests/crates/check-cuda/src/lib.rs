//! `check-cuda`: the CUDA driver and NVRTC, a kernel verified on every element, copy bandwidth.
//!
//! Order matters: NVRTC and the driver are probed without cudarc first (cudarc panics on a
//! missing library); NVRTC compiles even without a GPU, so that part runs on CI too.
//!
//! The image's CUDA major (12 or 13) is the one given (`--cuda-major`, `MEGAPAK_CUDA_MAJOR`),
//! else the one of the NVRTC found ([`nvrtc_choice`]); the driver and the GPU's architecture
//! are judged for it. Each phase's time is a figure `seconds_<phase>`: `nvrtc_load`, `driver`,
//! `compile`, and on a GPU `devices`, `context`, `module`, `alloc`, `mix`, `copy`, `checksum`.

pub mod checksum;
pub mod gpu;
pub mod gpu_part;
pub mod kernels;
pub mod nvrtc;
pub mod nvrtc_api;
pub mod nvrtc_choice;
pub mod work;

use std::path::PathBuf;
use std::time::Instant;

use megapak_harness::args::{Common, Options as Parsed};
use megapak_harness::driver::{self, DriverState};
use megapak_harness::{CheckReport, CudaMajor, diagnosis, loaded, preload};

use crate::nvrtc_api::Api;

/// The architecture compiled for when there is no GPU to ask: Hopper, the GPU machine's.
pub const DEFAULT_ARCH: i32 = 90;

pub const USAGE: &str = "\
usage: check-cuda [--json] [--require-gpu] [--cpu-only] [--cuda-major N] [--nvrtc-dir DIR] [--device N] [--copy-mib N]

  --cuda-major N    the image's CUDA major, 12 or 13 (default: $MEGAPAK_CUDA_MAJOR, else the
                    major of the NVRTC found: libnvrtc.so.13, else libnvrtc.so.12)
  --nvrtc-dir DIR   preload NVRTC and its builtins from DIR (pip: site-packages/nvidia/cu13/lib,
                    nvidia/cuda_nvrtc/lib for CUDA 12);
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
    let since = Instant::now();
    let (major, api) = load_nvrtc(options, report);
    report.phase_since("nvrtc_load", since);
    report.text("cuda_major", major.to_string());
    let state = (!options.common.cpu_only).then(|| {
        let since = Instant::now();
        let state = driver::probe(major);
        report.phase_since("driver", since);
        state
    });
    let ready = match state {
        Some(DriverState::Ready { version, devices }) => {
            report.text("driver_cuda", diagnosis::cuda_version_text(version));
            report.number("devices", f64::from(devices));
            true
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
    let Some(api) = api else { return };
    if !ready {
        // No GPU work: compile for the default architecture, which needs no GPU.
        compile_only(api, report);
        return;
    }
    match gpu_part::run(options, api, major, report) {
        Ok(()) => report.require_gpu_figures(),
        Err(d) => report.fail(d),
    }
}

/// Preloads what `MEGAPAK_PRELOAD` names, then finds and opens NVRTC; NVRTC missing (or of the
/// other CUDA major) is a failure. Returns the image's CUDA major and NVRTC when it opened.
fn load_nvrtc(options: &Options, report: &mut CheckReport) -> (CudaMajor, Option<&'static Api>) {
    let given = options.common.cuda_major;
    match preload::preload_from_env() {
        Ok(preloaded) if !preloaded.is_empty() => report.step(format!(
            "preloaded {} libraries from `MEGAPAK_PRELOAD`",
            preloaded.len()
        )),
        Ok(_) => {}
        Err(e) => {
            let major = given.unwrap_or(CudaMajor::ALL[0]);
            report.fail(diagnosis::nvrtc_missing(&diagnosis::error_chain(&e), major));
            return (major, None);
        }
    }
    let choice = nvrtc_choice::choose(given, options.nvrtc_dir.as_deref());
    let api = match choice.nvrtc.and_then(|api| Ok((api, nvrtc::version(api)?))) {
        Ok((api, (major, minor))) => {
            report.text("nvrtc", format!("{major}.{minor}"));
            api
        }
        Err(d) => {
            report.fail(d);
            return (choice.major, None);
        }
    };
    if let Some(dir) = &options.nvrtc_dir {
        report.step(format!("preloaded NVRTC from `{}`", dir.display()));
    }
    if let Some(path) = loaded::loaded_library("libnvrtc.so") {
        report.text("nvrtc_library", path.display().to_string());
    }
    (choice.major, Some(api))
}

fn compile_only(api: &Api, report: &mut CheckReport) {
    let since = Instant::now();
    let compiled = nvrtc::compile(api, DEFAULT_ARCH);
    report.phase_since("compile", since);
    match compiled {
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

/// `cubin` or `PTX`.
pub fn kind(c: &nvrtc::Compiled) -> &'static str {
    if c.is_cubin { "cubin" } else { "PTX" }
}
