//! The `source` backend: nixpkgs read as Nix syntax with rnix, no Nix needed.
//!
//! It reads `pkgs/top-level/python-packages.nix` (which file defines each attribute),
//! `python-aliases.nix`, and every package file it names, in parallel: attribute, `pname`,
//! `version`, `disabled = pythonOlder/pythonAtLeast …` judged for the target's Python, the
//! `dependencies`/`propagatedBuildInputs` lists, `meta.broken` and an unfree licence. Where
//! reading cannot know something (a version computed by a function) the snapshot says so;
//! a file it cannot find or read is a failure of that attribute, not of the whole reading.

mod aliases;
mod package_file;
pub(crate) mod syntax;
mod top_level;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

pub(crate) use aliases::read_aliases;
use package_file::{Facts, Tri, read_package};
pub(crate) use top_level::{Definition, read_definitions};

use crate::python::PythonVersion;
use crate::snapshot::{Availability, Dependency, Entry, Header, Snapshot};

/// `python-packages.nix`, relative to the root of a nixpkgs tree.
pub const PYTHON_PACKAGES: &str = "pkgs/top-level/python-packages.nix";
/// `python-aliases.nix`, relative to the root of a nixpkgs tree.
pub const PYTHON_ALIASES: &str = "pkgs/top-level/python-aliases.nix";

/// A nixpkgs tree that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The path is not a nixpkgs tree.
    #[error("`{0}` is not a nixpkgs tree: it has no `pkgs/top-level/python-packages.nix`")]
    NotNixpkgs(PathBuf),
    /// A file every reading needs could not be read.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// `python-packages.nix` or `python-aliases.nix` is not what nixpkgs has.
    #[error("`{path}` cannot be read: {message}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
}

/// Checks that `root` is a nixpkgs tree.
pub fn check_tree(root: &Path) -> Result<(), SourceError> {
    if root.join(PYTHON_PACKAGES).is_file() {
        Ok(())
    } else {
        Err(SourceError::NotNixpkgs(root.to_path_buf()))
    }
}

/// Reads the Python set of the nixpkgs tree at `root` for `python`.
pub fn read_tree(
    root: &Path,
    python: PythonVersion,
    system: &str,
) -> Result<Snapshot, SourceError> {
    check_tree(root)?;
    let packages_path = root.join(PYTHON_PACKAGES);
    let text = fs_err::read_to_string(&packages_path)?;
    let folder = packages_path.parent().unwrap_or(root);
    let definitions = on_parse_stack(|| read_definitions(&text, folder)).map_err(|message| {
        SourceError::Unreadable {
            path: packages_path.clone(),
            message,
        }
    })?;

    let mut snapshot = Snapshot::new(Header {
        revision: format!("nixpkgs at `{}`", root.display()),
        date: None,
        system: system.to_owned(),
        pythons: vec![python],
        dependencies: true,
        older: None,
        made_by: "source".to_owned(),
    });
    let aliases_path = root.join(PYTHON_ALIASES);
    if aliases_path.is_file() {
        let text = fs_err::read_to_string(&aliases_path)?;
        snapshot.aliases =
            on_parse_stack(|| read_aliases(&text)).map_err(|message| SourceError::Unreadable {
                path: aliases_path,
                message,
            })?;
    }

    let files: Vec<&Path> = {
        let mut files: Vec<&Path> = definitions
            .iter()
            .filter_map(|(_, definition)| match definition {
                Definition::File(file) => Some(file.as_path()),
                _ => None,
            })
            .collect();
        files.sort_unstable();
        files.dedup();
        files
    };
    let facts = read_files(&files, python, root);

    // Facts per attribute: from its file, or from the attribute it is like.
    let definitions: BTreeMap<&str, &Definition> = definitions
        .iter()
        .map(|(name, d)| (name.as_str(), d))
        .collect();
    let mut resolved: BTreeMap<&str, Result<&Facts, String>> = BTreeMap::new();
    for name in definitions.keys() {
        resolved.insert(name, facts_of(name, &definitions, &facts));
    }
    for (name, result) in &resolved {
        match result {
            Ok(facts) => {
                let entry = entry(name, facts, &resolved);
                snapshot.entries.insert((*name).to_owned(), entry);
            }
            Err(message) => {
                snapshot
                    .failures
                    .insert((*name).to_owned(), message.clone());
            }
        }
    }
    Ok(snapshot)
}

/// The stack of a thread that parses Nix: rnix and the readers here recurse once per level of
/// nesting, and a file nested deeper than a default thread's stack allows must fail as a file,
/// not take megapak down.
const PARSE_STACK: usize = 64 << 20;

