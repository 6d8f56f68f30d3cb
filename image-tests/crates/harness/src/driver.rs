//! A probe of the NVIDIA driver that never panics.
//!
//! cudarc panics when `libcuda.so.1` is missing, and libtorch and onnxruntime only say "CUDA
//! unavailable". Every check therefore asks this probe first: it loads `libcuda.so.1` itself
//! (and keeps it loaded), reads the driver's CUDA version and calls `cuInit`, and turns each way
//! this can go wrong into a named [`Diagnosis`].

use std::ffi::{CStr, c_char, c_int, c_uint};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::diagnosis;
use crate::{CudaMajor, Diagnosis, nvidia_smi};

/// The library the container toolkit (or the host) provides.
pub const LIBCUDA: &str = "libcuda.so.1";

/// Folders where drivers usually put `libcuda.so.1`. `MEGAPAK_DRIVER_SEARCH_DIRS`
/// (colon-separated) replaces this list, which tests use.
const USUAL_DIRS: &[&str] = &[
    "/usr/local/nvidia/lib64",
    "/usr/local/nvidia/lib",
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib64",
    "/usr/lib",
    "/run/opengl-driver/lib",
    "/usr/lib/wsl/lib",
];

/// What the probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriverState {
    /// The driver works and sees `devices` GPUs; `version` as `cuDriverGetVersion` gives it.
    Ready { version: i32, devices: i32 },
    /// No driver or no GPU here: GPU work is skipped.
    Absent(Diagnosis),
    /// A driver is meant to be here but cannot be used: a failure.
    Broken(Diagnosis),
}

type DriverGetVersion = unsafe extern "C" fn(*mut c_int) -> c_int;
type Init = unsafe extern "C" fn(c_uint) -> c_int;
type DeviceGetCount = unsafe extern "C" fn(*mut c_int) -> c_int;
type GetErrorName = unsafe extern "C" fn(c_int, *mut *const c_char) -> c_int;

const CUDA_SUCCESS: c_int = 0;
const CUDA_ERROR_NO_DEVICE: c_int = 100;

/// Probes the driver once per process (later calls reuse the first answer) and judges it for an
/// image of CUDA `major`: a driver older than the major needs is `driver-too-old`.
pub fn probe(major: CudaMajor) -> DriverState {
    match raw() {
        DriverState::Ready { version, .. } if version < major.min_driver_version() => {
            DriverState::Broken(diagnosis::driver_too_old(version, major))
        }
        state => state,
    }
}

/// The driver's `cuDriverGetVersion` when it works and sees a GPU, whatever CUDA it supports
/// (for choosing a CUDA major where nothing else says).
pub fn version() -> Option<i32> {
    match raw() {
        DriverState::Ready { version, .. } => Some(version),
        _ => None,
    }
}

/// The probe's answer before any judgement, once per process.
fn raw() -> DriverState {
    static STATE: OnceLock<DriverState> = OnceLock::new();
    STATE.get_or_init(probe_uncached).clone()
}

