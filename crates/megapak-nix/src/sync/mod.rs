//! Bringing a hand-written flake in line with the packages a lock provides.
//!
//! Users who keep their own `flake.nix` (a `python.withPackages (ps: with ps; [ ... ])` list with
//! `# onnx  # TODO: check if available` lines) do not want it regenerated: they want the lines
//! the lock now answers for turned on, and nothing else touched. [`plan_sync`] reads the flake
//! with [`read`](crate::read), matches its entries with the wanted packages, and makes the
//! fewest edits:
//!
//! - a **commented-out entry** of a wanted package (`# onnx  # TODO: check if available`) is
//!   uncommented in place (`onnx`); a note that is a to-do (`TODO`, `FIXME`, `check ...`) goes
//!   with it, any other note stays as a comment;
//! - a wanted package the flake does not mention is **added** to its main Python package list
//!   (the list that holds most entries), before its closing `]`, in the style of that list (bare
//!   `decord` under `with ps;`, or `ps.decord`), under one `# Added by megapak sync` line;
//! - a package that is already listed is left alone, and so is every entry the lock does not
//!   know (reported as only in the flake).
//!
//! Every other byte stays as it was: edits are splices of the original text, and the result is
//! parsed again to prove it is still Nix and now lists every wanted package.

mod edit;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};

use megapak_types::PackageName;

use crate::Location;
use crate::read::{EntryState, FlakeEntry, FlakeError, parse_flake_packages};

/// A package the flake should list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    /// The PEP 503 name.
    pub name: PackageName,
    /// The attribute of the Python package set to list: nixpkgs' own (`opencv4`) or the name
    /// megapak's overlay defines.
    pub attribute: String,
    /// Where it comes from, for the report: `nixpkgs 4.12.0`, `pypi 0.6.0`.
    pub provided_by: String,
}

/// What [`plan_sync`] would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncPlan {
    /// The edits, in file order.
    pub edits: Vec<SyncEdit>,
    /// The flake's text with every edit applied (the input text when there is none).
    pub text: String,
    /// Wanted packages the flake already lists.
    pub already_listed: usize,
    /// Entries of the flake that no wanted package matches, listed or commented out.
    pub only_in_flake: Vec<FlakeEntry>,
    /// Wanted packages commented out where no edit can reach them (inside a `/* */` block).
    pub left_for_you: Vec<(Wanted, Location)>,
}

impl SyncPlan {
    /// Whether the flake already lists every wanted package.
    pub fn is_in_sync(&self) -> bool {
        self.edits.is_empty() && self.left_for_you.is_empty()
    }
}

/// One change to the flake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncEdit {
    /// A commented-out entry turned on.
    Uncomment {
        /// The package.
        wanted: Wanted,
        /// Where the comment was.
        location: Location,
        /// The line as it was, trimmed.
        before: String,
        /// The line as it is now, trimmed.
        after: String,
    },
    /// An entry added to a list.
    Add {
        /// The package.
        wanted: Wanted,
        /// The text added, trimmed.
        written: String,
        /// Where it was added, in the new text.
        location: Location,
    },
}

impl fmt::Display for SyncEdit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Uncomment {
                wanted,
                location,
                before,
                after,
            } => write!(
                f,
                "{location}: uncommented `{}` ({}): `{before}` -> `{after}`",
                wanted.name, wanted.provided_by
            ),
            Self::Add {
                wanted,
                written,
                location,
            } => write!(
                f,
                "{location}: added `{written}` for `{}` ({})",
                wanted.name, wanted.provided_by
            ),
        }
    }
}

/// Why a flake cannot be synced.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The flake cannot be read or parsed.
    #[error(transparent)]
    Flake(#[from] FlakeError),
    /// Packages must be added, but the flake has no Python package list.
    #[error("`{}` has no Python package list to add packages to", path.display())]
    NoPackageList {
        /// The flake.
        path: PathBuf,
    },
    /// The edited text did not read back as it should: a bug in megapak, never written.
    #[error("Editing the flake went wrong, so nothing was written: {detail}")]
    Broke {
        /// What was wrong with the result.
        detail: String,
    },
}

impl megapak_types::Hint for SyncError {
    fn hint(&self) -> Option<String> {
        match self {
            Self::Flake(_) => None,
            Self::NoPackageList { .. } => Some(
                "add a list such as `python.withPackages (ps: with ps; [ ])` and run `megapak sync` again"
                    .to_owned(),
            ),
            Self::Broke { .. } => {
                Some("this is a bug in megapak; please report it with the flake".to_owned())
            }
        }
    }
}

/// Plans the edits that make the flake `text` (read from `path`) list every `wanted` package.
///
/// # Errors
///
/// [`SyncError`] when the flake does not parse, has no Python package list to add to while
/// something must be added, or (a bug) the edited text does not read back right.
pub fn plan_sync(text: &str, path: &Path, wanted: &[Wanted]) -> Result<SyncPlan, SyncError> {
    let packages = parse_flake_packages(text, path)?;
    let mut uncomment = Vec::new();
    let mut add = Vec::new();
    let mut already_listed = 0;
    let mut left_for_you = Vec::new();
    for want in wanted {
        let matching: Vec<&FlakeEntry> = packages
            .entries
            .iter()
            .filter(|entry| entry_matches(entry, want))
            .collect();
        if matching
            .iter()
            .any(|entry| entry.state == EntryState::Listed)
        {
            already_listed += 1;
        } else if let Some(entry) = matching.first() {
            match edit::comment_line(text, &entry.location) {
                Some(line) => uncomment.push((want.clone(), (*entry).clone(), line)),
                None => left_for_you.push((want.clone(), entry.location.clone())),
            }
        } else {
            add.push(want.clone());
        }
    }
    let only_in_flake = packages
        .entries
        .iter()
        .filter(|entry| !wanted.iter().any(|want| entry_matches(entry, want)))
        .cloned()
        .collect();
    let (text, edits) = edit::apply(text, path, &packages.entries, uncomment, add)?;
    Ok(SyncPlan {
        edits,
        text,
        already_listed,
        only_in_flake,
        left_for_you,
    })
}

/// An entry stands for a wanted package when its attribute is the package's attribute, or
/// names the same package once both are PEP 503 normalized (`GitPython` and `gitpython`).
fn entry_matches(entry: &FlakeEntry, want: &Wanted) -> bool {
    entry.attr == want.attribute
        || PackageName::new(&entry.attr).is_ok_and(|name| name == want.name)
}
