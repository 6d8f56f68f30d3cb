//! The device side through cudarc's driver API: devices, a context, the module, buffers.
//!
//! Only called after the driver probe and `is_culib_present()` said `libcuda.so.1` loads, so
//! cudarc's lazy symbol loading cannot panic on a missing library.

use std::ffi::{CString, c_void};
use std::sync::atomic::{AtomicI32, Ordering};

use cudarc::driver::result::{self, DriverError};
use cudarc::driver::sys::{self, CUdevice_attribute, CUresult};
use megapak_harness::{Diagnosis, diagnosis};

use crate::nvrtc::Compiled;

/// One GPU as the driver describes it.
#[derive(Debug, Clone)]
pub struct DeviceInfo {
    pub ordinal: i32,
    pub name: String,
    /// Compute capability as one number: 90 for 9.0.
    pub arch: i32,
    pub memory_bytes: usize,
    pub multiprocessors: i32,
}

impl DeviceInfo {
    /// `NVIDIA H100 80GB HBM3 (sm_90, 79.2 GiB, 132 SMs)`.
    pub fn describe(&self) -> String {
        format!(
            "{} (sm_{}, {:.1} GiB, {} SMs)",
            self.name,
            self.arch,
            self.memory_bytes as f64 / (1u64 << 30) as f64,
            self.multiprocessors
        )
    }
}

/// The device whose context [`Context::new`] made current: a failure for lack of memory asks
/// `nvidia-smi` about this one.
static CURRENT_DEVICE: AtomicI32 = AtomicI32::new(0);

/// The diagnosis for a failed driver call.
pub fn failed(call: &str, err: DriverError, arch: i32) -> Diagnosis {
    failed_at(&format!("`{call}`"), call, err, arch)
}

/// [`failed`], with `what` naming the call in a `gpu-out-of-memory` message
/// (`` `cuMemAlloc` of 1024 MiB ``).
fn failed_at(what: &str, call: &str, err: DriverError, arch: i32) -> Diagnosis {
    let name = format!("{:?}", err.0);
    match err.0 {
        CUresult::CUDA_ERROR_OUT_OF_MEMORY => {
            diagnosis::gpu_out_of_memory_on(CURRENT_DEVICE.load(Ordering::Relaxed), what, &name)
        }
        CUresult::CUDA_ERROR_NO_BINARY_FOR_GPU => {
            diagnosis::no_kernel_image(&format!("`{call}`"), &format!("sm_{arch}"))
        }
        CUresult::CUDA_ERROR_UNSUPPORTED_PTX_VERSION | CUresult::CUDA_ERROR_INVALID_PTX => {
            diagnosis::ptx_too_new(&format!("`{call}`: {name}"))
        }
        CUresult::CUDA_ERROR_NO_DEVICE => diagnosis::no_gpu(&format!("`{call}`: {name}")),
        CUresult::CUDA_ERROR_STUB_LIBRARY => diagnosis::driver_init_failed(&name),
        _ => diagnosis::cuda_error(call, &name),
    }
}

/// Every device the driver sees.
pub fn devices() -> Result<Vec<DeviceInfo>, Diagnosis> {
    result::init().map_err(|e| failed("cuInit", e, 0))?;
    let count = result::device::get_count().map_err(|e| failed("cuDeviceGetCount", e, 0))?;
    (0..count).map(device).collect()
}

fn device(ordinal: i32) -> Result<DeviceInfo, Diagnosis> {
    let dev = result::device::get(ordinal).map_err(|e| failed("cuDeviceGet", e, 0))?;
    let name = result::device::get_name(dev).map_err(|e| failed("cuDeviceGetName", e, 0))?;
    let attribute = |a: CUdevice_attribute| {
        // SAFETY: `dev` came from `cuDeviceGet`.
        unsafe { result::device::get_attribute(dev, a) }
            .map_err(|e| failed("cuDeviceGetAttribute", e, 0))
    };
    let major = attribute(CUdevice_attribute::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)?;
    let minor = attribute(CUdevice_attribute::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR)?;
    let multiprocessors = attribute(CUdevice_attribute::CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)?;
    // SAFETY: `dev` came from `cuDeviceGet`.
    let memory_bytes =
        unsafe { result::device::total_mem(dev) }.map_err(|e| failed("cuDeviceTotalMem", e, 0))?;
    Ok(DeviceInfo {
        ordinal,
        name,
        arch: major * 10 + minor,
        memory_bytes,
        multiprocessors,
    })
}

