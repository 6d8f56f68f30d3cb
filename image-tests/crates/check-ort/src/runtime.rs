//! Loading the onnxruntime library and asking what it is: version and execution providers.

use std::ffi::{CStr, c_char, c_int};
use std::path::Path;

use megapak_harness::{Diagnosis, diagnosis};

/// The version string the library reports, e.g. `1.31.1`, read before `ort` judges it.
pub fn version(path: &Path) -> Result<String, Diagnosis> {
    // SAFETY: the onnxruntime library's initialisers are made to run in any process; the handle
    // is leaked, it is never unloaded (ort loads the same file and keeps it).
    let lib = unsafe { libloading::Library::new(path) }
        .map_err(|e| diagnosis::onnxruntime_missing(&diagnosis::error_chain(&e)))?;
    let lib = Box::leak(Box::new(lib));
    type GetApiBase = unsafe extern "C" fn() -> *const ort::sys::OrtApiBase;
    // SAFETY: `OrtGetApiBase` has this signature in every onnxruntime release.
    let get = unsafe { lib.get::<GetApiBase>(b"OrtGetApiBase\0") }.map_err(|e| {
        diagnosis::onnxruntime_missing(&format!(
            "`{}` has no `OrtGetApiBase`: {}",
            path.display(),
            diagnosis::error_chain(&e)
        ))
    })?;
    // SAFETY: returns a pointer to a static table, or null.
    let base = unsafe { get() };
    if base.is_null() {
        return Err(diagnosis::onnxruntime_missing(
            "`OrtGetApiBase` returned null",
        ));
    }
    // SAFETY: `base` points to the library's static `OrtApiBase`; the string is static too.
    let version = unsafe { CStr::from_ptr(((*base).GetVersionString)()) };
    Ok(version.to_string_lossy().into_owned())
}

/// Lets `ort` load the library, naming why it refuses.
pub fn init(path: &Path) -> Result<ort::environment::Environment, Diagnosis> {
    use ort::LoadDynamicError as E;
    let builder = ort::init_from(path).map_err(|e| match &e {
        E::BadVersion { .. } => diagnosis::onnxruntime_too_old(&e.to_string()),
        _ => diagnosis::onnxruntime_missing(&diagnosis::error_chain(&e)),
    })?;
    builder
        .build()
        .map_err(|e| diagnosis::onnxruntime_error("Creating the environment", &e.to_string()))
}

/// The execution providers compiled into the library, e.g. `CUDAExecutionProvider`.
pub fn providers() -> Result<Vec<String>, Diagnosis> {
    let api = ort::api();
    let mut list: *mut *mut c_char = std::ptr::null_mut();
    let mut count: c_int = 0;
    // SAFETY: both out-pointers are live locals; the list is released below.
    let status = unsafe { (api.GetAvailableProviders)(&mut list, &mut count) };
    check(api, status, "`GetAvailableProviders`")?;
    let names = (0..count.max(0) as usize)
        .map(|i| {
            // SAFETY: onnxruntime returned `count` valid NUL-terminated strings.
            unsafe { CStr::from_ptr(*list.add(i)) }
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    // SAFETY: `list` and `count` are what `GetAvailableProviders` returned; released once.
    let status = unsafe { (api.ReleaseAvailableProviders)(list, count) };
    check(api, status, "`ReleaseAvailableProviders`")?;
    Ok(names)
}

fn check(
    api: &ort::sys::OrtApi,
    status: ort::sys::OrtStatusPtr,
    what: &str,
) -> Result<(), Diagnosis> {
    if status.0.is_null() {
        return Ok(());
    }
    // SAFETY: a non-null status holds a NUL-terminated message; it is released once, after.
    let message = unsafe { CStr::from_ptr((api.GetErrorMessage)(status.0)) }
        .to_string_lossy()
        .into_owned();
    // SAFETY: as above.
    unsafe { (api.ReleaseStatus)(status.0) };
    Err(diagnosis::onnxruntime_error(what, &message))
}
