//! Reading the Python package lists of a hand-written flake. See the crate docs for the rules.

mod commented_entries;
mod error;
mod flake_packages;
mod item_names;
mod model;
mod package_sets;
mod scope;
mod syntax_error;
#[cfg(test)]
mod tests;

use std::path::Path;

pub use error::FlakeError;
pub use model::{EntryState, FlakeEntry, FlakePackages};

use crate::location::LineIndex;

/// Reads the flake at `path` and returns the Python packages it lists or has commented out.
///
/// # Errors
///
/// [`FlakeError::Read`] if the file cannot be read, [`FlakeError::Parse`] if it is not valid Nix.
pub fn read_flake_packages(path: &Path) -> Result<FlakePackages, FlakeError> {
    let text = fs_err::read_to_string(path).map_err(|source| FlakeError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_flake_packages(&text, path)
}

/// Like [`read_flake_packages`] for a flake already in memory; `path` is only used to name the
/// file in locations and errors.
///
/// # Errors
///
/// [`FlakeError::Parse`] for the first syntax error in `text`.
///
/// # Example
///
/// ```
/// use std::path::Path;
/// use megapak_nix::read::{parse_flake_packages, EntryState};
///
/// let flake = "python3.withPackages (ps: with ps; [\n  numpy\n  # onnx  # TODO: check\n])";
/// let packages = parse_flake_packages(flake, Path::new("flake.nix"))?;
/// let names: Vec<_> = packages.entries.iter().map(|e| (e.attr.as_str(), e.state)).collect();
/// assert_eq!(names, [("numpy", EntryState::Listed), ("onnx", EntryState::CommentedOut)]);
/// assert_eq!(packages.entries[1].note.as_deref(), Some("TODO: check"));
/// assert_eq!(packages.entries[1].location.to_string(), "flake.nix:3:5");
/// # Ok::<(), megapak_nix::read::FlakeError>(())
/// ```
pub fn parse_flake_packages(text: &str, path: &Path) -> Result<FlakePackages, FlakeError> {
    let parse = rnix::Root::parse(text);
    let root = parse.syntax();
    let index = LineIndex::new(text, path);
    if let Some(error) = parse.errors().first() {
        return Err(syntax_error::syntax_error(error, &root, &index));
    }
    Ok(FlakePackages {
        path: path.to_path_buf(),
        entries: flake_packages::find_entries(&root, &index),
    })
}
