//! The GPU part of the check, once the driver probe said a GPU is there: the device, its
//! architecture against the image's CUDA major, the kernels compiled for it, `mix` verified on
//! every element, and the copy timed and then verified in full.
//!
//! Each phase's time is recorded (`seconds_devices`, `seconds_compile`, `seconds_context`,
//! `seconds_module`, `seconds_alloc`, `seconds_mix`, `seconds_copy`, `seconds_checksum`), so a
//! slow run shows where its time went.

use std::time::Instant;

use megapak_harness::{CheckReport, CudaMajor, Diagnosis, diagnosis, driver, gpu_lock};

use crate::gpu::{self, DeviceBuffer};
use crate::nvrtc_api::Api;
use crate::{Options, checksum, kind, nvrtc, work};

/// Elements of `mix`, each verified.
const MIX_ELEMENTS: u32 = 1 << 24;

/// Timed runs of the copy.
const COPY_RUNS: u32 = 20;

/// Runs the GPU part with NVRTC `api` for an image of CUDA `major`.
pub fn run(
    options: &Options,
    api: &Api,
    major: CudaMajor,
    report: &mut CheckReport,
) -> Result<(), Diagnosis> {
    // SAFETY: only tries to `dlopen` the driver's candidate names; nothing is called.
    if !unsafe { cudarc::driver::sys::is_culib_present() } {
        return Err(diagnosis::no_driver(
            "cudarc could not load `libcuda.so.1` although the probe did",
        ));
    }
    let since = Instant::now();
    let devices = gpu::devices()?;
    report.phase_since("devices", since);
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
    // Before compiling: an NVRTC of CUDA 13 would still make PTX for an sm_70 (for the newest
    // older architecture it knows), which fails later with a less telling error.
    let gpu = driver::Gpu {
        name: device.name.clone(),
        arch: device.arch,
    };
    if let Some(d) = gpu.unsupported_by(major) {
        return Err(d);
    }

    // The CPU's checksum of the copy's pattern (2^28 words for 1 GiB) is computed beside the
    // GPU work rather than after it.
    let words = (options.copy_bytes / 4) as u64;
    let expected = std::thread::spawn(move || checksum::expected(words));

    let since = Instant::now();
    let compiled = nvrtc::compile(api, device.arch)?;
    report.phase_since("compile", since);
    report.text(
        "kernel_target",
        format!("{} {}", kind(&compiled), compiled.target),
    );

    let since = Instant::now();
    let _context = gpu::Context::new(device.ordinal)?;
    report.phase_since("context", since);
    let since = Instant::now();
    let module = gpu::Module::load(&compiled, device.arch)?;
    report.phase_since("module", since);

    // From here on real GPU work: no other check's timing may run beside it.
    let _lock =
        gpu_lock::acquire().map_err(|e| diagnosis::cuda_error("GPU lock", &e.to_string()))?;
    // The copy's two buffers first: the largest allocations, the likeliest to find the GPU
    // full (`gpu-out-of-memory`, with what `nvidia-smi` says holds the memory).
    let since = Instant::now();
    let (src, dst) = (
        DeviceBuffer::new(options.copy_bytes)?,
        DeviceBuffer::new(options.copy_bytes)?,
    );
    report.phase_since("alloc", since);

    let since = Instant::now();
    work::verify_mix(&module, MIX_ELEMENTS)?;
    report.phase_since("mix", since);
    report.number("verified_elements", f64::from(MIX_ELEMENTS));
    report.step(format!(
        "`mix` over {MIX_ELEMENTS} elements matched the CPU on every element"
    ));

    let since = Instant::now();
    let bandwidth = work::copy_bandwidth(&module, &src, &dst, COPY_RUNS)?;
    report.phase_since("copy", since);
    report.number("copy_gb_per_s", bandwidth.gb_per_s);
    report.number("copy_mib", (bandwidth.bytes >> 20) as f64);
    report.step(format!(
        "copied {} MiB {} times, each timed, the median run counted",
        bandwidth.bytes >> 20,
        bandwidth.iterations
    ));

    let since = Instant::now();
    let want = expected
        .join()
        .map_err(|_| diagnosis::cuda_error("the CPU checksum", "its thread panicked"))?;
    let verified = checksum::verify(&module, &dst, want)?;
    report.phase_since("checksum", since);
    report.number("copy_verified_bytes", verified as f64);
    report.step(format!(
        "the checksum kernel verified all {} MiB of the copy against the CPU's value",
        verified >> 20
    ));
    Ok(())
}
