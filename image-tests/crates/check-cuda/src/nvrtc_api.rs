//! NVRTC, called through exactly the library `check-cuda` chose.
//!
//! cudarc's own NVRTC loader tries `libnvrtc.so` before `libnvrtc.so.13`. Where a CUDA toolkit
//! is on the loader's path (its `libnvrtc.so` link in `/etc/ld.so.cache`, as a system-wide nvcc
//! installs it), that one would win over the NVRTC of `--nvrtc-dir`, and would then run with the
//! builtins preloaded from `--nvrtc-dir`: two patch releases mixed. So the harness opens
//! `libnvrtc.so.13` (`libnvrtc.so.12` for a CUDA 12 image) itself, by path when it has a folder,
//! and calls NVRTC through that handle.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libloading::Library;
use megapak_harness::CudaMajor;

/// NVRTC's opaque program handle.
pub type Program = *mut c_void;

/// `NVRTC_SUCCESS`.
const SUCCESS: c_int = 0;

/// The NVRTC functions the check uses, from one library.
#[derive(Debug)]
pub struct Api {
    /// The file opened (a path), or the name the loader searched for.
    pub library: PathBuf,
    /// The CUDA major of its file name.
    pub major: CudaMajor,
    version: unsafe extern "C" fn(*mut c_int, *mut c_int) -> c_int,
    get_error_string: unsafe extern "C" fn(c_int) -> *const c_char,
    get_num_supported_archs: unsafe extern "C" fn(*mut c_int) -> c_int,
    get_supported_archs: unsafe extern "C" fn(*mut c_int) -> c_int,
    #[allow(clippy::type_complexity)]
    create_program: unsafe extern "C" fn(
        *mut Program,
        *const c_char,
        *const c_char,
        c_int,
        *const *const c_char,
        *const *const c_char,
    ) -> c_int,
    compile_program: unsafe extern "C" fn(Program, c_int, *const *const c_char) -> c_int,
    get_program_log_size: unsafe extern "C" fn(Program, *mut usize) -> c_int,
    get_program_log: unsafe extern "C" fn(Program, *mut c_char) -> c_int,
    get_cubin_size: unsafe extern "C" fn(Program, *mut usize) -> c_int,
    get_cubin: unsafe extern "C" fn(Program, *mut c_char) -> c_int,
    get_ptx_size: unsafe extern "C" fn(Program, *mut usize) -> c_int,
    get_ptx: unsafe extern "C" fn(Program, *mut c_char) -> c_int,
    destroy_program: unsafe extern "C" fn(*mut Program) -> c_int,
}

/// Why NVRTC could not be opened: the loader's message, or a missing function.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{0}")]
    Load(libloading::Error),
    #[error("`{library}` has no `{symbol}`: {source}")]
    Symbol {
        library: String,
        symbol: &'static str,
        source: libloading::Error,
    },
}

static API: OnceLock<Api> = OnceLock::new();

/// The NVRTC opened by [`open`], if any.
pub fn get() -> Option<&'static Api> {
    API.get()
}

/// Opens CUDA `major`'s NVRTC (`libnvrtc.so.13`) from `dir`, or by name from the loader's search
/// path. Once one opened, later calls return that one; it stays loaded for the life of the
/// process.
pub fn open(dir: Option<&Path>, major: CudaMajor) -> Result<&'static Api, OpenError> {
    if let Some(api) = API.get() {
        return Ok(api);
    }
    let library = match dir {
        Some(dir) => dir.join(major.nvrtc_soname()),
        None => PathBuf::from(major.nvrtc_soname()),
    };
    // SAFETY: NVRTC's initialisers only set up its own state.
    let lib = unsafe { Library::new(&library) }.map_err(OpenError::Load)?;
    let name = library.display().to_string();
    macro_rules! symbol {
        ($name:literal) => {
            // SAFETY: the type is the function's signature in `nvrtc.h` (the same in CUDA 12
            // and 13); the library
            // is never unloaded (leaked below), so the pointer stays valid.
            *unsafe { lib.get(concat!($name, "\0").as_bytes()) }.map_err(|source| {
                OpenError::Symbol {
                    library: name.clone(),
                    symbol: $name,
                    source,
                }
            })?
        };
    }
    let api = Api {
        major,
        version: symbol!("nvrtcVersion"),
        get_error_string: symbol!("nvrtcGetErrorString"),
        get_num_supported_archs: symbol!("nvrtcGetNumSupportedArchs"),
        get_supported_archs: symbol!("nvrtcGetSupportedArchs"),
        create_program: symbol!("nvrtcCreateProgram"),
        compile_program: symbol!("nvrtcCompileProgram"),
        get_program_log_size: symbol!("nvrtcGetProgramLogSize"),
        get_program_log: symbol!("nvrtcGetProgramLog"),
        get_cubin_size: symbol!("nvrtcGetCUBINSize"),
        get_cubin: symbol!("nvrtcGetCUBIN"),
        get_ptx_size: symbol!("nvrtcGetPTXSize"),
        get_ptx: symbol!("nvrtcGetPTX"),
        destroy_program: symbol!("nvrtcDestroyProgram"),
        library,
    };
    // Never unloaded: the function pointers above point into it.
    std::mem::forget(lib);
    Ok(API.get_or_init(|| api))
}

/// An NVRTC call that did not return `NVRTC_SUCCESS`: the call and NVRTC's name for the result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{call}` failed: {result}")]
pub struct CallError {
    pub call: &'static str,
    pub result: String,
}

