//! Integration tests of `megapak-lock`: the fixture locks of `fixtures/locks/`, errors, and the
//! atomic writer.

mod atomic;
mod errors;
mod round_trip;

use std::path::{Path, PathBuf};

use megapak_lock::Lock;

/// `fixtures/locks/` of the workspace.
pub(crate) fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/locks")
}

/// The thirteen-package CUDA 13.0 fixture lock.
pub(crate) fn small_lock() -> Lock {
    Lock::read(&fixtures_dir().join("cu130-small/megapak.lock")).expect("fixture lock reads")
}
