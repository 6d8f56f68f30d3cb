//! What tch does not say, asked of the libraries this process already loaded: the cuDNN
//! actually loaded (`cudnnGetVersion`, where `tch::utils::version_cudnn` gives the one torch was
//! built against). (The GPU's name and compute capability come from the harness's driver
//! probe, `megapak_harness::driver::gpu`.)
//!
//! Only libraries already mapped are asked (`RTLD_NOLOAD`): `libtorch_cuda.so` loaded
//! `libcudnn.so.9`. Nothing here loads anything.

use std::ffi::{CStr, c_char, c_int, c_void};

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
    fn nothing_is_loaded_by_asking() {
        assert_eq!(loaded_symbol(c"libmegapak-not-here.so", c"x"), None);
        // The test binary loads no cuDNN.
        assert_eq!(cudnn_runtime_version(), None);
    }
}
