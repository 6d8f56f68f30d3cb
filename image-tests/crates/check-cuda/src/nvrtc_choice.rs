//! Which NVRTC the check uses, and with it the image's CUDA major.
//!
//! The major is the one given (`--cuda-major`, `MEGAPAK_CUDA_MAJOR`), else the one whose NVRTC
//! is there: `libnvrtc.so.13`, else `libnvrtc.so.12`, in `--nvrtc-dir` or on the loader's path.
//! A major given whose NVRTC is missing while the other major's is there is
//! `cuda-major-mismatch`: the image was built for the other CUDA.

use std::path::Path;

use megapak_harness::{CudaMajor, Diagnosis, diagnosis, preload};

use crate::nvrtc_api::{self, Api, OpenError};

/// What was found: the CUDA major the rest of the check judges by, and NVRTC or why not.
#[derive(Debug)]
pub struct Choice {
    pub major: CudaMajor,
    pub nvrtc: Result<&'static Api, Diagnosis>,
}

/// The majors to look for, the one given first.
fn order(given: Option<CudaMajor>) -> Vec<CudaMajor> {
    let mut order = CudaMajor::ALL.to_vec();
    if let Some(given) = given {
        order.retain(|&m| m != given);
        order.insert(0, given);
    }
    order
}

/// Finds NVRTC in `dir` (preloading it and its builtins from there) or on the loader's path.
pub fn choose(given: Option<CudaMajor>, dir: Option<&Path>) -> Choice {
    let order = order(given);
    let first = given.unwrap_or(order[0]);
    let found = match dir {
        Some(dir) => in_dir(dir, &order),
        None => on_loader_path(&order),
    };
    let (found, place) = match found {
        Ok(found) => found,
        Err(d) => {
            return Choice {
                major: first,
                nvrtc: Err(d),
            };
        }
    };
    if let Some(given) = given
        && given != found
    {
        let found_in = format!("the only NVRTC found, {place},");
        return Choice {
            major: given,
            nvrtc: Err(diagnosis::cuda_major_mismatch(given, found, &found_in)),
        };
    }
    let nvrtc = match dir {
        Some(dir) => preload_and_open(dir, found),
        None => nvrtc_api::get()
            .ok_or_else(|| diagnosis::nvrtc_missing("NVRTC was found but not kept open", found)),
    };
    Choice {
        major: found,
        nvrtc,
    }
}

/// The first major whose NVRTC file is in `dir`, with its path.
fn in_dir(dir: &Path, order: &[CudaMajor]) -> Result<(CudaMajor, String), Diagnosis> {
    order
        .iter()
        .map(|&major| (major, dir.join(major.nvrtc_soname())))
        .find(|(_, path)| path.exists())
        .map(|(major, path)| (major, format!("`{}`", path.display())))
        .ok_or_else(|| {
            diagnosis::nvrtc_missing(
                &format!("`{}` has no {}", dir.display(), names(order, " or ")),
                order[0],
            )
        })
}

/// Preloads the builtins of `dir` and NVRTC by path, then opens it.
fn preload_and_open(dir: &Path, major: CudaMajor) -> Result<&'static Api, Diagnosis> {
    let chain = |e: &dyn std::error::Error| diagnosis::error_chain(e);
    let libs = preload::nvrtc_libraries(dir, major)
        .map_err(|e| diagnosis::nvrtc_missing(&chain(&e), major))?;
    for lib in &libs {
        preload::preload(lib).map_err(|e| diagnosis::nvrtc_missing(&chain(&e), major))?;
    }
    nvrtc_api::open(Some(dir), major).map_err(|e| diagnosis::nvrtc_missing(&e.to_string(), major))
}

/// Opens the first major's NVRTC the loader finds. An NVRTC that is there but does not load is
/// named, not passed over.
fn on_loader_path(order: &[CudaMajor]) -> Result<(CudaMajor, String), Diagnosis> {
    let mut first_error = None;
    for &major in order {
        match nvrtc_api::open(None, major) {
            Ok(api) => {
                let place = format!("`{}` on the loader's path", api.library.display());
                return Ok((major, place));
            }
            Err(OpenError::Load(e)) if is_absent(&e) => {
                first_error.get_or_insert_with(|| e.to_string());
            }
            Err(e) => return Err(diagnosis::nvrtc_missing(&e.to_string(), major)),
        }
    }
    Err(diagnosis::nvrtc_missing(
        &format!(
            "{} on the loader's path and `--nvrtc-dir` was not given ({})",
            match order {
                [one] => format!("`{}` is not", one.nvrtc_soname()),
                _ => format!("neither {} is", names(order, " nor ")),
            },
            first_error.unwrap_or_default()
        ),
        order[0],
    ))
}

/// The loader did not find the file (rather than finding a broken one).
fn is_absent(e: &libloading::Error) -> bool {
    diagnosis::error_chain(e).contains("cannot open shared object file")
}

/// `` `libnvrtc.so.13` or `libnvrtc.so.12` ``.
fn names(order: &[CudaMajor], joint: &str) -> String {
    order
        .iter()
        .map(|m| format!("`{}`", m.nvrtc_soname()))
        .collect::<Vec<_>>()
        .join(joint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_given_major_is_looked_for_first() {
        assert_eq!(order(None), [CudaMajor::Thirteen, CudaMajor::Twelve]);
        assert_eq!(
            order(Some(CudaMajor::Twelve)),
            [CudaMajor::Twelve, CudaMajor::Thirteen]
        );
        assert_eq!(
            names(&order(None), " or "),
            "`libnvrtc.so.13` or `libnvrtc.so.12`"
        );
    }

    #[test]
    fn a_folder_with_the_other_majors_nvrtc_is_a_mismatch() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("libnvrtc.so.12"), b"").unwrap();
        let choice = choose(Some(CudaMajor::Thirteen), Some(dir.path()));
        assert_eq!(choice.major, CudaMajor::Thirteen);
        let d = choice.nvrtc.unwrap_err();
        assert_eq!(d.code, "cuda-major-mismatch");
        assert!(
            d.message.contains("libnvrtc.so.12`, is CUDA 12"),
            "{}",
            d.message
        );
        let empty = tempfile::tempdir().unwrap();
        let d = choose(None, Some(empty.path())).nvrtc.unwrap_err();
        assert_eq!(d.code, "nvrtc-missing");
        assert!(
            d.message
                .contains("has no `libnvrtc.so.13` or `libnvrtc.so.12`"),
            "{}",
            d.message
        );
    }
}
