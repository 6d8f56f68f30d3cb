//! The two GPU tasks: a kernel verified on every element, and copy bandwidth (the copy itself
//! verified in full by [`checksum`]).

use std::ffi::c_void;
use std::time::Instant;

use cudarc::driver::result;
use cudarc::driver::sys::{self, CUevent, CUevent_flags, CUresult};
use megapak_harness::{Diagnosis, diagnosis};

use crate::checksum;
use crate::gpu::{self, DeviceBuffer, Module};
use crate::kernels::{self, BLOCK, COPY_PER_THREAD};

/// Runs `mix` over `n` elements and compares every one with the CPU.
pub fn verify_mix(module: &Module, n: u32) -> Result<(), Diagnosis> {
    let (a, b) = kernels::inputs(n);
    let bytes = n as usize * 4;
    let (da, db, dout) = (
        DeviceBuffer::new(bytes)?,
        DeviceBuffer::new(bytes)?,
        DeviceBuffer::new(bytes)?,
    );
    da.upload(&a)?;
    db.upload(&b)?;
    dout.fill(0)?;
    let f = module.function("mix")?;
    let (mut pa, mut pb, mut pout, mut pn) = (da.ptr, db.ptr, dout.ptr, n);
    let mut params = [
        (&raw mut pa).cast::<c_void>(),
        (&raw mut pb).cast::<c_void>(),
        (&raw mut pout).cast::<c_void>(),
        (&raw mut pn).cast::<c_void>(),
    ];
    // SAFETY: `mix(const u32*, const u32*, u32*, u32)`: three device pointers of `n` elements
    // and `n`; threads past `n` return at once.
    unsafe { gpu::launch(f, n.div_ceil(BLOCK), BLOCK, &mut params)? };
    gpu::synchronize()?;
    let mut got = vec![0u32; n as usize];
    dout.download(&mut got)?;
    match kernels::first_mismatch(&a, &b, &got) {
        None => Ok(()),
        Some((i, want, got)) => Err(diagnosis::wrong_result(
            "The `mix` kernel",
            &format!("element {i} is {got:#010x}, the CPU computed {want:#010x}"),
        )),
    }
}

/// Copy bandwidth in GB/s (bytes read plus bytes written, as PyTorch's figure counts them).
#[derive(Debug, Clone, Copy)]
pub struct Bandwidth {
    pub gb_per_s: f64,
    pub bytes: usize,
    pub iterations: u32,
}

/// Times `copy4` from `src` to `dst` (the same size, a multiple of 16 bytes) with CUDA
/// events, each of `iterations` runs on its own, and takes the median run: the other checks
/// start their processes beside this one (only their GPU work waits for the lock), and a run
/// that shares the GPU with another context's first kernels is an outlier, not the kernel's
/// speed. The caller holds the GPU lock.
///
/// `src` is filled with [`checksum::pattern`] first and `dst` zeroed, for
/// [`checksum::verify`] to check the whole copy afterwards, outside the timed runs.
pub fn copy_bandwidth(
    module: &Module,
    src: &DeviceBuffer,
    dst: &DeviceBuffer,
    iterations: u32,
) -> Result<Bandwidth, Diagnosis> {
    assert_eq!(src.bytes, dst.bytes, "copy buffers of one size");
    let bytes = src.bytes;
    checksum::fill(module, src)?;
    dst.fill(0)?;
    let f = module.function("copy4")?;
    let n = (bytes / 16) as u64;
    let grid = u32::try_from(n.div_ceil(u64::from(BLOCK) * COPY_PER_THREAD))
        .map_err(|_| diagnosis::cuda_error("copy4", "buffer too large for one grid"))?;
    let (mut ps, mut pd, mut pn) = (src.ptr, dst.ptr, n);
    let mut params = [
        (&raw mut ps).cast::<c_void>(),
        (&raw mut pd).cast::<c_void>(),
        (&raw mut pn).cast::<c_void>(),
    ];
    let mut run = || {
        // SAFETY: `copy4(const v4*, v4*, u64)`: two device buffers of `n` 16-byte elements and
        // `n`; threads past `n` do nothing.
        unsafe { gpu::launch(f, grid, BLOCK, &mut params) }
    };
    for _ in 0..3 {
        run()?;
    }
    // Event k is recorded before run k, the last one after the last run.
    let events = Events::create(iterations as usize + 1)?;
    let wall = Instant::now();
    for k in 0..iterations as usize {
        events.record(k)?;
        run()?;
    }
    events.record(iterations as usize)?;
    gpu::synchronize()?;
    let mut runs_ms = (0..iterations as usize)
        .map(|k| events.elapsed_ms(k, k + 1))
        .collect::<Result<Vec<f32>, Diagnosis>>()?;
    runs_ms.sort_by(f32::total_cmp);
    let median_ms = runs_ms.get(runs_ms.len() / 2).copied().unwrap_or(0.0);
    let seconds = if median_ms > 0.0 {
        f64::from(median_ms) / 1e3
    } else {
        wall.elapsed().as_secs_f64() / f64::from(iterations.max(1))
    };
    Ok(Bandwidth {
        gb_per_s: 2.0 * bytes as f64 / seconds / 1e9,
        bytes,
        iterations,
    })
}

