//! Reading the Python package lists of a hand-written flake. See the crate docs for the rules.

mod commented_entries;
mod error;
mod flake_packages;
mod item_names;
mod limits;
mod model;
mod package_sets;
mod scope;
mod syntax_error;
#[cfg(test)]
mod tests;

use std::path::Path;

pub use error::FlakeError;
pub use limits::{DEFAULT_MAX_FLAKE_SIZE, MAX_FILE_SIZE_VARIABLE, MAX_NESTING};
pub use model::{EntryState, FlakeEntry, FlakePackages};

pub(crate) use limits::on_parser_stack;

use crate::location::LineIndex;

/// Reads the flake at `path` and returns the Python packages it lists or has commented out.
///
/// # Errors
///
/// [`FlakeError::Read`] if the file cannot be read, [`FlakeError::Parse`] if it is not valid Nix.
pub fn read_flake_packages(path: &Path) -> Result<FlakePackages, FlakeError> {
    let bytes =
        limits::read_capped(path, limits::max_file_size()).map_err(|source| FlakeError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    parse_flake_packages(&limits::utf8(bytes, path)?, path)
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
    let index = LineIndex::new(text, path);
    limits::check_nesting(text, &index)?;
    // The tree is built, walked and dropped on a stack of known size.
    let entries = on_parser_stack(|| {
        let parse = rnix::Root::parse(text);
        let root = parse.syntax();
        match parse.errors().first() {
            Some(error) => Err(syntax_error::syntax_error(error, &root, &index)),
            None => Ok(flake_packages::find_entries(&root, &index)),
        }
    })?;
    Ok(FlakePackages {
        path: path.to_path_buf(),
        entries,
    })
}
