//! The coverage report behind `megapak status`.
//!
//! [`StatusInput`] is what was read (pak files, the packages they request, optionally the
//! Python package lists of a hand-written flake), already with PEP 503 normalized names.
//! [`StatusReport::build`] compares them, and [`render`] prints the report as a terminal table,
//! a Markdown status page or JSON. The report is plain data, so later resolvers can add their
//! findings to it.

mod build;
mod input;
mod model;
pub mod render;

pub use input::{
    FlakeInput, FlakeListing, PackageKind, PakFileSummary, RequestedPackage, StatusInput,
};
pub use model::{FlakeComparison, PackageRow, RowStatus, StatusReport};