/// `cuEventElapsedTime`'s signature (and `cuEventElapsedTime_v2`'s).
type ElapsedTime = unsafe extern "C" fn(*mut f32, CUevent, CUevent) -> CUresult;

/// `cuEventElapsedTime_v2` where the driver has it, else `cuEventElapsedTime`. cudarc built for
/// CUDA 13 calls only `_v2`, which drivers before CUDA 12.8 lack (it would panic there), and a
/// CUDA 12 image may run on such a driver; for events recorded on one stream both give the
/// same time.
fn elapsed_time() -> Result<ElapsedTime, Diagnosis> {
    // SAFETY: `culib` loads `libcuda.so.1`, which the probe and `is_culib_present` loaded
    // before; both symbols have the signature of `ElapsedTime` in every driver that has them,
    // and the library is never unloaded.
    unsafe {
        let lib = sys::culib();
        lib.get::<ElapsedTime>(b"cuEventElapsedTime_v2\0")
            .or_else(|_| lib.get::<ElapsedTime>(b"cuEventElapsedTime\0"))
            .map(|f| *f)
    }
    .map_err(|e| diagnosis::cuda_error("cuEventElapsedTime", &e.to_string()))
}

/// CUDA events on the null stream, destroyed when dropped.
struct Events(Vec<CUevent>);

impl Events {
    fn create(count: usize) -> Result<Self, Diagnosis> {
        let mut events = Self(Vec::with_capacity(count));
        for _ in 0..count {
            let event = result::event::create(CUevent_flags::CU_EVENT_DEFAULT)
                .map_err(|e| gpu::failed("cuEventCreate", e, 0))?;
            events.0.push(event);
        }
        Ok(events)
    }

    fn record(&self, k: usize) -> Result<(), Diagnosis> {
        // SAFETY: the event was created by `create` and is alive; the null stream exists.
        unsafe { result::event::record(self.0[k], std::ptr::null_mut()) }
            .map_err(|e| gpu::failed("cuEventRecord", e, 0))
    }

    /// Milliseconds between two recorded, completed events.
    fn elapsed_ms(&self, from: usize, to: usize) -> Result<f32, Diagnosis> {
        let elapsed = elapsed_time()?;
        let mut ms = 0.0f32;
        // SAFETY: `ms` is a live local; both events were recorded on the null stream and the
        // caller synchronized.
        unsafe { elapsed(&mut ms, self.0[from], self.0[to]) }
            .result()
            .map_err(|e| gpu::failed("cuEventElapsedTime", e, 0))?;
        Ok(ms)
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        for &event in &self.0 {
            // SAFETY: created by `create`, destroyed once here, no longer recorded.
            unsafe {
                let _ = result::event::destroy(event);
            }
        }
    }
}
