//! Loading libraries by absolute path with `RTLD_GLOBAL`, before anything asks for them.
//!
//! cudarc `dlopen`s bare names (`libnvrtc.so.13`); a library already loaded under that soname
//! satisfies such a call. So loading pip's `nvidia/cu13/lib/libnvrtc.so.13` (and its builtins)
//! by path first makes it the one cudarc gets, whatever `LD_LIBRARY_PATH` says.

use std::path::{Path, PathBuf};

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
    NotFound { dir: PathBuf, pattern: &'static str },
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

/// The NVRTC libraries of a folder such as pip's `site-packages/nvidia/cu13/lib`: the builtins
/// first (NVRTC opens them by soname when it compiles), then `libnvrtc.so.13`.
pub fn nvrtc_libraries(dir: &Path) -> Result<Vec<PathBuf>, PreloadError> {
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
                .is_some_and(|n| n.starts_with("libnvrtc-builtins.so.13"))
        })
        .collect();
    builtins.sort();
    let nvrtc = dir.join("libnvrtc.so.13");
    if !nvrtc.exists() {
        return Err(PreloadError::NotFound {
            dir: dir.to_owned(),
            pattern: "libnvrtc.so.13",
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
        let err = nvrtc_libraries(&dir.join("megapak-no-such-dir")).unwrap_err();
        assert!(err.to_string().starts_with("Could not read `"), "{err}");
    }
}
