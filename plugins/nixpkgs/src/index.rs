//! Making a snapshot from a nixpkgs tree, for `megapak nixpkgs-index --nixpkgs PATH -o FILE`:
//! the binary calls [`build_snapshot`] and [`Snapshot::write`]; `[resolvers.nixpkgs] index =
//! "FILE"` then reads it. Unlike the embedded snapshot, one made here has dependency lists.

use std::path::Path;

use crate::eval::{EvalError, Nixpkgs, evaluate};
use crate::python::PythonVersion;
use crate::snapshot::{Availability, Entry, Header, Snapshot};
use crate::source::{SourceError, read_tree};

pub use crate::snapshot::Snapshot as IndexSnapshot;

/// How to read the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexBackend {
    /// With Nix (authoritative).
    Eval,
    /// As syntax, no Nix needed.
    Source,
}

/// Why no snapshot could be made.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The `source` backend failed.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The `eval` backend failed.
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// No Python was asked for.
    #[error("No Python to index: name at least one, e.g. `3.14`")]
    NoPython,
}

/// Reads the Python sets of the nixpkgs tree `nixpkgs` for each of `pythons` (e.g. `3.14`,
/// `3.13`) on `system`, with `backend`, into one snapshot. Attributes a Python lacks are
/// [`Availability::NotBuilt`] there; `pname`, version and dependencies are those of the first
/// Python for which it is available.
pub fn build_snapshot(
    nixpkgs: &Path,
    backend: IndexBackend,
    pythons: &[PythonVersion],
    system: &str,
) -> Result<Snapshot, BuildError> {
    if pythons.is_empty() {
        return Err(BuildError::NoPython);
    }
    let mut readings = Vec::with_capacity(pythons.len());
    for python in pythons {
        readings.push(match backend {
            IndexBackend::Source => read_tree(nixpkgs, *python, system)?,
            IndexBackend::Eval => evaluate(
                &Nixpkgs::from_setting(nixpkgs, false)?,
                *python,
                system,
                None,
                false,
            )?,
        });
    }
    let first = readings.first().ok_or(BuildError::NoPython)?;
    let mut merged = Snapshot::new(Header {
        revision: first.header.revision.clone(),
        date: None,
        system: system.to_owned(),
        pythons: pythons.to_vec(),
        dependencies: true,
        older: None,
        made_by: first.header.made_by.clone(),
    });
    merged.aliases = first.aliases.clone();
    for (index, reading) in readings.iter().enumerate() {
        for (attribute, entry) in &reading.entries {
            let merged_entry = merged.entries.entry(attribute.clone()).or_insert_with(|| {
                let mut fresh = entry.clone();
                fresh.pythons = vec![Availability::NotBuilt; pythons.len()];
                fresh
            });
            // A Python where the attribute is disabled may not know its version (Nix throws
            // before giving it): take the facts of the first Python that has it.
            let had_it = merged_entry.pythons.contains(&Availability::Available);
            if !had_it && entry.pythons[0] == Availability::Available {
                let pythons = std::mem::take(&mut merged_entry.pythons);
                *merged_entry = Entry {
                    pythons,
                    ..entry.clone()
                };
            }
            merged_entry.pythons[index] = entry.pythons[0];
        }
        for (attribute, message) in &reading.failures {
            if !merged.entries.contains_key(attribute) {
                merged
                    .failures
                    .entry(attribute.clone())
                    .or_insert_with(|| message.clone());
            }
        }
    }
    let entries = &merged.entries;
    merged
        .failures
        .retain(|attribute, _| !entries.contains_key(attribute));
    Ok(merged)
}

impl megapak_types::Hint for BuildError {
    fn hint(&self) -> Option<String> {
        match self {
            BuildError::Source(error) => error.hint(),
            BuildError::Eval(error) => error.hint(),
            BuildError::NoPython => None,
        }
    }
}

impl megapak_types::Hint for SourceError {
    fn hint(&self) -> Option<String> {
        match self {
            SourceError::NotNixpkgs(_) => Some(
                "name the root of a nixpkgs checkout: the folder that has `pkgs/top-level`"
                    .to_owned(),
            ),
            SourceError::Io(_) | SourceError::Unreadable { .. } => None,
        }
    }
}

impl megapak_types::Hint for EvalError {
    fn hint(&self) -> Option<String> {
        match self {
            EvalError::NoNix => Some(
                "install Nix (2.18 or later for current nixpkgs), or read the tree with the `source` backend".to_owned(),
            ),
            EvalError::NotNixpkgs(error) => error.hint(),
            EvalError::Nix { .. } => Some(
                "current nixpkgs needs Nix 2.18 or later: `nix-instantiate --version` shows this machine's; the `source` backend needs no Nix".to_owned(),
            ),
            EvalError::FlakeLock { .. } | EvalError::Io(_) | EvalError::Offline { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use megapak_types::Hint;

    use super::*;

    #[test]
    fn a_tree_that_is_not_nixpkgs_gets_a_hint() {
        let folder = tempfile::tempdir().unwrap();
        let python = "3.14".parse().unwrap();
        let error = build_snapshot(
            folder.path(),
            IndexBackend::Source,
            &[python],
            "x86_64-linux",
        )
        .unwrap_err();
        assert!(
            error
                .to_string()
                .ends_with("is not a nixpkgs tree: it has no `pkgs/top-level/python-packages.nix`")
        );
        assert_eq!(
            error.hint().as_deref(),
            Some("name the root of a nixpkgs checkout: the folder that has `pkgs/top-level`")
        );
        let none = build_snapshot(folder.path(), IndexBackend::Source, &[], "x86_64-linux");
        assert!(matches!(none, Err(BuildError::NoPython)));
    }
}
