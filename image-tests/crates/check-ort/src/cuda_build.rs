//! Which CUDA the onnxruntime build needs, read from its CUDA provider library.
//!
//! `onnxruntime-gpu` puts `libonnxruntime_providers_cuda.so` beside `libonnxruntime.so.*`; that
//! library links cuBLAS, the CUDA runtime and cuDNN by soname (`libcublasLt.so.12`,
//! `libcudart.so.13`, `libcudnn.so.9`), so its `DT_NEEDED` entries say the CUDA major of the
//! build without loading anything.

use std::path::{Path, PathBuf};

use megapak_harness::{CudaMajor, Diagnosis, diagnosis};

use crate::elf;

/// The CUDA provider library's file name.
pub const CUDA_PROVIDER: &str = "libonnxruntime_providers_cuda.so";
/// The TensorRT provider library's file name.
pub const TENSORRT_PROVIDER: &str = "libonnxruntime_providers_tensorrt.so";

/// What the CUDA provider library links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CudaBuild {
    /// The provider library read.
    pub library: PathBuf,
    /// The CUDA major of its cuBLAS or CUDA runtime, when it names one the harness knows.
    pub major: Option<CudaMajor>,
    /// The library that showed the major (`libcublasLt.so.12`).
    pub shown_by: Option<String>,
    /// The cuDNN major it links (`9`), when it links cuDNN.
    pub cudnn: Option<String>,
}

/// The provider library `name` beside the onnxruntime library `dylib`.
pub fn beside(dylib: &Path, name: &str) -> PathBuf {
    dylib.parent().unwrap_or(Path::new(".")).join(name)
}

/// Reads the CUDA provider beside `dylib`; `None` when there is none (a CPU build).
pub fn read(dylib: &Path) -> Result<Option<CudaBuild>, Diagnosis> {
    let library = beside(dylib, CUDA_PROVIDER);
    if !library.exists() {
        return Ok(None);
    }
    let needed = elf::needed_of(&library).map_err(|e| {
        diagnosis::onnxruntime_error(
            &format!("Reading the libraries `{}` needs", library.display()),
            &e.to_string(),
        )
    })?;
    Ok(Some(of_needed(library, &needed)))
}

/// What a `DT_NEEDED` list says: the first of cuBLAS Lt, cuBLAS, the CUDA runtime whose soname
/// version is a CUDA major.
pub fn of_needed(library: PathBuf, needed: &[String]) -> CudaBuild {
    let version_of = |name: &str, prefix: &str| {
        name.strip_prefix(prefix)
            .map(|v| v.split('.').next().unwrap_or(v).to_owned())
    };
    let shown = ["libcublasLt.so.", "libcublas.so.", "libcudart.so."]
        .iter()
        .find_map(|prefix| {
            needed.iter().find_map(|name| {
                let major = version_of(name, prefix)?.parse().ok()?;
                Some((CudaMajor::from_number(major)?, name.clone()))
            })
        });
    let cudnn = needed
        .iter()
        .find_map(|name| version_of(name, "libcudnn.so."));
    CudaBuild {
        library,
        major: shown.as_ref().map(|(m, _)| *m),
        shown_by: shown.map(|(_, n)| n),
        cudnn,
    }
}

/// The CUDA major to judge the driver and name packages by: the one asked for
/// (`--cuda-major`, `MEGAPAK_CUDA_MAJOR`) must be the build's when both are known.
pub fn decide(
    expected: Option<CudaMajor>,
    build: Option<&CudaBuild>,
) -> Result<CudaMajor, Diagnosis> {
    let found = build.and_then(|b| Some((b.major?, b.shown_by.as_deref()?)));
    match (expected, found) {
        (Some(expected), Some((found, shown_by))) if expected != found => {
            Err(diagnosis::cuda_major_mismatch(
                expected,
                found,
                &format!("onnxruntime-gpu's `{CUDA_PROVIDER}` (needs `{shown_by}`)"),
            ))
        }
        (Some(expected), _) => Ok(expected),
        (None, Some((found, _))) => Ok(found),
        // Neither says: the current PyPI build (1.31) is CUDA 13.
        (None, None) => Ok(CudaMajor::Thirteen),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(needed: &[&str]) -> CudaBuild {
        let needed: Vec<String> = needed.iter().map(|s| (*s).to_owned()).collect();
        of_needed(PathBuf::from(CUDA_PROVIDER), &needed)
    }

    #[test]
    fn the_sonames_say_the_major() {
        let b = build(&[
            "libcublasLt.so.12",
            "libcublas.so.12",
            "libcudnn.so.9",
            "libc.so.6",
        ]);
        assert_eq!(b.major, Some(CudaMajor::Twelve));
        assert_eq!(b.shown_by.as_deref(), Some("libcublasLt.so.12"));
        assert_eq!(b.cudnn.as_deref(), Some("9"));
        let b = build(&["libcudart.so.13", "libc.so.6"]);
        assert_eq!(b.major, Some(CudaMajor::Thirteen));
        let b = build(&["libcudart.so.11.0", "libc.so.6"]);
        assert_eq!(
            (b.major, b.cudnn),
            (None, None),
            "CUDA 11 is not a major the harness knows"
        );
    }

    #[test]
    fn the_major_asked_for_must_be_the_builds() {
        let twelve = build(&["libcublasLt.so.12"]);
        let d = decide(Some(CudaMajor::Thirteen), Some(&twelve)).unwrap_err();
        assert_eq!(d.code, "cuda-major-mismatch");
        assert_eq!(
            d.message,
            "This check expects a CUDA 13 image, but onnxruntime-gpu's `libonnxruntime_providers_cuda.so` (needs `libcublasLt.so.12`) is CUDA 12"
        );
        assert_eq!(
            decide(Some(CudaMajor::Twelve), Some(&twelve)),
            Ok(CudaMajor::Twelve)
        );
        assert_eq!(decide(None, Some(&twelve)), Ok(CudaMajor::Twelve));
        assert_eq!(decide(Some(CudaMajor::Twelve), None), Ok(CudaMajor::Twelve));
        assert_eq!(decide(None, None), Ok(CudaMajor::Thirteen));
    }
}
