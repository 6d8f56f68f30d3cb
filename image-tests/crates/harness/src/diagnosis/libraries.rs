//! Shared libraries: CUDA's, libtorch, onnxruntime.

use super::Diagnosis;
use crate::sonames;

/// A library that `what` needs is missing; names the pip package that brings it.
pub fn cuda_libraries_missing(what: &str, missing: &[String]) -> Diagnosis {
    let list = missing
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let packages = sonames::packages_for(missing);
    Diagnosis::new(
        "cuda-libraries-missing",
        format!("{what} needs {list}, which the dynamic loader cannot find"),
        format!(
            "install {packages} and put their library folders (`site-packages/torch/lib`, `site-packages/nvidia/*/lib`) on `LD_LIBRARY_PATH` (`megapak verify --gpu --host --python-env DIR` does)"
        ),
    )
}

/// [`cuda_libraries_missing`] for an image of CUDA `major`: the hint names that major's pip
/// packages (`nvidia-cublas-cu12` for a CUDA 12 build, where the CUDA 13 wheels dropped the
/// suffix).
pub fn cuda_libraries_missing_for(
    what: &str,
    missing: &[String],
    major: crate::CudaMajor,
) -> Diagnosis {
    let mut d = cuda_libraries_missing(what, missing);
    if major == crate::CudaMajor::Twelve {
        let packages = missing
            .iter()
            .map(|soname| match sonames::package_for(soname) {
                Some(p) if p.starts_with("nvidia-") => {
                    let base = p.strip_suffix("-cu13").unwrap_or(p);
                    format!("`{}` (for `{soname}`)", major.pip_package(base))
                }
                Some(p) => format!("`{p}` (for `{soname}`)"),
                None => format!("the package that provides `{soname}`"),
            })
            .collect::<Vec<_>>()
            .join(" and ");
        d.hint = format!(
            "install {packages} and put their library folders (`site-packages/nvidia/*/lib`) on `LD_LIBRARY_PATH` (`megapak verify --gpu --host --python-env DIR` does)"
        );
    }
    d
}

/// A library a check binary links could not be found when it started.
pub fn shared_library_missing(binary: &str, missing: &[String]) -> Diagnosis {
    if missing.iter().any(|s| sonames::is_libtorch(s)) {
        return libtorch_missing(binary, missing);
    }
    cuda_libraries_missing(&format!("`{binary}`"), missing)
}

/// libtorch could not be found when `check-torch` started.
pub fn libtorch_missing(binary: &str, missing: &[String]) -> Diagnosis {
    let list = missing
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Diagnosis::new(
        "libtorch-missing",
        format!("`{binary}` could not start: libtorch ({list}) is not on the loader's path"),
        "install torch and add `site-packages/torch/lib` to `LD_LIBRARY_PATH` (`megapak verify --gpu --host --python-env DIR` does)",
    )
}

/// The libtorch loaded is not the one `check-torch` was built against.
pub fn libtorch_version_mismatch(detail: &str) -> Diagnosis {
    Diagnosis::new(
        "libtorch-version-mismatch",
        format!("The libtorch in use is not the one `check-torch` was built against: {detail}"),
        "build the harness against the image's torch: tch 0.24 for torch 2.11 (`image-tests/`), tch 0.23 for torch 2.10 (`image-tests/torch-2.10/`), with `LIBTORCH` set to that torch",
    )
}

/// libtorch has no CUDA part at all.
pub fn torch_cpu_only(lib_dir: &str) -> Diagnosis {
    Diagnosis::new(
        "torch-cpu-only",
        format!("The libtorch in `{lib_dir}` is a CPU-only build: it has no `libtorch_cuda.so`"),
        "install torch built for CUDA 13 (PyPI's Linux `torch` wheel is the cu130 build; the `+cpu` builds come from the cpu index)",
    )
}

/// libtorch loaded its CUDA part, but reports CUDA unavailable although the driver works.
pub fn torch_cuda_unavailable(detail: &str) -> Diagnosis {
    Diagnosis::new(
        "torch-cuda-unavailable",
        format!("libtorch reports CUDA unavailable although the driver sees a GPU ({detail})"),
        "`libtorch_cuda.so` must be loaded before torch first asks for CUDA; check that `CUDA_VISIBLE_DEVICES` is not empty",
    )
}

/// cuDNN is not usable from torch.
pub fn cudnn_unavailable() -> Diagnosis {
    Diagnosis::new(
        "cudnn-unavailable",
        "libtorch reports cuDNN unavailable",
        "install `nvidia-cudnn-cu13` (the version torch pins) and put `site-packages/nvidia/cudnn/lib` on `LD_LIBRARY_PATH`",
    )
}

/// A libtorch call failed in a way the harness has no better name for.
pub fn torch_error(what: &str, error: &str) -> Diagnosis {
    Diagnosis::new(
        "torch-error",
        format!("{what} failed in libtorch: {error}"),
        "rerun with `CUDA_LAUNCH_BLOCKING=1` and `TORCH_SHOW_CPP_STACKTRACES=1`",
    )
}

// ---- onnxruntime -----------------------------------------------------------------------------

/// The onnxruntime library could not be loaded.
pub fn onnxruntime_missing(detail: &str) -> Diagnosis {
    Diagnosis::new(
        "onnxruntime-missing",
        format!("The onnxruntime library could not be loaded: {detail}"),
        "set `ORT_DYLIB_PATH` to `site-packages/onnxruntime/capi/libonnxruntime.so.<version>` from `onnxruntime-gpu` (`megapak verify --gpu --host --python-env DIR` does)",
    )
}