impl Api {
    fn check(&self, call: &'static str, code: c_int) -> Result<(), CallError> {
        if code == SUCCESS {
            return Ok(());
        }
        // SAFETY: NVRTC returns a static string for any result code.
        let text = unsafe { (self.get_error_string)(code) };
        let result = if text.is_null() {
            format!("NVRTC result {code}")
        } else {
            // SAFETY: a non-null result is a NUL-terminated static string.
            unsafe { CStr::from_ptr(text) }
                .to_string_lossy()
                .into_owned()
        };
        Err(CallError { call, result })
    }

    /// NVRTC's version, e.g. `(13, 0)`.
    pub fn version(&self) -> Result<(i32, i32), CallError> {
        let (mut major, mut minor) = (0, 0);
        // SAFETY: both pointers are to live locals.
        self.check("nvrtcVersion", unsafe {
            (self.version)(&mut major, &mut minor)
        })?;
        Ok((major, minor))
    }

    /// The architectures NVRTC compiles for, e.g. `[75, 80, 86, 89, 90, 100, 120]`.
    pub fn supported_archs(&self) -> Result<Vec<i32>, CallError> {
        let mut count: c_int = 0;
        // SAFETY: the pointer is to a live local.
        self.check("nvrtcGetNumSupportedArchs", unsafe {
            (self.get_num_supported_archs)(&mut count)
        })?;
        let mut archs = vec![0; usize::try_from(count).unwrap_or(0)];
        if archs.is_empty() {
            return Ok(archs);
        }
        // SAFETY: `archs` holds exactly `count` elements, as NVRTC asked.
        self.check("nvrtcGetSupportedArchs", unsafe {
            (self.get_supported_archs)(archs.as_mut_ptr())
        })?;
        Ok(archs)
    }

    /// A program for `source`, named `name` in NVRTC's messages.
    pub fn create_program(&self, source: &CStr, name: &CStr) -> Result<Program, CallError> {
        let mut program: Program = std::ptr::null_mut();
        // SAFETY: both strings are NUL-terminated and outlive the call; no headers are given.
        self.check("nvrtcCreateProgram", unsafe {
            (self.create_program)(
                &mut program,
                source.as_ptr(),
                name.as_ptr(),
                0,
                std::ptr::null(),
                std::ptr::null(),
            )
        })?;
        Ok(program)
    }

    /// Compiles `program` with `options`.
    ///
    /// # Safety
    /// `program` must be live (created and not yet destroyed).
    pub unsafe fn compile_program(
        &self,
        program: Program,
        options: &[&CStr],
    ) -> Result<(), CallError> {
        let pointers: Vec<*const c_char> = options.iter().map(|o| o.as_ptr()).collect();
        let count = c_int::try_from(pointers.len()).unwrap_or(c_int::MAX);
        // SAFETY: the caller guarantees `program`; the option strings outlive the call.
        self.check("nvrtcCompileProgram", unsafe {
            (self.compile_program)(program, count, pointers.as_ptr())
        })
    }

    /// The compile log of `program`.
    ///
    /// # Safety
    /// `program` must be live.
    pub unsafe fn program_log(&self, program: Program) -> Result<String, CallError> {
        // SAFETY: the caller guarantees `program`.
        let bytes = unsafe {
            self.read(
                program,
                ("nvrtcGetProgramLogSize", self.get_program_log_size),
                ("nvrtcGetProgramLog", self.get_program_log),
            )
        }?;
        let text = bytes.split(|&b| b == 0).next().unwrap_or_default();
        Ok(String::from_utf8_lossy(text).into_owned())
    }

    /// The cubin of a compiled `program`.
    ///
    /// # Safety
    /// `program` must be live and compiled for an `sm_XY` target.
    pub unsafe fn cubin(&self, program: Program) -> Result<Vec<u8>, CallError> {
        // SAFETY: the caller guarantees `program`.
        unsafe {
            self.read(
                program,
                ("nvrtcGetCUBINSize", self.get_cubin_size),
                ("nvrtcGetCUBIN", self.get_cubin),
            )
        }
    }

    /// The PTX of a compiled `program`, with the terminating NUL `cuModuleLoadData` needs.
    ///
    /// # Safety
    /// `program` must be live and compiled.
    pub unsafe fn ptx(&self, program: Program) -> Result<Vec<u8>, CallError> {
        // SAFETY: the caller guarantees `program`.
        unsafe {
            self.read(
                program,
                ("nvrtcGetPTXSize", self.get_ptx_size),
                ("nvrtcGetPTX", self.get_ptx),
            )
        }
    }

    /// Destroys `program`.
    ///
    /// # Safety
    /// `program` must be live; it is not to be used afterwards.
    pub unsafe fn destroy_program(&self, mut program: Program) -> Result<(), CallError> {
        // SAFETY: the caller guarantees `program`.
        self.check("nvrtcDestroyProgram", unsafe {
            (self.destroy_program)(&mut program)
        })
    }

    /// Asks for a size, then for that many bytes.
    ///
    /// # Safety
    /// `program` must be live and in a state where both functions may be called.
    #[allow(clippy::type_complexity)]
    unsafe fn read(
        &self,
        program: Program,
        (size_call, size_fn): (
            &'static str,
            unsafe extern "C" fn(Program, *mut usize) -> c_int,
        ),
        (data_call, data_fn): (
            &'static str,
            unsafe extern "C" fn(Program, *mut c_char) -> c_int,
        ),
    ) -> Result<Vec<u8>, CallError> {
        let mut size = 0usize;
        // SAFETY: the caller guarantees `program`; `size` is a live local.
        self.check(size_call, unsafe { size_fn(program, &mut size) })?;
        let mut bytes = vec![0u8; size];
        if size > 0 {
            // SAFETY: `bytes` has the size NVRTC asked for.
            self.check(data_call, unsafe {
                data_fn(program, bytes.as_mut_ptr().cast())
            })?;
        }
        Ok(bytes)
    }
}
