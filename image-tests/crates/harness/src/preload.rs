//! Loading libraries by absolute path with `RTLD_GLOBAL`, before anything asks for them.
//!
//! cudarc `dlopen`s bare names (`libnvrtc.so.13`); a library already loaded under that soname
//! satisfies such a call. So loading pip's `nvidia/cu13/lib/libnvrtc.so.13` (and its builtins)
//! by path first makes it the one cudarc gets, whatever `LD_LIBRARY_PATH` says.

use std::path::{Path, PathBuf};

use crate::CudaMajor;

/// A library could not be preloaded.
#[derive(Debug, thiserror::Error)]
pub enum PreloadError {
    #[error("Could not preload `{}`", path.display())]
    Load {
        path: PathBuf,
        #[source]
        source: libloading::Error,
    },
    #[error("No `{pattern}` in `{}`", dir.display())]
    NotFound { dir: PathBuf, pattern: String },
    #[error("Could not read `{}`", dir.display())]
    ReadDir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Loads `path` with `RTLD_NOW | RTLD_GLOBAL` and keeps it loaded for the life of the process.
pub fn preload(path: &Path) -> Result<(), PreloadError> {
    use libloading::os::unix::{Library, RTLD_GLOBAL, RTLD_NOW};
    // SAFETY: these are CUDA and torch libraries whose initialisers are made to run in any
    // process; the handle is leaked so they are never unloaded (unloading can crash).
    let lib = unsafe { Library::open(Some(path), RTLD_NOW | RTLD_GLOBAL) }.map_err(|source| {
        PreloadError::Load {
            path: path.to_owned(),
            source,
        }
    })?;
    std::mem::forget(lib);
    Ok(())
}

/// Preloads every path of `MEGAPAK_PRELOAD` (colon-separated), in order; returns them.
pub fn preload_from_env() -> Result<Vec<PathBuf>, PreloadError> {
    let Some(list) = std::env::var_os("MEGAPAK_PRELOAD") else {
        return Ok(Vec::new());
    };
    let paths: Vec<PathBuf> = std::env::split_paths(&list)
        .filter(|p| !p.as_os_str().is_empty())
        .collect();
    for path in &paths {
        preload(path)?;
    }
    Ok(paths)
}

/// The NVRTC libraries of CUDA `major` in a folder such as pip's `site-packages/nvidia/cu13/lib`
/// (`nvidia/cuda_nvrtc/lib` for CUDA 12): the builtins first (NVRTC opens them by soname when it
/// compiles), then `libnvrtc.so.13` (`libnvrtc.so.12`).
pub fn nvrtc_libraries(dir: &Path, major: CudaMajor) -> Result<Vec<PathBuf>, PreloadError> {
    let soname = major.nvrtc_soname();
    let builtins_prefix = format!("libnvrtc-builtins.so.{}", major.number());
    let entries = std::fs::read_dir(dir).map_err(|source| PreloadError::ReadDir {
        dir: dir.to_owned(),
        source,
    })?;
    let mut builtins: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&builtins_prefix))
        })
        .collect();
    builtins.sort();
    let nvrtc = dir.join(&soname);
    if !nvrtc.exists() {
        return Err(PreloadError::NotFound {
            dir: dir.to_owned(),
            pattern: soname,
        });
    }
    builtins.push(nvrtc);
    Ok(builtins)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_library_is_an_error_naming_its_path() {
        let err = preload(Path::new("/nonexistent/libnothing.so")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Could not preload `/nonexistent/libnothing.so`"
        );
    }

    #[test]
    fn nvrtc_folder_without_nvrtc_is_named() {
        let dir = std::env::temp_dir();
        let err =
            nvrtc_libraries(&dir.join("megapak-no-such-dir"), CudaMajor::Thirteen).unwrap_err();
        assert!(err.to_string().starts_with("Could not read `"), "{err}");
    }

    #[test]
    fn each_major_finds_its_own_nvrtc() {
        // pip's CUDA 12 layout: `nvidia/cuda_nvrtc/lib` with NVRTC 12.8 and its builtins.
        let dir = std::env::temp_dir().join(format!("megapak-nvrtc-12-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for file in ["libnvrtc.so.12", "libnvrtc-builtins.so.12.8"] {
            std::fs::write(dir.join(file), b"").unwrap();
        }
        let twelve = nvrtc_libraries(&dir, CudaMajor::Twelve);
        let thirteen = nvrtc_libraries(&dir, CudaMajor::Thirteen);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            twelve.unwrap(),
            [
                dir.join("libnvrtc-builtins.so.12.8"),
                dir.join("libnvrtc.so.12")
            ]
        );
        assert!(
            thirteen
                .unwrap_err()
                .to_string()
                .starts_with("No `libnvrtc.so.13` in `"),
        );
    }
}
