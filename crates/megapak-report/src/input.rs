//! What the report is computed from.

use serde::Serialize;

/// Everything `megapak status` read.
#[derive(Debug, Clone, Default)]
pub struct StatusInput {
    /// Each pak file named by the user, in order, with its own entry count.
    pub pak_files: Vec<PakFileSummary>,
    /// One per normalized name, after merging all pak files.
    pub packages: Vec<RequestedPackage>,
    /// The hand-written flake to compare with, if any.
    pub flake: Option<FlakeInput>,
    /// The workspace's `megapak.lock`, when there is one.
    pub lock: Option<LockInput>,
}

/// One pak file and how many requirement entries it holds (its includes counted apart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PakFileSummary {
    /// The path as the user gave it, or relative to the configuration.
    pub path: String,
    /// Requirement lines (after joining continuations; comments and options not counted).
    pub entries: usize,
}

/// A package that the pak files ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedPackage {
    /// The PEP 503 normalized name.
    pub name: String,
    /// Where it comes from.
    pub kind: PackageKind,
    /// Every `file:line:column` that asks for it.
    pub locations: Vec<String>,
    /// Why an override leaves it out of the image (`megapak.toml:31: reason`), if one does.
    pub skipped: Option<String>,
    /// The nixpkgs attribute an override names for it (`torchWithCuda` for `torch`), PEP 503
    /// normalized like [`FlakeListing::name`]: a flake listing it lists the package.
    pub nix_attr: Option<String>,
}

/// Where a requested package is to come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PackageKind {
    /// A name for the package index (PyPI).
    Pypi,
    /// A version-control URL (`git+https://...`).
    Vcs,
    /// A direct URL to a wheel or source archive.
    Url,
}

/// The Python package lists found in a hand-written flake.nix.
#[derive(Debug, Clone, Default)]
pub struct FlakeInput {
    /// The flake's path as the user gave it.
    pub path: String,
    /// Every Python package entry, listed or commented out, in file order.
    pub listings: Vec<FlakeListing>,
}

/// One entry of a flake's Python package list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlakeListing {
    /// The attribute's PEP 503 normalized name, for comparing with the pak files.
    pub name: String,
    /// The attribute as written (`ps.GitPython` gives `GitPython`).
    pub attr: String,
    /// The package set it was taken from (`ps`, `python314Packages`, `customPythonPackages`).
    pub set: Option<String>,
    /// `true` for an entry that is commented out (`# onnx  # TODO: check if available`).
    pub commented: bool,
    /// The comment that follows the entry, such as `TODO: check if available`.
    pub note: Option<String>,
    /// `file:line:column`.
    pub location: String,
}

/// The packages of a `megapak.lock`: what each requested package resolved to.
#[derive(Debug, Clone, Default)]
pub struct LockInput {
    /// The lock's path, as shown to the user (beside `megapak.toml`).
    pub path: String,
    /// Every locked package, requested or brought in by another.
    pub packages: Vec<LockedEntry>,
}

/// One `[[package]]` of a lock, as much of it as the report shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedEntry {
    /// The PEP 503 normalized name.
    pub name: String,
    /// The locked version.
    pub version: String,
    /// The resolver plugin that supplied it (`nixpkgs`, `pypi`, ...).
    pub provider: String,
    /// The nixpkgs attribute, for a package nixpkgs builds.
    pub attribute: Option<String>,
}