fn probe_uncached() -> DriverState {
    // SAFETY: loading the NVIDIA driver runs its initialisers, which are made to run in any
    // process; the library stays loaded for the life of the process (it is never unloaded).
    let lib = match unsafe { libloading::Library::new(LIBCUDA) } {
        Ok(lib) => Box::leak(Box::new(lib)),
        Err(err) => return not_loadable(&diagnosis::error_chain(&err)),
    };
    // SAFETY: `cuDriverGetVersion` has this signature in every CUDA driver since 2.2.
    let get_version = match unsafe { lib.get::<DriverGetVersion>(b"cuDriverGetVersion\0") } {
        Ok(f) => *f,
        Err(err) => {
            return DriverState::Broken(diagnosis::driver_unloadable(&diagnosis::error_chain(
                &err,
            )));
        }
    };
    let mut version: c_int = 0;
    // SAFETY: the pointer is to a live local `c_int`; the call needs no `cuInit`.
    let code = unsafe { get_version(&mut version) };
    if code != CUDA_SUCCESS {
        return DriverState::Broken(diagnosis::driver_init_failed(&error_name(lib, code)));
    }
    // SAFETY: `cuInit` and `cuDeviceGetCount` have these signatures in every CUDA driver.
    let (init, count) = match unsafe {
        (
            lib.get::<Init>(b"cuInit\0"),
            lib.get::<DeviceGetCount>(b"cuDeviceGetCount\0"),
        )
    } {
        (Ok(init), Ok(count)) => (*init, *count),
        (Err(err), _) | (_, Err(err)) => {
            return DriverState::Broken(diagnosis::driver_unloadable(&diagnosis::error_chain(
                &err,
            )));
        }
    };
    // SAFETY: flags must be 0; `cuInit` may be called any number of times.
    match unsafe { init(0) } {
        CUDA_SUCCESS => {}
        CUDA_ERROR_NO_DEVICE => return no_device("`cuInit`: CUDA_ERROR_NO_DEVICE"),
        code => return DriverState::Broken(diagnosis::driver_init_failed(&error_name(lib, code))),
    }
    let mut devices: c_int = 0;
    // SAFETY: the pointer is to a live local `c_int`, and `cuInit` succeeded.
    let code = unsafe { count(&mut devices) };
    if code != CUDA_SUCCESS {
        return DriverState::Broken(diagnosis::driver_init_failed(&error_name(lib, code)));
    }
    if devices == 0 {
        return no_device("`cuDeviceGetCount` = 0");
    }
    DriverState::Ready { version, devices }
}

/// The driver works but sees no device: MIG without an instance is a failure (the GPU is
/// there, the process was given none of it), anything else a skip.
fn no_device(detail: &str) -> DriverState {
    let mig = nvidia_smi::mig_without_instances();
    if mig.is_empty() {
        DriverState::Absent(diagnosis::no_gpu(detail))
    } else {
        DriverState::Broken(diagnosis::mig_no_instance(&mig))
    }
}

/// Names a failed `dlopen` of `libcuda.so.1`.
fn not_loadable(dlerror: &str) -> DriverState {
    if !dlerror.contains("cannot open shared object file") {
        return DriverState::Broken(diagnosis::driver_unloadable(dlerror));
    }
    if let Some(value) = capabilities_without_compute() {
        return DriverState::Broken(diagnosis::capabilities_lack_compute(&value));
    }
    if let Some(found) = libcuda_on_disk() {
        return DriverState::Broken(diagnosis::libcuda_not_visible(&found));
    }
    DriverState::Absent(diagnosis::no_driver(dlerror))
}

/// `NVIDIA_DRIVER_CAPABILITIES`, when it is set and grants neither `compute` nor `all`.
fn capabilities_without_compute() -> Option<String> {
    let value = std::env::var("NVIDIA_DRIVER_CAPABILITIES").ok()?;
    let grants = value
        .split(',')
        .map(str::trim)
        .any(|c| c == "compute" || c == "all");
    (!grants).then_some(value)
}

/// A `libcuda.so.1` in a usual folder, which the loader did not find.
fn libcuda_on_disk() -> Option<PathBuf> {
    let dirs: Vec<PathBuf> = match std::env::var_os("MEGAPAK_DRIVER_SEARCH_DIRS") {
        Some(list) => std::env::split_paths(&list).collect(),
        None => USUAL_DIRS.iter().map(PathBuf::from).collect(),
    };
    dirs.iter()
        .map(|d| d.join(LIBCUDA))
        .find(|p| Path::new(p).exists())
}

/// `CUDA_ERROR_...` for a result code, from the driver itself when it can say.
fn error_name(lib: &libloading::Library, code: c_int) -> String {
    // SAFETY: `cuGetErrorName` has this signature in every CUDA driver since 6.0.
    if let Ok(get_name) = unsafe { lib.get::<GetErrorName>(b"cuGetErrorName\0") } {
        let mut name: *const c_char = std::ptr::null();
        // SAFETY: the out-pointer is a live local; on success it points to a static string.
        if unsafe { get_name(code, &mut name) } == CUDA_SUCCESS && !name.is_null() {
            // SAFETY: the driver returns a NUL-terminated static string.
            return unsafe { CStr::from_ptr(name) }
                .to_string_lossy()
                .into_owned();
        }
    }
    format!("CUresult {code}")
}
