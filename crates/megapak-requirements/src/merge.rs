//! Many requirements files to one package set: one package per normalized name.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;

use pep440_rs::VersionSpecifiers;
use pep508_rs::{MarkerEnvironment, MarkerTree};
use serde::Serialize;
use thiserror::Error;

use crate::entry::{Entry, EntrySource, VcsSource, serialize_display, serialize_marker};
use crate::error::{SyntaxError, snippet};
use crate::file::RequirementsFile;
use crate::index::IndexOptions;
use megapak_types::PackageName;
use megapak_types::{Hint, Location};

/// Distinct markers of one package united into [`MergedPackage::marker`]. Each new
/// variable deepens `pep508_rs`'s decision diagram (and its recursion), and the union costs
/// quadratic time: real files have a few.
const MAX_MARKERS: usize = 32;

/// The packages of several requirements files, one per normalized name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PackageSet {
    /// The required packages.
    pub packages: BTreeMap<PackageName, MergedPackage>,
    /// The `-c` constraints, merged the same way; they are not packages to install.
    pub constraints: BTreeMap<PackageName, MergedPackage>,
    /// The index options of all files.
    pub index: IndexOptions,
}

impl PackageSet {
    /// Packages to take from an index, by name.
    pub fn registry_packages(&self) -> impl Iterator<Item = &MergedPackage> {
        self.packages
            .values()
            .filter(|package| package.source == PackageSource::Registry)
    }

    /// Packages to take from a URL or a VCS checkout, by name.
    pub fn vcs_or_url_packages(&self) -> impl Iterator<Item = &MergedPackage> {
        self.packages
            .values()
            .filter(|package| package.is_vcs_or_url())
    }
}

/// All entries of one name, merged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergedPackage {
    /// The normalized name.
    pub name: PackageName,
    /// Every spelling of the name that was written.
    pub spellings: BTreeSet<String>,
    /// An index, or the one URL/VCS source its entries name.
    pub source: PackageSource,
    /// The union of the entries' extras.
    pub extras: BTreeSet<String>,
    /// The intersection of the entries' version specifiers: all of them, concatenated.
    #[serde(serialize_with = "serialize_display")]
    pub specifiers: VersionSpecifiers,
    /// `None` when some entry applies unconditionally (or [`merge_for_environment`] evaluated
    /// the markers), else the disjunction of the entries' markers.
    #[serde(serialize_with = "serialize_marker")]
    pub marker: Option<MarkerTree>,
    /// The union of the entries' `--hash` values.
    pub hashes: BTreeSet<String>,
    /// The entries' `--config-settings` values (`KEY=VALUE`), in reading order, each once.
    pub config_settings: Vec<String>,
    /// The entries' `--global-option` values, in reading order, each once.
    pub global_options: Vec<String>,
    /// Some entry was given with `-e`.
    pub editable: bool,
    /// Where each entry was written, in reading order.
    pub locations: Vec<Location>,
}

impl MergedPackage {
    /// Whether the package comes from a URL or a VCS checkout rather than an index.
    pub fn is_vcs_or_url(&self) -> bool {
        self.source != PackageSource::Registry
    }
}

/// Where a merged package comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PackageSource {
    /// A package index.
    Registry,
    /// An archive at a URL.
    DirectUrl {
        /// The URL.
        url: String,
    },
    /// A VCS checkout.
    Vcs(VcsSource),
}

impl fmt::Display for PackageSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Registry => f.write_str("the package index"),
            Self::DirectUrl { url } => f.write_str(url),
            Self::Vcs(vcs) => write!(f, "{vcs}"),
        }
    }
}

/// Two entries of one package that cannot both hold, as written and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    /// The package.
    pub name: PackageName,
    /// The entry (or source) read first.
    pub first: String,
    /// Where it was written.
    pub first_location: Location,
    /// The entry (or source) read second.
    pub second: String,
    /// Where it was written.
    pub second_location: Location,
}

/// The files cannot be merged.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum MergeError {
    /// Two different URLs or VCS sources for one package.
    #[error(
        "Package `{}` has two sources: `{}` at {} and `{}` at {}",
        conflict.name, conflict.first, conflict.first_location, conflict.second, conflict.second_location
    )]
    ConflictingSources {
        /// The two sources.
        conflict: Box<Conflict>,
    },
    /// Too many entries of one package with different markers to unite them.
    #[error(
        "{location}: Package `{name}` has more than {MAX_MARKERS} entries with different markers"
    )]
    TooManyMarkers {
        /// The package.
        name: PackageName,
        /// The first entry over the limit.
        location: Box<Location>,
    },
    /// Two files set different index URLs.
    #[error("{location}: {error}")]
    IndexOptions {
        /// Where the second value is written.
        location: Box<Location>,
        /// What conflicts.
        error: SyntaxError,
    },
}

impl MergeError {
    /// Whether the error would not arise with markers evaluated for one target environment
    /// first ([`merge_for_environment`]).
    pub fn needs_a_target(&self) -> bool {
        matches!(self, Self::TooManyMarkers { .. })
    }
}

impl Hint for MergeError {
    /// The obvious next step, if there is one, to print as a `hint:` line.
    fn hint(&self) -> Option<String> {
        match self {
            Self::TooManyMarkers { .. } => {
                Some("Merge for one target environment so markers are evaluated first".to_string())
            }
            Self::ConflictingSources { .. } => {
                Some("Remove or change one of the two lines".to_string())
            }
            Self::IndexOptions { .. } => None,
        }
    }
}