/// The device's primary context, current on this thread while alive.
#[derive(Debug)]
pub struct Context {
    dev: sys::CUdevice,
}

impl Context {
    pub fn new(ordinal: i32) -> Result<Self, Diagnosis> {
        let dev = result::device::get(ordinal).map_err(|e| failed("cuDeviceGet", e, 0))?;
        // SAFETY: `dev` came from `cuDeviceGet`; the context is released in `drop`.
        let ctx = unsafe { result::primary_ctx::retain(dev) }
            .map_err(|e| failed("cuDevicePrimaryCtxRetain", e, 0))?;
        let context = Self { dev };
        CURRENT_DEVICE.store(ordinal, Ordering::Relaxed);
        // SAFETY: `ctx` is the live primary context just retained.
        unsafe { result::ctx::set_current(ctx) }.map_err(|e| failed("cuCtxSetCurrent", e, 0))?;
        Ok(context)
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: retained in `new`; every buffer and module was dropped before (declared later).
        let _ = unsafe { result::primary_ctx::release(self.dev) };
    }
}

/// A loaded module; unloaded when dropped.
#[derive(Debug)]
pub struct Module {
    module: sys::CUmodule,
}

impl Module {
    /// Loads a cubin or PTX image into the current context.
    pub fn load(compiled: &Compiled, arch: i32) -> Result<Self, Diagnosis> {
        // SAFETY: the image is a complete cubin or NUL-terminated PTX from NVRTC, alive during
        // the call; a context is current.
        let module = unsafe { result::module::load_data(compiled.image.as_ptr().cast::<c_void>()) }
            .map_err(|e| failed("cuModuleLoadData", e, arch))?;
        Ok(Self { module })
    }

    pub fn function(&self, name: &str) -> Result<sys::CUfunction, Diagnosis> {
        let c_name = CString::new(name).expect("kernel names have no NUL");
        // SAFETY: the module is loaded and outlives the returned handle's uses (it lives in `self`).
        unsafe { result::module::get_function(self.module, c_name) }
            .map_err(|e| failed("cuModuleGetFunction", e, 0))
    }
}

impl Drop for Module {
    fn drop(&mut self) {
        // SAFETY: loaded in `load`, unloaded once; no kernel of it is running (callers synchronise).
        let _ = unsafe { result::module::unload(self.module) };
    }
}

/// Device memory; freed when dropped.
#[derive(Debug)]
pub struct DeviceBuffer {
    pub ptr: sys::CUdeviceptr,
    pub bytes: usize,
}

impl DeviceBuffer {
    pub fn new(bytes: usize) -> Result<Self, Diagnosis> {
        // SAFETY: a plain allocation in the current context; its contents are only read after
        // they were written.
        let ptr = unsafe { result::malloc_sync(bytes) }.map_err(|e| {
            let what = format!("`cuMemAlloc` of {}", size_text(bytes));
            failed_at(&what, "cuMemAlloc", e, 0)
        })?;
        Ok(Self { ptr, bytes })
    }

    pub fn upload(&self, data: &[u32]) -> Result<(), Diagnosis> {
        assert!(
            size_of_val(data) <= self.bytes,
            "upload larger than the buffer"
        );
        // SAFETY: the buffer holds at least `data`'s bytes; the copy is synchronous.
        unsafe { result::memcpy_htod_sync(self.ptr, data) }
            .map_err(|e| failed("cuMemcpyHtoD", e, 0))
    }

