//! What reading a flake produces: plain data, no behaviour beyond formatting.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use crate::Location;

/// The Python packages a flake lists or has commented out, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlakePackages {
    /// The flake, as the caller named it.
    pub path: PathBuf,
    /// Every entry of every Python package list, in the order they appear in the file.
    pub entries: Vec<FlakeEntry>,
}

impl FlakePackages {
    /// The entries that are listed (not commented out).
    pub fn listed(&self) -> impl Iterator<Item = &FlakeEntry> {
        self.entries
            .iter()
            .filter(|entry| entry.state == EntryState::Listed)
    }

    /// The entries that are commented out.
    pub fn commented_out(&self) -> impl Iterator<Item = &FlakeEntry> {
        self.entries
            .iter()
            .filter(|entry| entry.state == EntryState::CommentedOut)
    }
}

/// One package in a Python package list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlakeEntry {
    /// The attribute name as written, quotes removed: `torch`, `opencv-python`, `GitPython`. Not
    /// normalized: compare with PEP 503 normalization.
    pub attr: String,
    /// The set it is taken from as written: `ps` for `ps.torch`, `python314Packages` for a bare
    /// `torch` under `with python314Packages;`, `customPythonPackages`,
    /// `pkgs.python3Packages`. `None` for a bare name with no Python `with` around it.
    pub set: Option<String>,
    /// Listed, or commented out.
    pub state: EntryState,
    /// For a commented-out entry, the comment after its name (`TODO: check if available`); for
    /// a listed one, a comment after it on the same line (`pinned by nixpkgs`).
    pub note: Option<String>,
    /// Where the entry starts: the item in the list, or the name inside the comment.
    pub location: Location,
}

/// Whether an entry is in effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryState {
    /// An item of the list.
    Listed,
    /// A comment inside the list that names a package (`# onnx  # TODO: check if available`).
    CommentedOut,
}

impl fmt::Display for EntryState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Listed => "listed",
            Self::CommentedOut => "commented-out",
        })
    }
}

impl fmt::Display for FlakeEntry {
    /// `location state set.attr`, then `  # note` if there is one:
    /// `flake.nix:12:5 commented-out ps.onnx  # TODO: check if available`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ", self.location, self.state)?;
        if let Some(set) = &self.set {
            write!(f, "{set}.")?;
        }
        f.write_str(&self.attr)?;
        if let Some(note) = &self.note {
            write!(f, "  # {note}")?;
        }
        Ok(())
    }
}