/// Merges the entries of `files` (and separately their constraints) by normalized name:
/// extras are united, specifiers intersected, markers kept (see [`MergedPackage::marker`]).
/// Different URL/VCS sources of one name are an error naming the places; whether the
/// specifiers meet is the solver's to judge. Markers are not evaluated: use
/// [`merge_for_environment`] to drop entries whose markers do not hold first.
pub fn merge(files: &[RequirementsFile]) -> Result<PackageSet, MergeError> {
    merge_where(files, |_| true, false)
}

/// Like [`merge`], but entries whose markers do not hold in `env` are left out.
pub fn merge_for_environment(
    files: &[RequirementsFile],
    env: &MarkerEnvironment,
) -> Result<PackageSet, MergeError> {
    merge_where(files, |entry| entry.applies_to(env), true)
}

/// Merges the entries `keep` accepts; with `evaluated`, markers were evaluated and are not
/// kept.
fn merge_where(
    files: &[RequirementsFile],
    keep: impl Fn(&Entry) -> bool,
    evaluated: bool,
) -> Result<PackageSet, MergeError> {
    let mut index = IndexOptions::default();
    for file in files {
        index
            .extend(&file.index)
            .map_err(|(location, error)| MergeError::IndexOptions {
                location: Box::new(location),
                error,
            })?;
    }
    let packages = group(files.iter().flat_map(|file| &file.entries), &keep);
    let constraints = group(files.iter().flat_map(|file| &file.constraints), &keep);

    let merge_all = |groups: BTreeMap<&PackageName, Vec<&Entry>>| {
        groups
            .into_iter()
            .map(|(name, entries)| Ok((name.clone(), merge_entries(&entries, evaluated)?)))
            .collect::<Result<BTreeMap<_, _>, MergeError>>()
    };
    Ok(PackageSet {
        packages: merge_all(packages)?,
        constraints: merge_all(constraints)?,
        index,
    })
}

/// Entries by name, in reading order.
fn group<'a>(
    entries: impl Iterator<Item = &'a Entry>,
    keep: &impl Fn(&Entry) -> bool,
) -> BTreeMap<&'a PackageName, Vec<&'a Entry>> {
    let mut groups: BTreeMap<&PackageName, Vec<&Entry>> = BTreeMap::new();
    for entry in entries.filter(|entry| keep(entry)) {
        groups.entry(&entry.name).or_default().push(entry);
    }
    groups
}

/// Merges the (non-empty) entries of one name.
fn merge_entries(entries: &[&Entry], evaluated: bool) -> Result<MergedPackage, MergeError> {
    let first = entries[0];
    let mut package = MergedPackage {
        name: first.name.clone(),
        spellings: BTreeSet::new(),
        source: PackageSource::Registry,
        extras: BTreeSet::new(),
        specifiers: VersionSpecifiers::empty(),
        marker: None,
        hashes: BTreeSet::new(),
        config_settings: Vec::new(),
        global_options: Vec::new(),
        editable: false,
        locations: Vec::with_capacity(entries.len()),
    };
    let mut specifiers = Vec::new();
    let mut source_entry: Option<&Entry> = None;
    // Distinct markers, until an entry without one makes the package unconditional.
    let mut markers: Option<HashSet<&MarkerTree>> = (!evaluated).then(HashSet::new);
    for &entry in entries {
        let source = match &entry.source {
            EntrySource::Registry { specifiers: these } => {
                specifiers.extend(these.iter().cloned());
                None
            }
            EntrySource::DirectUrl { url } => Some(PackageSource::DirectUrl { url: url.clone() }),
            EntrySource::Vcs(vcs) => Some(PackageSource::Vcs(vcs.clone())),
        };
        if let Some(source) = source {
            match source_entry {
                Some(previous) if package.source != source => {
                    return Err(MergeError::ConflictingSources {
                        conflict: Box::new(Conflict {
                            name: package.name,
                            first: snippet(&package.source.to_string()),
                            first_location: previous.location.clone(),
                            second: snippet(&source.to_string()),
                            second_location: entry.location.clone(),
                        }),
                    });
                }
                Some(_) => {}
                None => {
                    package.source = source;
                    source_entry = Some(entry);
                }
            }
        }
        match (&mut markers, &entry.marker) {
            (Some(markers), Some(marker)) => {
                if markers.insert(marker) && markers.len() > MAX_MARKERS {
                    return Err(MergeError::TooManyMarkers {
                        name: package.name,
                        location: Box::new(entry.location.clone()),
                    });
                }
            }
            (_, None) => markers = None,
            (None, Some(_)) => {}
        }
        package.spellings.insert(entry.spelling.clone());
        package.extras.extend(entry.extras.iter().cloned());
        package.hashes.extend(entry.hashes.iter().cloned());
        package
            .config_settings
            .extend(entry.config_settings.iter().cloned());
        package
            .global_options
            .extend(entry.global_options.iter().cloned());
        package.editable |= entry.editable;
        package.locations.push(entry.location.clone());
    }
    for values in [&mut package.config_settings, &mut package.global_options] {
        let mut seen = HashSet::new();
        values.retain(|value| seen.insert(value.clone()));
    }
    package.specifiers = specifiers.into_iter().collect();
    package.marker = markers.map(|markers| {
        let mut union = MarkerTree::FALSE;
        for marker in markers {
            union.or(marker.clone());
        }
        union
    });
    Ok(package)
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;
