//! The computed report: plain data, serialized as the `--format json` output.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::input::{PackageKind, PakFileSummary};

/// The coverage of one workspace's pak files, optionally compared with a flake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusReport {
    /// Unique PyPI names over all pak files (PEP 503 normalized).
    pub packages: usize,
    /// Unique VCS and direct-URL entries.
    pub vcs: usize,
    /// Requested packages that an override of `megapak.toml` leaves out of the image.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
    /// Requirement entries over all pak files, before merging.
    pub entries: usize,
    /// Each pak file with its own entry count.
    pub pak_files: Vec<PakFileSummary>,
    /// The comparison with a flake, when one was given; its keys sit at the top level in JSON.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub flake: Option<FlakeComparison>,
    /// What the workspace's `megapak.lock` holds, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock: Option<LockSummary>,
    /// One row per package, requested ones first in name order, then flake-only ones.
    pub rows: Vec<PackageRow>,
}

/// How the pak files compare with the Python package lists of a flake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlakeComparison {
    /// The flake's path.
    pub flake: String,
    /// Requested packages the flake lists.
    pub in_flake: Vec<String>,
    /// Requested packages the flake has only in comments.
    pub commented_in_flake: Vec<String>,
    /// Requested packages the flake neither lists nor mentions in a comment.
    pub missing_from_flake: Vec<String>,
    /// Packages the flake lists that no pak file asks for.
    pub only_in_flake: Vec<String>,
}

/// The workspace's `megapak.lock`, counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockSummary {
    /// The lock's path.
    pub path: String,
    /// Every package it locks, requested or not.
    pub packages: usize,
    /// How many of them each resolver plugin supplied.
    pub by_provider: BTreeMap<String, usize>,
    /// Locked packages no pak file asks for: what the requested ones bring in.
    pub beyond_requested: usize,
    /// Requested packages (not skipped) the lock has no entry for: the pak files changed since
    /// it was written.
    pub not_locked: Vec<String>,
}

/// One package of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageRow {
    /// The PEP 503 normalized name.
    pub name: String,
    /// Where it comes from; `None` for a package only the flake has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<PackageKind>,
    /// Its coverage.
    pub status: RowStatus,
    /// The resolver plugin the lock has it from, when a lock has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Its locked version, when a lock has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The nixpkgs attribute it is locked as, for a package nixpkgs builds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    /// Every pak file `file:line:column` that asks for it.
    pub locations: Vec<String>,
    /// Where the flake lists it (or has it in a comment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flake_location: Option<String>,
    /// The flake's comment on it, such as `TODO: check if available`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Where a package stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RowStatus {
    /// Requested; no flake was given to compare with, and there is no lock.
    Requested,
    /// Requested and in the lock; no flake was given to compare with.
    Locked,
    /// Requested, but the lock has no entry for it; no flake was given to compare with.
    NotLocked,
    /// Requested and listed in the flake.
    InFlake,
    /// Requested, and the flake has it only in a comment.
    CommentedInFlake,
    /// Requested, and the flake does not have it.
    MissingFromFlake,
    /// Listed in the flake, requested by no pak file.
    OnlyInFlake,
    /// Requested, but an override leaves it out of the image.
    Skipped,
}

impl RowStatus {
    /// A short label for tables.
    pub fn label(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Locked => "locked",
            Self::NotLocked => "not locked",
            Self::InFlake => "in flake",
            Self::CommentedInFlake => "commented out",
            Self::MissingFromFlake => "missing",
            Self::OnlyInFlake => "only in flake",
            Self::Skipped => "skipped",
        }
    }
}
