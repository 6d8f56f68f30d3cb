//! The coverage report behind `megapak status`.
//!
//! [`StatusInput`] is what was read (pak files, the packages they request, optionally the
//! Python package lists of a hand-written flake and the workspace's `megapak.lock`), already
//! with PEP 503 normalized names. [`StatusReport::build`] compares them: each requested package
//! gets its flake status and its locked provider and version, or is named as one the lock lacks
//! (the pak files changed since the lock was written). [`render`] prints the report as a
//! terminal table, a Markdown status page or JSON. The report is plain data, so later resolvers
//! can add their findings to it.

mod build;
mod input;
mod locked;
mod model;
pub mod render;

pub use input::{
    FlakeInput, FlakeListing, LockInput, LockedEntry, PackageKind, PakFileSummary,
    RequestedPackage, StatusInput,
};
pub use model::{FlakeComparison, LockSummary, PackageRow, RowStatus, StatusReport};
