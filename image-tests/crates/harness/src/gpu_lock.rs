//! A lock around the GPU work of each check, so that checks started together never time each
//! other's kernels.
//!
//! `megapak-smoke` starts every check at once (library loading and context creation overlap,
//! which keeps the whole run short) and sets `MEGAPAK_GPU_LOCK` to a file. Each check holds an
//! exclusive lock on it for all of its real GPU work, timed or not (a reference matmul running
//! beside another check's copy timing would cut its bandwidth), and only initialises outside it
//! (context, library handles, with work too small to disturb a measurement). Take it once per
//! process: a second `acquire` in the same process waits for the first forever (`flock` is per
//! open file). Without the variable there is nothing to lock.

use std::fs::File;
use std::path::PathBuf;

/// Held during a check's GPU work; released when dropped (closing the file releases it).
#[derive(Debug)]
pub struct GpuLock {
    _file: Option<File>,
}

/// The lock file could not be taken.
#[derive(Debug, thiserror::Error)]
#[error("Could not lock `{}`", path.display())]
pub struct LockError {
    path: PathBuf,
    #[source]
    source: std::io::Error,
}

/// Takes the lock named by `MEGAPAK_GPU_LOCK`, waiting for other checks; a no-op without it.
pub fn acquire() -> Result<GpuLock, LockError> {
    let Some(path) = std::env::var_os("MEGAPAK_GPU_LOCK").map(PathBuf::from) else {
        return Ok(GpuLock { _file: None });
    };
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| LockError {
            path: path.clone(),
            source,
        })?;
    file.lock().map_err(|source| LockError { path, source })?;
    Ok(GpuLock { _file: Some(file) })
}
