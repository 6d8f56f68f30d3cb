//! Compiling the test kernels with NVRTC: a cubin for the device's exact `sm_XY`, or PTX for
//! the newest architecture NVRTC knows when the device is newer than NVRTC.
//!
//! A cubin avoids the driver's PTX JIT altogether, so an NVRTC newer than the driver (PTX ISA
//! the driver cannot read) is not a failure. NVRTC is the one [`crate::nvrtc_api::open`] opened.

use std::ffi::CString;

use megapak_harness::{Diagnosis, diagnosis};

use crate::kernels;
use crate::nvrtc_api::{Api, CallError};

/// What NVRTC produced.
#[derive(Debug)]
pub struct Compiled {
    /// A cubin, or NUL-terminated PTX.
    pub image: Vec<u8>,
    /// `sm_90` for a cubin, `compute_90` for PTX.
    pub target: String,
    pub is_cubin: bool,
}

fn compile_failed(api: &Api, e: &CallError) -> Diagnosis {
    diagnosis::nvrtc_compile_failed(&e.to_string(), api.major)
}

/// NVRTC's version, e.g. `(13, 0)`.
pub fn version(api: &Api) -> Result<(i32, i32), Diagnosis> {
    api.version()
        .map_err(|e| diagnosis::nvrtc_missing(&e.to_string(), api.major))
}

/// Compiles the kernels for compute capability `arch` (e.g. 90).
pub fn compile(api: &Api, arch: i32) -> Result<Compiled, Diagnosis> {
    // An NVRTC that cannot list its architectures is asked for the exact one anyway.
    let archs = api.supported_archs().unwrap_or_default();
    if archs.is_empty() || archs.contains(&arch) {
        return build(api, &format!("sm_{arch}"), true);
    }
    // The device is newer than this NVRTC: PTX for the newest older architecture, which the
    // driver compiles forward when it loads the module.
    match archs.iter().copied().filter(|&a| a < arch).max() {
        Some(older) => build(api, &format!("compute_{older}"), false),
        None => Err(diagnosis::nvrtc_compile_failed(
            &format!(
                "this NVRTC supports none of the architectures up to sm_{arch} (it knows {archs:?})"
            ),
            api.major,
        )),
    }
}

fn build(api: &Api, target: &str, cubin: bool) -> Result<Compiled, Diagnosis> {
    let source = CString::new(kernels::SOURCE).expect("the kernel source has no NUL");
    let program = api
        .create_program(&source, c"megapak_check.cu")
        .map_err(|e| compile_failed(api, &e))?;
    let arch = CString::new(format!("--gpu-architecture={target}")).expect("no NUL");
    let options = [arch.as_c_str(), c"--std=c++17"];
    // SAFETY: `program` was just created and is destroyed below, after its last use.
    let image = match unsafe { api.compile_program(program, &options) } {
        // SAFETY: the program compiled; it is still alive.
        Ok(()) => unsafe {
            if cubin {
                api.cubin(program)
            } else {
                api.ptx(program)
            }
        }
        .map_err(|e| compile_failed(api, &e)),
        Err(e) => {
            // SAFETY: as above; the log explains the failure.
            let log = unsafe { api.program_log(program) }.unwrap_or_default();
            Err(diagnosis::nvrtc_compile_failed(
                &format!("{} for `{target}`: {}", e.result, log.trim()),
                api.major,
            ))
        }
    };
    // SAFETY: the program is not used after this.
    let _ = unsafe { api.destroy_program(program) };
    Ok(Compiled {
        image: image?,
        target: target.to_owned(),
        is_cubin: cubin,
    })
}
