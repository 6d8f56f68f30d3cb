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

/// The driver library the probe loaded, kept for the life of the process.
static DRIVER: OnceLock<&'static libloading::Library> = OnceLock::new();

type DeviceGet = unsafe extern "C" fn(*mut c_int, c_int) -> c_int;
type DeviceGetAttribute = unsafe extern "C" fn(*mut c_int, c_int, c_int) -> c_int;
type DeviceGetName = unsafe extern "C" fn(*mut c_char, c_int, c_int) -> c_int;

const COMPUTE_CAPABILITY_MAJOR: c_int = 75;
const COMPUTE_CAPABILITY_MINOR: c_int = 76;

/// A GPU as the driver names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gpu {
    /// `NVIDIA H100 80GB HBM3`.
    pub name: String,
    /// Compute capability as one number: 90 for sm_90.
    pub arch: i32,
}

impl Gpu {
    /// `gpu-arch-unsupported` when the GPU is older than CUDA `major` supports.
    pub fn unsupported_by(&self, major: CudaMajor) -> Option<Diagnosis> {
        (self.arch < major.min_arch())
            .then(|| diagnosis::gpu_arch_unsupported(&self.name, self.arch, major))
    }
}

/// GPU `ordinal` as the driver describes it, for checks that reach the GPU through a library
/// (libtorch, onnxruntime) that does not say; `None` before a probe found a working driver, or
/// where the driver does not answer.
pub fn gpu(ordinal: i32) -> Option<Gpu> {
    if !matches!(raw(), DriverState::Ready { .. }) {
        return None;
    }
    let lib = DRIVER.get()?;
    // SAFETY: the driver's entry points of these names, whose signatures have not changed
    // since CUDA 2.0 (`CUdevice` is an `int`).
    let (get, attribute, name) = unsafe {
        (
            *lib.get::<DeviceGet>(b"cuDeviceGet\0").ok()?,
            *lib.get::<DeviceGetAttribute>(b"cuDeviceGetAttribute\0")
                .ok()?,
            *lib.get::<DeviceGetName>(b"cuDeviceGetName\0").ok()?,
        )
    };
    let mut device: c_int = 0;
    // SAFETY: the out-pointer is a live local; the probe ran `cuInit`.
    if unsafe { get(&mut device, ordinal) } != CUDA_SUCCESS {
        return None;
    }
    let (mut major, mut minor): (c_int, c_int) = (0, 0);
    // SAFETY: live locals as out-pointers, a device the driver returned.
    let answered = unsafe {
        attribute(&mut major, COMPUTE_CAPABILITY_MAJOR, device) == CUDA_SUCCESS
            && attribute(&mut minor, COMPUTE_CAPABILITY_MINOR, device) == CUDA_SUCCESS
    };
    if !answered {
        return None;
    }
    let mut buffer = [0 as c_char; 256];
    // SAFETY: the driver writes at most `len` bytes, NUL-terminated, into the buffer.
    let named =
        unsafe { name(buffer.as_mut_ptr(), buffer.len() as c_int - 1, device) } == CUDA_SUCCESS;
    let name = if named {
        // SAFETY: the buffer is NUL-terminated (its last byte is never written).
        unsafe { CStr::from_ptr(buffer.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    } else {
        format!("GPU {ordinal}")
    };
    Some(Gpu {
        name,
        arch: major * 10 + minor,
    })
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
        Ok(lib) => DRIVER.get_or_init(|| Box::leak(Box::new(lib))),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_arch_below_the_majors_floor_is_named() {
        let v100 = Gpu {
            name: "Tesla V100-SXM2-16GB".into(),
            arch: 70,
        };
        let d = v100.unsupported_by(CudaMajor::Thirteen).unwrap();
        assert_eq!(d.code, "gpu-arch-unsupported");
        assert!(d.message.contains("Tesla V100-SXM2-16GB"), "{}", d.message);
        assert_eq!(v100.unsupported_by(CudaMajor::Twelve), None);
    }
}
