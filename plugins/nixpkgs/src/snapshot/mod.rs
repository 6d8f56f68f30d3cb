//! A snapshot of one nixpkgs revision's Python package set: what every backend produces and
//! what the name mapping reads, so that the three backends answer alike where they overlap.
//!
//! The `index` backend reads one from a file (the embedded one, or `[resolvers.nixpkgs] index`);
//! the `source` and `eval` backends make one for the target's Python from a nixpkgs tree;
//! [`crate::index::build_snapshot`] makes one for several Pythons, for `megapak nixpkgs-index`.

mod format;
mod tsv;

use std::collections::BTreeMap;

pub use format::{FORMAT_VERSION, MAGIC, SnapshotError};
pub use tsv::TsvError;

use crate::python::PythonVersion;

/// One nixpkgs revision's Python package set, for one or more Pythons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// What it describes.
    pub header: Header,
    /// The attributes of `python3XXPackages`, by attribute name.
    pub entries: BTreeMap<String, Entry>,
    /// `python-aliases.nix`: renamed and removed attributes, by alias.
    pub aliases: BTreeMap<String, Alias>,
    /// Attributes that exist but could not be read (an evaluation error, a file the `source`
    /// backend could not find or read), with the reason, by attribute.
    pub failures: BTreeMap<String, String>,
}

/// What a snapshot describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The nixpkgs revision, in words: a commit, a store path, a dated index.
    pub revision: String,
    /// The date it describes (`YYYY-MM-DD`), when known.
    pub date: Option<String>,
    /// The Nix system it was made for, e.g. `x86_64-linux`.
    pub system: String,
    /// The Pythons it describes, in the order of [`Entry::pythons`].
    pub pythons: Vec<PythonVersion>,
    /// Whether entries carry dependency lists; when not, every entry's are unknown.
    pub dependencies: bool,
    /// The older evaluation that entries marked [`Entry::older`] come from, e.g. `2025-09-28`.
    pub older: Option<String>,
    /// How it was made: `nix-index`, `source` or `eval`.
    pub made_by: String,
}

/// One attribute of the package set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The attribute, e.g. `opencv4`.
    pub attribute: String,
    /// Its `pname`, e.g. `opencv`.
    pub pname: String,
    /// Its `version` as nixpkgs writes it; `None` when it could not be read (computed by a
    /// function, for the `source` backend).
    pub version: Option<String>,
    /// Whether it is there for each Python of [`Header::pythons`], in that order.
    pub pythons: Vec<Availability>,
    /// `meta.broken`.
    pub broken: bool,
    /// An unfree licence.
    pub unfree: bool,
    /// Only known from the older evaluation of [`Header::older`]: nixpkgs built it for no
    /// Python at [`Header::date`] (unfree, broken or removed since); its version is the older one.
    pub older: bool,
    /// The Python packages it depends on (`dependencies`, `propagatedBuildInputs`), with
    /// nixpkgs' versions; `None` when unknown.
    pub dependencies: Option<Vec<Dependency>>,
}

/// Whether an attribute is there for one Python.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// Built (nix-index), or evaluates and is not disabled (`eval`, `source`).
    Available,
    /// Disabled for this Python (`disabled = pythonAtLeast "3.14"`, or it throws when evaluated).
    Disabled,
    /// Not built for this Python, reason unknown (nix-index lists built packages only).
    NotBuilt,
    /// Could not be judged (`disabled` is an expression the `source` backend cannot evaluate).
    Unknown,
}

/// One dependency of an entry: a `pname` and, when known, nixpkgs' version of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// The dependency's `pname`, PEP 503 normalized when valid.
    pub name: String,
    /// Its version in nixpkgs, when known.
    pub version: Option<String>,
}

/// An entry of `python-aliases.nix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Alias {
    /// `old = new;`: the attribute was renamed.
    Renamed(String),
    /// `old = throw "...";`: the attribute was removed, with nixpkgs' message.
    Removed(String),
}

impl Snapshot {
    /// An empty snapshot with this header.
    pub fn new(header: Header) -> Self {
        Self {
            header,
            entries: BTreeMap::new(),
            aliases: BTreeMap::new(),
            failures: BTreeMap::new(),
        }
    }

    /// The position of `python` in [`Header::pythons`].
    pub fn python_index(&self, python: PythonVersion) -> Option<usize> {
        self.header
            .pythons
            .iter()
            .position(|known| *known == python)
    }
}
