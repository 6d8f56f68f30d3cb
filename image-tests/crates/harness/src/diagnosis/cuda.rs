//! The driver, NVRTC and kernels.

use super::{Diagnosis, PASS_THE_GPU, cuda_version_text};
use crate::cuda_major::CudaMajor;

/// `libcuda.so.1` cannot be loaded and no copy of it was seen anywhere: no driver here.
pub fn no_driver(dlerror: &str) -> Diagnosis {
    Diagnosis::new(
        "no-driver",
        format!("The NVIDIA driver library `libcuda.so.1` could not be loaded: {dlerror}"),
        format!(
            "{PASS_THE_GPU}; if the driver is installed, add the folder holding `libcuda.so.1` to `LD_LIBRARY_PATH`"
        ),
    )
}

/// `libcuda.so.1` exists on disk but the dynamic loader does not look there.
pub fn libcuda_not_visible(found: &std::path::Path) -> Diagnosis {
    let dir = found.parent().unwrap_or(found).display();
    Diagnosis::new(
        "libcuda-not-visible",
        format!(
            "The NVIDIA driver library exists at `{}` but the dynamic loader does not search `{dir}`",
            found.display()
        ),
        format!(
            "add `{dir}` to `LD_LIBRARY_PATH`: a Nix-built binary ignores `/etc/ld.so.cache`; on NixOS the driver belongs in `/run/opengl-driver/lib` (`hardware.graphics.enable = true`)"
        ),
    )
}

/// The container toolkit was told not to mount the compute libraries.
pub fn capabilities_lack_compute(value: &str) -> Diagnosis {
    Diagnosis::new(
        "driver-capabilities-lack-compute",
        format!(
            "`NVIDIA_DRIVER_CAPABILITIES` is `{value}`, which lacks `compute`, so the container toolkit did not mount `libcuda.so.1` (`nvidia-smi` may still work)"
        ),
        "set `NVIDIA_DRIVER_CAPABILITIES=compute,utility` in the image's environment (Nix: `config.Env`) or run with `-e NVIDIA_DRIVER_CAPABILITIES=compute,utility`",
    )
}

/// `libcuda.so.1` was found by the loader but failed to load.
pub fn driver_unloadable(dlerror: &str) -> Diagnosis {
    Diagnosis::new(
        "driver-unloadable",
        format!(
            "The NVIDIA driver library `libcuda.so.1` was found but could not be loaded: {dlerror}"
        ),
        "check that the driver matches this machine (64-bit x86 build, a glibc at least as new as the driver's) and that `LD_LIBRARY_PATH` does not point at a stub `libcuda.so` from a CUDA toolkit",
    )
}

/// The driver supports a CUDA older than the major the image is built for.
pub fn driver_too_old(version: i32, major: CudaMajor) -> Diagnosis {
    let release = major.min_driver_release();
    let hint = match major {
        CudaMajor::Thirteen => format!(
            "upgrade the host's NVIDIA driver to {release} or newer, or build the image for the driver's CUDA (`[target] cuda = \"12.8\"`, the cu128 wheels, which run on driver 525 and newer)"
        ),
        CudaMajor::Twelve => {
            format!("upgrade the host's NVIDIA driver to {release} or newer")
        }
    };
    Diagnosis::new(
        "driver-too-old",
        format!(
            "The NVIDIA driver supports CUDA {} (`cuDriverGetVersion` = {version}); this image needs CUDA {major}, which needs driver {release} or newer",
            cuda_version_text(version)
        ),
        hint,
    )
}

/// `cuInit` says there is no device.
pub fn no_gpu(detail: &str) -> Diagnosis {
    Diagnosis::new(
        "no-gpu",
        format!("The NVIDIA driver is loaded but sees no GPU ({detail})"),
        format!("{PASS_THE_GPU}; check `NVIDIA_VISIBLE_DEVICES` and `CUDA_VISIBLE_DEVICES`"),
    )
}

/// `cuInit` failed for another reason.
pub fn driver_init_failed(code_name: &str) -> Diagnosis {
    let hint = if code_name.contains("SYSTEM_DRIVER_MISMATCH") {
        "the `libcuda.so.1` in use comes from a different driver version than the kernel module: never install a driver package into the image, let the container toolkit mount the host's"
    } else if code_name.contains("STUB_LIBRARY") {
        "the `libcuda.so` in use is a CUDA toolkit's link-time stub (`…/lib64/stubs`), found ahead of the driver: take the stubs folder off `LD_LIBRARY_PATH` (it is for linking only)"
    } else {
        "run `nvidia-smi` to see whether the driver works at all; check `dmesg` for `NVRM` errors"
    };
    Diagnosis::new(
        "driver-init-failed",
        format!("`cuInit` failed with `{code_name}`"),
        hint,
    )
}

// ---- Kernels ---------------------------------------------------------------------------------

/// The binary has no machine code for this GPU and no PTX it could compile.
pub fn no_kernel_image(what: &str, arch: &str) -> Diagnosis {
    Diagnosis::new(
        "no-kernel-image",
        format!("{what}: no kernel image is available for execution on the device (`{arch}`)"),
        format!(
            "the code was not built for `{arch}`: use wheels built for it (PyTorch's cu130 wheels cover sm_75 to sm_120), or set `TORCH_CUDA_ARCH_LIST` to include it when building from source"
        ),
    )
}

/// The driver cannot JIT the PTX that a newer NVRTC produced.
pub fn ptx_too_new(detail: &str) -> Diagnosis {
    Diagnosis::new(
        "ptx-too-new",
        format!("The driver cannot load PTX from this NVRTC ({detail})"),
        "NVRTC is newer than the driver: compile to a cubin for the exact `sm_XY`, use the NVRTC that matches the driver, or upgrade the driver",
    )
}

/// NVRTC cannot be loaded.
pub fn nvrtc_missing(dlerror: &str, major: CudaMajor) -> Diagnosis {
    Diagnosis::new(
        "nvrtc-missing",
        format!(
            "NVRTC (`{}`) could not be loaded: {dlerror}",
            major.nvrtc_soname()
        ),
        format!(
            "install `{}` (CUDA {major}) and pass `--nvrtc-dir site-packages/{}`, or add that folder to `LD_LIBRARY_PATH`",
            major.pip_package("nvidia-cuda-nvrtc"),
            major.pip_lib_dir("cuda_nvrtc")
        ),
    )
}

/// NVRTC refused the kernel.
pub fn nvrtc_compile_failed(log: &str, major: CudaMajor) -> Diagnosis {
    Diagnosis::new(
        "nvrtc-compile-failed",
        format!("NVRTC failed to compile the test kernel: {log}"),
        format!(
            "`libnvrtc-builtins.so.{m}.*` must sit beside `libnvrtc.so.{m}` and be of the same version (one `{}` wheel, not two mixed)",
            major.pip_package("nvidia-cuda-nvrtc"),
            m = major.number()
        ),
    )
}

/// A GPU result differs from the CPU reference.
pub fn wrong_result(what: &str, detail: &str) -> Diagnosis {
    Diagnosis::new(
        "wrong-result",
        format!("{what} computed a wrong result on the GPU: {detail}"),
        "the GPU or its driver is faulty, or the library was built for another architecture: run `nvidia-smi -q -d ECC` and compare with another machine",
    )
}

/// A CUDA call failed in a way the harness has no better name for.
pub fn cuda_error(call: &str, code_name: &str) -> Diagnosis {
    Diagnosis::new(
        "cuda-error",
        format!("`{call}` failed with `{code_name}`"),
        "run `nvidia-smi`; then rerun with `CUDA_LAUNCH_BLOCKING=1`",
    )
}