/// The onnxruntime library is older than the API the harness needs.
pub fn onnxruntime_too_old(detail: &str) -> Diagnosis {
    Diagnosis::new(
        "onnxruntime-too-old",
        format!("The onnxruntime library is too old for the harness: {detail}"),
        "install `onnxruntime-gpu` 1.24 or newer (nixpkgs has 1.24; PyPI's 1.31.1 is the CUDA 13 build)",
    )
}

/// The onnxruntime in use has no CUDA execution provider; `detail` says how that showed.
pub fn onnxruntime_cpu_only(detail: &str) -> Diagnosis {
    Diagnosis::new(
        "onnxruntime-cpu-only",
        format!(
            "This onnxruntime is a CPU-only build ({detail}): models asking for CUDA would run on the CPU"
        ),
        "install `onnxruntime-gpu` instead of `onnxruntime`: both provide the `onnxruntime` module and the one installed last wins, so uninstall `onnxruntime` first",
    )
}

/// With CPU fallback disabled, the session refused to place the model on the GPU.
pub fn onnxruntime_cpu_fallback(error: &str) -> Diagnosis {
    Diagnosis::new(
        "onnxruntime-cpu-fallback",
        format!(
            "onnxruntime would have run part of the model on the CPU (refused with CPU fallback disabled): {error}"
        ),
        "the CUDA execution provider lacks kernels for these nodes or failed to initialise: check the CUDA and cuDNN libraries of `onnxruntime-gpu` and its version against the driver",
    )
}

/// The CUDA execution provider could not be registered.
pub fn onnxruntime_cuda_failed(error: &str) -> Diagnosis {
    Diagnosis::new(
        "onnxruntime-cuda-failed",
        format!("onnxruntime's CUDA execution provider failed: {error}"),
        "`onnxruntime-gpu` 1.31 needs CUDA 13 libraries (`nvidia-cublas`, `nvidia-cuda-runtime`, `nvidia-curand`, `nvidia-cufft`, `nvidia-cudnn-cu13`) on `LD_LIBRARY_PATH` and a driver of 580 or newer",
    )
}

/// [`onnxruntime_cuda_failed`] for an onnxruntime build of CUDA `major` (read from its CUDA
/// provider library): the hint names that major's pip packages and driver floor.
pub fn onnxruntime_cuda_failed_for(error: &str, major: crate::CudaMajor) -> Diagnosis {
    let packages = [
        "nvidia-cublas",
        "nvidia-cuda-runtime",
        "nvidia-curand",
        "nvidia-cufft",
    ]
    .iter()
    .map(|base| format!("`{}`", major.pip_package(base)))
    .collect::<Vec<_>>()
    .join(", ");
    Diagnosis::new(
        "onnxruntime-cuda-failed",
        format!("onnxruntime's CUDA execution provider failed: {error}"),
        format!(
            "this `onnxruntime-gpu` is a CUDA {major} build: it needs CUDA {major} libraries ({packages}, `nvidia-cudnn-cu{}`) on `LD_LIBRARY_PATH` and a driver of {} or newer",
            major.number(),
            major.min_driver_release()
        ),
    )
}

/// The model ran, but onnxruntime's profile shows nodes on another provider than the one
/// asked for (`detail` names them).
pub fn onnxruntime_profile_off_provider(provider: &str, detail: &str) -> Diagnosis {
    Diagnosis::new(
        "onnxruntime-cpu-fallback",
        format!(
            "onnxruntime ran part of the model off `{provider}` although CPU fallback was disabled: {detail}"
        ),
        "the CUDA execution provider lacks kernels for these nodes or failed to initialise: check the CUDA and cuDNN libraries of `onnxruntime-gpu` and its version against the driver",
    )
}

/// `--require-tensorrt` was given but TensorRT cannot be used: `detail` says what is missing.
pub fn onnxruntime_tensorrt_missing(detail: &str) -> Diagnosis {
    Diagnosis::new(
        "onnxruntime-tensorrt-missing",
        format!("TensorRT was required but is not usable from onnxruntime: {detail}"),
        "`onnxruntime-gpu` brings `libonnxruntime_providers_tensorrt.so`; TensorRT itself comes from the `tensorrt` pip package (`libnvinfer.so.*`), whose library folder must be on `LD_LIBRARY_PATH`",
    )
}

/// onnxruntime's TensorRT execution provider failed on the test model.
pub fn onnxruntime_tensorrt_failed(error: &str) -> Diagnosis {
    Diagnosis::new(
        "onnxruntime-tensorrt-failed",
        format!("onnxruntime's TensorRT execution provider failed: {error}"),
        "check that the TensorRT release (`libnvinfer.so.*`) is the one this `onnxruntime-gpu` was built for and supports the GPU; rerun with `ORT_LOG_LEVEL=verbose`",
    )
}

/// An onnxruntime call failed in a way the harness has no better name for.
pub fn onnxruntime_error(what: &str, error: &str) -> Diagnosis {
    Diagnosis::new(
        "onnxruntime-error",
        format!("{what} failed in onnxruntime: {error}"),
        "rerun with `ORT_LOG_LEVEL=verbose`",
    )
}
