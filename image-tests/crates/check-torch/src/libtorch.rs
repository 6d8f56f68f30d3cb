//! Which libtorch this process runs, its version, and loading its CUDA part.

use std::path::{Path, PathBuf};

use megapak_harness::{CudaMajor, Diagnosis, diagnosis, loaded, preload, sonames};

/// The torch `check-torch` was compiled against (`unknown` when the build could not tell).
pub const BUILT_AGAINST: &str = env!("MEGAPAK_TORCH_BUILT_AGAINST");

/// The folder of the `libtorch_cpu.so` this process mapped.
pub fn lib_dir() -> Option<PathBuf> {
    loaded::loaded_library("libtorch_cpu.so").and_then(|p| p.parent().map(Path::to_path_buf))
}

/// The version of the torch that `lib_dir` belongs to: `torch/version.py` beside `torch/lib`
/// (a wheel), or `build-version` (a libtorch zip).
pub fn version_of(lib_dir: &Path) -> Option<String> {
    let root = lib_dir.parent()?;
    if let Ok(text) = std::fs::read_to_string(root.join("version.py")) {
        let line = text.lines().find(|l| l.starts_with("__version__"))?;
        return Some(line.split(['\'', '"']).nth(1)?.to_owned());
    }
    std::fs::read_to_string(root.join("build-version"))
        .ok()
        .map(|t| t.trim().to_owned())
}

/// The CUDA that torch was built for: `cuda = '13.0'` in `version.py`, else the `+cu130` of its
/// version; `None` for a CPU-only or ROCm torch, or where neither says.
pub fn cuda_of(lib_dir: &Path, version: &str) -> Option<String> {
    let root = lib_dir.parent()?;
    let from_file = std::fs::read_to_string(root.join("version.py"))
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| {
                l.strip_prefix("cuda")
                    .is_some_and(|rest| rest.trim_start().starts_with([':', '=']))
            })?;
            Some(line.split(['\'', '"']).nth(1)?.to_owned())
        });
    from_file.or_else(|| {
        let suffix = version.split_once('+')?.1;
        suffix.starts_with("cu").then(|| suffix.to_owned())
    })
}

/// The image's CUDA major against torch's: `cuda-major-mismatch` when the check was told one
/// major (`--cuda-major`, `MEGAPAK_CUDA_MAJOR`) and torch was built for another.
pub fn cuda_major_mismatch(
    expected: Option<CudaMajor>,
    torch_cuda: Option<&str>,
    version: &str,
) -> Option<Diagnosis> {
    let found: CudaMajor = torch_cuda?.parse().ok()?;
    let expected = expected?;
    (expected != found)
        .then(|| diagnosis::cuda_major_mismatch(expected, found, &format!("torch {version}")))
}

/// `2.11` of `2.11.0+cu130`.
pub fn major_minor(version: &str) -> &str {
    let end = version
        .match_indices('.')
        .nth(1)
        .map_or(version.len(), |(i, _)| i);
    &version[..end]
}

/// A mismatch between the torch built against and the one loaded, if both are known.
pub fn version_mismatch(loaded: &str) -> Option<Diagnosis> {
    if BUILT_AGAINST == "unknown" || major_minor(loaded) == major_minor(BUILT_AGAINST) {
        return None;
    }
    Some(diagnosis::libtorch_version_mismatch(&format!(
        "built against torch {BUILT_AGAINST}, but the libtorch loaded is torch {loaded}"
    )))
}

/// Loads `libtorch_cuda.so` from beside `libtorch_cpu.so`, so that its CUDA hooks register
/// before torch first asks for CUDA.
pub fn load_cuda(lib_dir: &Path) -> Result<(), Diagnosis> {
    let path = lib_dir.join("libtorch_cuda.so");
    if !path.exists() {
        return Err(diagnosis::torch_cpu_only(&lib_dir.display().to_string()));
    }
    preload::preload(&path).map_err(|e| {
        let text = diagnosis::error_chain(&e);
        let missing = sonames::missing_in(&text);
        if missing.is_empty() {
            diagnosis::torch_error("Loading `libtorch_cuda.so`", &text)
        } else {
            diagnosis::cuda_libraries_missing("`libtorch_cuda.so`", &missing)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_major_and_minor() {
        assert_eq!(major_minor("2.11.0+cu130"), "2.11");
        assert_eq!(major_minor("2.10"), "2.10");
        assert_eq!(major_minor("2"), "2");
    }

    #[test]
    fn versions_are_read_from_a_wheel_layout() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("torch/lib")).unwrap();
        std::fs::write(
            dir.path().join("torch/version.py"),
            "from typing import Optional\n__version__ = '2.10.0+cu128'\n",
        )
        .unwrap();
        assert_eq!(
            version_of(&dir.path().join("torch/lib")).as_deref(),
            Some("2.10.0+cu128")
        );
    }

    #[test]
    fn torch_cuda_is_read_from_version_py_or_the_version() {
        let dir = tempfile::tempdir().unwrap();
        let lib = dir.path().join("torch/lib");
        std::fs::create_dir_all(&lib).unwrap();
        assert_eq!(cuda_of(&lib, "2.11.0+cu130").as_deref(), Some("cu130"));
        assert_eq!(cuda_of(&lib, "2.11.0+cpu"), None);
        assert_eq!(cuda_of(&lib, "2.11.0"), None);
        std::fs::write(
            dir.path().join("torch/version.py"),
            "__version__ = '2.10.0'\ncuda: Optional[str] = '12.8'\ncudnn = None\n",
        )
        .unwrap();
        assert_eq!(cuda_of(&lib, "2.10.0").as_deref(), Some("12.8"));
    }

    #[test]
    fn a_torch_of_another_cuda_major_is_named() {
        let d = cuda_major_mismatch(Some(CudaMajor::Twelve), Some("13.0"), "2.11.0+cu130").unwrap();
        assert_eq!(d.code, "cuda-major-mismatch");
        assert_eq!(
            d.message,
            "This check expects a CUDA 12 image, but torch 2.11.0+cu130 is CUDA 13"
        );
        assert_eq!(
            cuda_major_mismatch(Some(CudaMajor::Thirteen), Some("13.0"), "2.11.0"),
            None
        );
        assert_eq!(cuda_major_mismatch(None, Some("12.8"), "2.10.0"), None);
        assert_eq!(
            cuda_major_mismatch(Some(CudaMajor::Twelve), None, "2.10.0+cpu"),
            None
        );
    }

    #[test]
    fn a_cpu_only_libtorch_is_named() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load_cuda(dir.path()).unwrap_err().code, "torch-cpu-only");
    }
}
