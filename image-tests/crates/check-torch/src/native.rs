//! What tch does not say, asked of the libraries this process already loaded: the GPU's name
//! and compute capability (the driver's `cuDeviceGetAttribute`), and the cuDNN actually loaded
//! (`cudnnGetVersion`, where `tch::utils::version_cudnn` gives the one torch was built
//! against).
//!
//! Only libraries already mapped are asked (`RTLD_NOLOAD`): the driver probe loaded
//! `libcuda.so.1`, `libtorch_cuda.so` loaded `libcudnn.so.9`. Nothing here loads anything.

use std::ffi::{CStr, c_char, c_int, c_void};

use megapak_harness::{CudaMajor, Diagnosis, diagnosis};

unsafe extern "C" {
    fn dlopen(filename: *const c_char, flags: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
}

const RTLD_NOW: c_int = 2;
const RTLD_NOLOAD: c_int = 4;

/// The address of `symbol` in the already loaded `library`, if both exist.
fn loaded_symbol(library: &CStr, symbol: &CStr) -> Option<*mut c_void> {
    // SAFETY: both are NUL-terminated strings; with RTLD_NOLOAD, `dlopen` only returns a
    // handle (and a reference count) of a library already mapped, running no initialiser.
    let handle = unsafe { dlopen(library.as_ptr(), RTLD_NOW | RTLD_NOLOAD) };
    if handle.is_null() {
        return None;
    }
    // SAFETY: `handle` is a live handle from `dlopen`; the library is never closed.
    let address = unsafe { dlsym(handle, symbol.as_ptr()) };
    (!address.is_null()).then_some(address)
}

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

/// GPU `ordinal` as the loaded driver describes it; `None` where the driver is not loaded or
/// does not answer (after a successful [`megapak_harness::driver::probe`] it is loaded).
pub fn gpu(ordinal: i32) -> Option<Gpu> {
    let lib = c"libcuda.so.1";
    let get = loaded_symbol(lib, c"cuDeviceGet")?;
    let attribute = loaded_symbol(lib, c"cuDeviceGetAttribute")?;
    let name = loaded_symbol(lib, c"cuDeviceGetName")?;
    // SAFETY: these are the driver's entry points of these names, whose signatures have not
    // changed since CUDA 2.0 (`CUdevice` is an `int`).
    let (get, attribute, name) = unsafe {
        (
            std::mem::transmute::<*mut c_void, DeviceGet>(get),
            std::mem::transmute::<*mut c_void, DeviceGetAttribute>(attribute),
            std::mem::transmute::<*mut c_void, DeviceGetName>(name),
        )
    };
    let mut device: c_int = 0;
    // SAFETY: the out-pointer is a live local; the probe ran `cuInit`.
    if unsafe { get(&mut device, ordinal) } != 0 {
        return None;
    }
    let (mut major, mut minor): (c_int, c_int) = (0, 0);
    // SAFETY: live locals as out-pointers, a device the driver returned.
    let ok = unsafe {
        attribute(&mut major, COMPUTE_CAPABILITY_MAJOR, device) == 0
            && attribute(&mut minor, COMPUTE_CAPABILITY_MINOR, device) == 0
    };
    if !ok {
        return None;
    }
    let mut buffer = [0 as c_char; 256];
    // SAFETY: the driver writes at most `len` bytes, NUL-terminated, into the buffer.
    let named = unsafe { name(buffer.as_mut_ptr(), buffer.len() as c_int - 1, device) } == 0;
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

/// `gpu-arch-unsupported` when `gpu` is older than CUDA `major` supports.
pub fn arch_unsupported(gpu: &Gpu, major: CudaMajor) -> Option<Diagnosis> {
    (gpu.arch < major.min_arch())
        .then(|| diagnosis::gpu_arch_unsupported(&gpu.name, gpu.arch, major))
}

type GetVersion = unsafe extern "C" fn() -> usize;

/// `cudnnGetVersion()` of the cuDNN this process loaded (`91002` for 9.10.2); `None` where no
/// cuDNN 9 or 8 is loaded.
pub fn cudnn_runtime_version() -> Option<i64> {
    let address = [c"libcudnn.so.9", c"libcudnn.so.8"]
        .iter()
        .find_map(|lib| loaded_symbol(lib, c"cudnnGetVersion"))?;
    // SAFETY: `size_t cudnnGetVersion(void)` in every cuDNN release.
    let get = unsafe { std::mem::transmute::<*mut c_void, GetVersion>(address) };
    // SAFETY: a function without arguments that only returns a constant.
    i64::try_from(unsafe { get() }).ok()
}

/// `(major, minor, patch)` of a cuDNN version number: `91002` (cuDNN 9: `M·10000 + m·100 +
/// p`) or `8907` (cuDNN 8: `M·1000 + m·100 + p`).
pub fn cudnn_parts(version: i64) -> (i64, i64, i64) {
    if version >= 10000 {
        (version / 10000, version % 10000 / 100, version % 100)
    } else {
        (version / 1000, version % 1000 / 100, version % 100)
    }
}

/// Whether torch built against cuDNN `built` runs with cuDNN `runtime`: torch's own rule
/// (`torch/backends/cudnn/__init__.py`) for CUDA builds: the same major, and a minor no older
/// than the one built against.
pub fn cudnn_compatible(built: i64, runtime: i64) -> bool {
    let (built_major, built_minor, _) = cudnn_parts(built);
    let (runtime_major, runtime_minor, _) = cudnn_parts(runtime);
    runtime_major == built_major && runtime_minor >= built_minor
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cudnn_versions_of_both_encodings() {
        assert_eq!(cudnn_parts(91002), (9, 10, 2));
        assert_eq!(cudnn_parts(90100), (9, 1, 0));
        assert_eq!(cudnn_parts(8907), (8, 9, 7));
    }

    #[test]
    fn an_older_cudnn_minor_or_another_major_is_incompatible() {
        assert!(cudnn_compatible(91002, 91002));
        assert!(cudnn_compatible(91002, 91300));
        assert!(!cudnn_compatible(91002, 90100));
        assert!(!cudnn_compatible(91002, 8907));
        assert!(!cudnn_compatible(8907, 91002));
    }

    #[test]
    fn an_arch_below_the_majors_floor_is_named() {
        let v100 = Gpu {
            name: "Tesla V100-SXM2-16GB".into(),
            arch: 70,
        };
        let d = arch_unsupported(&v100, CudaMajor::Thirteen).unwrap();
        assert_eq!(d.code, "gpu-arch-unsupported");
        assert!(d.message.contains("Tesla V100-SXM2-16GB"), "{}", d.message);
        assert_eq!(arch_unsupported(&v100, CudaMajor::Twelve), None);
    }

    #[test]
    fn nothing_is_loaded_by_asking() {
        assert_eq!(loaded_symbol(c"libmegapak-not-here.so", c"x"), None);
        // The test binary loads no driver and no cuDNN.
        assert_eq!(gpu(0), None);
        assert_eq!(cudnn_runtime_version(), None);
    }
}