    pub fn download(&self, out: &mut [u32]) -> Result<(), Diagnosis> {
        self.download_from(0, out)
    }

    /// Copies `out.len()` words starting `offset` bytes into the buffer.
    pub fn download_from(&self, offset: usize, out: &mut [u32]) -> Result<(), Diagnosis> {
        assert!(
            offset + size_of_val(out) <= self.bytes,
            "download past the end of the buffer"
        );
        // SAFETY: the range lies inside the allocation (checked above); the copy is synchronous.
        unsafe { result::memcpy_dtoh_sync(out, self.ptr + offset as u64) }
            .map_err(|e| failed("cuMemcpyDtoH", e, 0))
    }

    /// Sets every byte to `value`.
    pub fn fill(&self, value: u8) -> Result<(), Diagnosis> {
        // SAFETY: exactly the allocated bytes; synchronous.
        unsafe { result::memset_d8_sync(self.ptr, value, self.bytes) }
            .map_err(|e| failed("cuMemsetD8", e, 0))
    }
}

impl Drop for DeviceBuffer {
    fn drop(&mut self) {
        // SAFETY: allocated in `new`, freed once, after the work using it was synchronised.
        let _ = unsafe { result::free_sync(self.ptr) };
    }
}

/// `1024 MiB`, or `8 KiB` for less than a MiB.
fn size_text(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes.div_ceil(1 << 20))
    } else {
        format!("{} KiB", bytes.div_ceil(1 << 10))
    }
}

/// Launches `f` on the default stream.
///
/// # Safety
/// `params` must point to values whose types and order match the kernel's parameters, and the
/// buffers they name must be large enough for `grid × block` threads.
pub unsafe fn launch(
    f: sys::CUfunction,
    grid: u32,
    block: u32,
    params: &mut [*mut c_void],
) -> Result<(), Diagnosis> {
    // SAFETY: forwarded from the caller's guarantees.
    unsafe {
        result::launch_kernel(
            f,
            (grid, 1, 1),
            (block, 1, 1),
            0,
            std::ptr::null_mut(),
            params,
        )
    }
    .map_err(|e| failed("cuLaunchKernel", e, 0))
}

/// Waits for all work of the current context.
pub fn synchronize() -> Result<(), Diagnosis> {
    result::ctx::synchronize().map_err(|e| failed("cuCtxSynchronize", e, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_errors_get_their_names() {
        let code = |r| failed("cuModuleLoadData", DriverError(r), 90).code;
        assert_eq!(
            code(CUresult::CUDA_ERROR_NO_BINARY_FOR_GPU),
            "no-kernel-image"
        );
        assert_eq!(
            code(CUresult::CUDA_ERROR_UNSUPPORTED_PTX_VERSION),
            "ptx-too-new"
        );
        assert_eq!(code(CUresult::CUDA_ERROR_INVALID_PTX), "ptx-too-new");
        let other = failed(
            "cuModuleGetFunction",
            DriverError(CUresult::CUDA_ERROR_NOT_FOUND),
            0,
        );
        assert_eq!(
            (other.code.as_str(), other.message.as_str()),
            (
                "cuda-error",
                "`cuModuleGetFunction` failed with `CUDA_ERROR_NOT_FOUND`"
            )
        );
        let oom = failed(
            "cuMemAlloc",
            DriverError(CUresult::CUDA_ERROR_OUT_OF_MEMORY),
            0,
        );
        assert_eq!(oom.code, "gpu-out-of-memory");
        assert_eq!(
            (size_text(1 << 30), size_text(8 << 10), size_text(100)),
            ("1024 MiB".into(), "8 KiB".into(), "1 KiB".into())
        );
        assert!(
            oom.message
                .starts_with("`cuMemAlloc` ran out of GPU memory (CUDA_ERROR_OUT_OF_MEMORY)"),
            "{}",
            oom.message
        );
    }
}
