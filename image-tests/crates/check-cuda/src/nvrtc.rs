//! Compiling the test kernels with NVRTC: a cubin for the device's exact `sm_XY`, or PTX for
//! the newest architecture NVRTC knows when the device is newer than NVRTC.
//!
//! A cubin avoids the driver's PTX JIT altogether, so an NVRTC newer than the driver (PTX ISA
//! the driver cannot read) is not a failure.

use std::ffi::{CString, c_int};

use cudarc::nvrtc::{result, sys};
use megapak_harness::{Diagnosis, diagnosis};

use crate::kernels;

/// What NVRTC produced.
#[derive(Debug)]
pub struct Compiled {
    /// A cubin, or NUL-terminated PTX.
    pub image: Vec<u8>,
    /// `sm_90` for a cubin, `compute_90` for PTX.
    pub target: String,
    pub is_cubin: bool,
}

/// NVRTC's version, e.g. `(13, 0)`.
pub fn version() -> Result<(i32, i32), Diagnosis> {
    let (mut major, mut minor): (c_int, c_int) = (0, 0);
    // SAFETY: both pointers are to live locals; NVRTC was found by `is_culib_present`.
    unsafe { sys::nvrtcVersion(&mut major, &mut minor) }
        .result()
        .map_err(|e| diagnosis::nvrtc_missing(&format!("`nvrtcVersion` failed: {e:?}")))?;
    Ok((major, minor))
}

/// The architectures NVRTC can compile for, e.g. `[75, 80, 86, 89, 90, 100, 120]`.
pub fn supported_archs() -> Vec<i32> {
    let mut count: c_int = 0;
    // SAFETY: the pointer is to a live local.
    if unsafe { sys::nvrtcGetNumSupportedArchs(&mut count) }
        .result()
        .is_err()
        || count <= 0
    {
        return Vec::new();
    }
    let mut archs = vec![0 as c_int; count as usize];
    // SAFETY: `archs` holds exactly `count` elements, as NVRTC asked.
    if unsafe { sys::nvrtcGetSupportedArchs(archs.as_mut_ptr()) }
        .result()
        .is_err()
    {
        return Vec::new();
    }
    archs
}

/// Compiles the kernels for compute capability `arch` (e.g. 90).
pub fn compile(arch: i32) -> Result<Compiled, Diagnosis> {
    let archs = supported_archs();
    if archs.is_empty() || archs.contains(&arch) {
        return build(&format!("sm_{arch}"), true);
    }
    // The device is newer than this NVRTC: PTX for the newest older architecture, which the
    // driver compiles forward when it loads the module.
    match archs.iter().copied().filter(|&a| a < arch).max() {
        Some(older) => build(&format!("compute_{older}"), false),
        None => Err(diagnosis::nvrtc_compile_failed(&format!(
            "this NVRTC supports none of the architectures up to sm_{arch} (it knows {archs:?})"
        ))),
    }
}

fn build(target: &str, cubin: bool) -> Result<Compiled, Diagnosis> {
    let source = CString::new(kernels::SOURCE).expect("the kernel source has no NUL");
    let program = result::create_program(&source, Some(c"megapak_check.cu"))
        .map_err(|e| diagnosis::nvrtc_compile_failed(&format!("`nvrtcCreateProgram`: {e:?}")))?;
    let options = [
        format!("--gpu-architecture={target}"),
        "--std=c++17".to_owned(),
    ];
    // SAFETY: `program` was just created and is destroyed below, after its last use.
    let outcome = unsafe { result::compile_program(program, &options) };
    let image = match outcome {
        // SAFETY: the program compiled; it is still alive.
        Ok(()) => unsafe {
            if cubin {
                cubin_of(program)
            } else {
                ptx_of(program)
            }
        },
        Err(e) => {
            // SAFETY: as above; the log explains the failure.
            let log = unsafe { result::get_program_log(program) }
                .map(|l| c_chars_to_string(&l))
                .unwrap_or_default();
            Err(diagnosis::nvrtc_compile_failed(&format!(
                "{e:?} for `{target}`: {}",
                log.trim()
            )))
        }
    };
    // SAFETY: the program is not used after this.
    let _ = unsafe { result::destroy_program(program) };
    Ok(Compiled {
        image: image?,
        target: target.to_owned(),
        is_cubin: cubin,
    })
}

/// # Safety
/// `program` must be a live, successfully compiled NVRTC program.
unsafe fn cubin_of(program: sys::nvrtcProgram) -> Result<Vec<u8>, Diagnosis> {
    let mut size = 0usize;
    // SAFETY: the caller guarantees `program`; `size` is a live local.
    unsafe { sys::nvrtcGetCUBINSize(program, &mut size) }
        .result()
        .map_err(|e| diagnosis::nvrtc_compile_failed(&format!("`nvrtcGetCUBINSize`: {e:?}")))?;
    let mut image = vec![0u8; size];
    // SAFETY: `image` has the size NVRTC asked for.
    unsafe { sys::nvrtcGetCUBIN(program, image.as_mut_ptr().cast()) }
        .result()
        .map_err(|e| diagnosis::nvrtc_compile_failed(&format!("`nvrtcGetCUBIN`: {e:?}")))?;
    Ok(image)
}

/// # Safety
/// `program` must be a live, successfully compiled NVRTC program.
unsafe fn ptx_of(program: sys::nvrtcProgram) -> Result<Vec<u8>, Diagnosis> {
    // SAFETY: the caller guarantees `program`.
    let ptx = unsafe { result::get_ptx(program) }
        .map_err(|e| diagnosis::nvrtc_compile_failed(&format!("`nvrtcGetPTX`: {e:?}")))?;
    // `get_ptx` keeps the terminating NUL that `cuModuleLoadData` needs.
    Ok(ptx.iter().map(|&c| c as u8).collect())
}

fn c_chars_to_string(chars: &[std::ffi::c_char]) -> String {
    let bytes: Vec<u8> = chars
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}