/// Runs `parse` on a thread with [`PARSE_STACK`].
fn on_parse_stack<T: Send>(parse: impl FnOnce() -> Result<T, String> + Send) -> Result<T, String> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(PARSE_STACK)
            .spawn_scoped(scope, parse)
            .map_err(|error| format!("No thread to parse on: {error}"))?
            .join()
            .unwrap_or_else(|_| Err("Reading it failed".to_owned()))
    })
}

/// Reads every package file, on as many threads as the machine has.
fn read_files<'p>(
    files: &[&'p Path],
    python: PythonVersion,
    root: &Path,
) -> HashMap<&'p Path, Result<Facts, String>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(16);
    let chunk = files.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                std::thread::Builder::new()
                    .stack_size(PARSE_STACK)
                    .spawn_scoped(scope, move || {
                        part.iter()
                            .map(|path| (*path, read_file(path, python, root)))
                            .collect::<Vec<_>>()
                    })
            })
            .collect();
        // A worker that could not start or panicked leaves its files unread: each of their
        // attributes is then a failure, not the whole reading.
        workers
            .into_iter()
            .filter_map(Result::ok)
            .flat_map(|worker| worker.join().unwrap_or_default())
            .collect()
    })
}

fn read_file(path: &Path, python: PythonVersion, root: &Path) -> Result<Facts, String> {
    let shown = path.strip_prefix(root).unwrap_or(path);
    let shown = normalize_path(shown);
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!("`{shown}` does not exist"));
        }
        Err(error) => return Err(format!("`{shown}` cannot be read: {error}")),
    };
    read_package(&text, python).map_err(|message| format!("`{shown}`: {message}"))
}

/// `pkgs/top-level/../development/x` as `pkgs/development/x`.
pub(crate) fn normalize_path(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir if parts.last().is_some_and(|p| p != "..") => {
                parts.pop();
            }
            std::path::Component::CurDir => {}
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    parts.join("/")
}

/// The facts of attribute `name`, following `Like` definitions (a few hops at most).
fn facts_of<'f>(
    name: &str,
    definitions: &BTreeMap<&str, &Definition>,
    facts: &'f HashMap<&Path, Result<Facts, String>>,
) -> Result<&'f Facts, String> {
    let mut current = name.to_owned();
    for _ in 0..8 {
        match definitions.get(current.as_str()) {
            Some(Definition::File(file)) => {
                return facts.get(file.as_path()).map_or_else(
                    || Err("Not read".to_owned()),
                    |r| r.as_ref().map_err(Clone::clone),
                );
            }
            Some(Definition::Like(other)) => current = other.clone(),
            Some(Definition::Outside(text)) => {
                return Err(format!(
                    "It is defined outside the Python set (`{text}`), which the `source` backend does not read; the `eval` backend can"
                ));
            }
            None => {
                return Err(format!(
                    "It is defined as `{current}`, which the Python set lacks"
                ));
            }
        }
    }
    Err("Its definition refers to itself".to_owned())
}

fn entry(name: &str, facts: &Facts, all: &BTreeMap<&str, Result<&Facts, String>>) -> Entry {
    let availability = match facts.disabled {
        Tri::False => Availability::Available,
        Tri::True => Availability::Disabled,
        Tri::Unknown => Availability::Unknown,
    };
    let dependencies = facts
        .dependencies
        .iter()
        .filter_map(|dep| {
            let Ok(facts) = all.get(dep.as_str())? else {
                return None;
            };
            Some(Dependency {
                name: facts.pname.clone().unwrap_or_else(|| dep.clone()),
                version: facts.version.clone(),
            })
        })
        .collect();
    Entry {
        attribute: name.to_owned(),
        pname: facts.pname.clone().unwrap_or_else(|| name.to_owned()),
        version: facts.version.clone(),
        pythons: vec![availability],
        broken: facts.broken,
        unfree: facts.unfree,
        older: false,
        dependencies: Some(dependencies),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deeply_nested_file_fails_as_a_file() {
        let nested = |depth: usize| {
            format!(
                "{{ buildPythonPackage }}: buildPythonPackage {{ pname = \"x\"; version = \"1\"; disabled = {}true{}; }}",
                "(".repeat(depth),
                ")".repeat(depth)
            )
        };
        let python = "3.14".parse().unwrap();
        let facts = on_parse_stack(|| read_package(&nested(200), python)).unwrap();
        assert_eq!(facts.disabled, Tri::True);
        let deep = nested(20_000);
        let error = on_parse_stack(|| read_package(&deep, python)).unwrap_err();
        assert_eq!(error, "Syntax error: recursion limit exceeded");
    }
}
