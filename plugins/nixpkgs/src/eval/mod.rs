//! The `eval` backend (authoritative): one `nix-instantiate` evaluation of the nixpkgs the user
//! pins (`path`, or the `nixpkgs` input of the workspace's `flake.lock`) for every attribute of
//! `python3XXPackages`: `pname`, `version`, `meta.broken`, `meta.unfree`, whether it evaluates
//! for this Python and system, and the `pname`/`version` of its Python dependencies.
//!
//! Cached per nixpkgs content (see `cache.rs`). An attribute whose error `tryEval` cannot catch
//! fails the whole evaluation; the set is then evaluated in halves until each such attribute
//! is alone, and it is reported while the rest answer.
//!
//! Real nixpkgs needs Nix 2.18 or later; the tests use Debian's `nix-bin` (Nix 2.8) on small
//! nixpkgs-shaped trees it can evaluate.

mod cache;
mod expression;
pub mod flake_lock;
mod nix;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use expression::{expression, names_expression, read_output};
pub use flake_lock::{Locked, read_flake_lock};

use crate::python::PythonVersion;
use crate::snapshot::{Entry, Header, Snapshot};
use crate::source::{PYTHON_ALIASES, check_tree, read_aliases};

/// The nixpkgs to evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Nixpkgs {
    /// A tree on this machine.
    Tree(PathBuf),
    /// A `flake.lock` input.
    Locked(Locked),
}

/// Why an evaluation failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// No `nix-instantiate` on `PATH`.
    #[error(
        "The `eval` backend needs Nix (`nix-instantiate`), which is not on `PATH`; the `index` backend (the default) and the `source` backend need no Nix"
    )]
    NoNix,
    /// The nixpkgs tree is not one.
    #[error(transparent)]
    NotNixpkgs(#[from] crate::source::SourceError),
    /// `flake.lock` cannot be read or has no usable `nixpkgs` input.
    #[error("`{path}` gives no nixpkgs to evaluate: {message}")]
    FlakeLock {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// Nix failed on the set as a whole (before any one attribute).
    #[error("Nix could not evaluate `{set}` of {nixpkgs}: {message}")]
    Nix {
        /// `python314Packages`.
        set: String,
        /// The nixpkgs, in words.
        nixpkgs: String,
        /// Nix's message.
        message: String,
    },
    /// The pinned nixpkgs would have to be fetched, and the request is offline.
    #[error("Evaluating {nixpkgs} needs to fetch it, and megapak runs offline")]
    Offline {
        /// The nixpkgs, in words.
        nixpkgs: String,
    },
    /// A temporary file could not be written.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl Nixpkgs {
    /// The nixpkgs a `path` setting names: a nixpkgs tree, or a `flake.lock` (`from_workspace`:
    /// the workspace's, when `path` is not set).
    pub fn from_setting(path: &Path, from_workspace: bool) -> Result<Self, EvalError> {
        let is_lock = path.file_name().is_some_and(|name| name == "flake.lock");
        if !is_lock {
            check_tree(path)?;
            return Ok(Nixpkgs::Tree(path.to_path_buf()));
        }
        let text = std::fs::read_to_string(path).map_err(|error| EvalError::FlakeLock {
            path: path.to_path_buf(),
            message: if from_workspace && error.kind() == std::io::ErrorKind::NotFound {
                "it does not exist; set `path` in `[resolvers.nixpkgs]` to a nixpkgs tree"
                    .to_owned()
            } else {
                error.to_string()
            },
        })?;
        let locked = read_flake_lock(&text).map_err(|message| EvalError::FlakeLock {
            path: path.to_path_buf(),
            message,
        })?;
        Ok(Nixpkgs::Locked(locked))
    }

    fn expression(&self) -> String {
        match self {
            Nixpkgs::Tree(path) => {
                let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
                format!(
                    "/. + {}",
                    flake_lock::nix_string(&absolute.to_string_lossy())
                )
            }
            Nixpkgs::Locked(locked) => locked.expression.clone(),
        }
    }

    fn description(&self) -> String {
        match self {
            Nixpkgs::Tree(path) => format!("nixpkgs at `{}`", path.display()),
            Nixpkgs::Locked(locked) => format!("nixpkgs `{}`", locked.description),
        }
    }

    /// What names its content, and whether its cache must check stamps.
    fn identity(&self) -> (String, bool) {
        match self {
            Nixpkgs::Tree(path) => cache::tree_identity(path),
            Nixpkgs::Locked(locked) => (locked.key.clone(), false),
        }
    }
}

/// The default cache folder: `$XDG_CACHE_HOME/megapak`, else `~/.cache/megapak`.
pub fn default_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("megapak"))
}

/// Evaluates `nixpkgs`' `python3XXPackages` for `python` and `system`; with `cache`, reads and
/// writes the cache there. `offline`: a `flake.lock` input that would have to be fetched is an
/// [`EvalError::Offline`] unless the cache has it.
pub fn evaluate(
    nixpkgs: &Nixpkgs,
    python: PythonVersion,
    system: &str,
    cache: Option<&Path>,
    offline: bool,
) -> Result<Snapshot, EvalError> {
    let (identity, stamped) = nixpkgs.identity();
    let root = match nixpkgs {
        Nixpkgs::Tree(root) if stamped => Some(root.as_path()),
        _ => None,
    };
    let cache_file = cache.map(|folder| cache::cache_file(folder, &identity, python, system));
    if let Some(snapshot) = cache_file
        .as_deref()
        .and_then(|file| cache::read(file, root))
    {
        return Ok(snapshot);
    }
    if offline
        && let Nixpkgs::Locked(locked) = nixpkgs
        && locked.fetches
    {
        return Err(EvalError::Offline {
            nixpkgs: nixpkgs.description(),
        });
    }
    let nix =
        nix::find_nix_instantiate(std::env::var_os("PATH").as_deref()).ok_or(EvalError::NoNix)?;
    // Stamped before evaluating: an edit during the evaluation makes the cache stale, not wrong.
    let stamps = root.map(cache::Stamps::of_tree).unwrap_or_default();
    let snapshot = evaluate_with(&nix, nixpkgs, python, system)?;
    if let Some(file) = &cache_file {
        cache::write(file, &snapshot, &stamps);
    }
    Ok(snapshot)
}

/// [`evaluate`] without the cache, with this `nix-instantiate`.
pub fn evaluate_with(
    nix: &Path,
    nixpkgs: &Nixpkgs,
    python: PythonVersion,
    system: &str,
) -> Result<Snapshot, EvalError> {
    let set = python.packages_attribute();
    let source = nixpkgs.expression();
    let folder = tempfile::Builder::new()
        .prefix("megapak-nixpkgs-")
        .tempdir()?;
    let run = |text: String| -> Result<String, String> {
        let file = folder.path().join("eval.nix");
        std::fs::write(&file, text).map_err(|e| e.to_string())?;
        nix::eval_json(nix, &file, matches!(nixpkgs, Nixpkgs::Tree(_)))
    };
    let mut snapshot = Snapshot::new(Header {
        revision: nixpkgs.description(),
        date: None,
        system: system.to_owned(),
        pythons: vec![python],
        dependencies: true,
        older: None,
        made_by: "eval".to_owned(),
    });
    let whole = run(expression(&source, python, system, None));
    let result = match whole {
        Ok(json) => read_output(&json).map(|entries| snapshot.entries = entries),
        Err(whole_error) => {
            // One attribute (or more) fails beyond `tryEval`: list the names, then isolate them.
            let names_json = run(names_expression(&source, python, system)).map_err(|message| {
                EvalError::Nix {
                    set: set.clone(),
                    nixpkgs: nixpkgs.description(),
                    message: if message.is_empty() {
                        whole_error
                    } else {
                        message
                    },
                }
            })?;
            let names: Vec<String> =
                serde_json::from_str(&names_json).map_err(|e| EvalError::Nix {
                    set: set.clone(),
                    nixpkgs: nixpkgs.description(),
                    message: e.to_string(),
                })?;
            let mut entries = BTreeMap::new();
            bisect(
                &names,
                &mut |part| run(expression(&source, python, system, Some(part))),
                &mut entries,
                &mut snapshot.failures,
            );
            snapshot.entries = entries;
            Ok(())
        }
    };
    drop(folder);
    result.map_err(|message| EvalError::Nix {
        set,
        nixpkgs: nixpkgs.description(),
        message,
    })?;
    if let Nixpkgs::Tree(root) = nixpkgs {
        let aliases = root.join(PYTHON_ALIASES);
        if let Ok(text) = std::fs::read_to_string(&aliases) {
            snapshot.aliases = read_aliases(&text).unwrap_or_default();
        }
    }
    Ok(snapshot)
}

/// Evaluates `names` in halves until every attribute that fails the evaluation is alone.
fn bisect(
    names: &[String],
    run: &mut dyn FnMut(&[String]) -> Result<String, String>,
    entries: &mut BTreeMap<String, Entry>,
    failures: &mut BTreeMap<String, String>,
) {
    if names.is_empty() {
        return;
    }
    match run(names).and_then(|json| read_output(&json)) {
        Ok(found) => entries.extend(found),
        Err(message) if names.len() == 1 => {
            failures.insert(names[0].clone(), message);
        }
        Err(_) => {
            let (left, right) = names.split_at(names.len() / 2);
            bisect(left, run, entries, failures);
            bisect(right, run, entries, failures);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_nix_names_the_backends_that_need_none() {
        assert_eq!(
            nix::find_nix_instantiate(Some(std::ffi::OsStr::new(""))),
            None
        );
        insta::assert_snapshot!(EvalError::NoNix, @"The `eval` backend needs Nix (`nix-instantiate`), which is not on `PATH`; the `index` backend (the default) and the `source` backend need no Nix");
    }

    #[test]
    fn bisection_isolates_the_attributes_that_fail() {
        let names: Vec<String> = ["a", "b", "bad", "c", "d", "worse"]
            .map(String::from)
            .into();
        let mut calls = 0;
        let mut run = |part: &[String]| {
            calls += 1;
            if let Some(bad) = part
                .iter()
                .find(|n| n.starts_with("bad") || n.starts_with("worse"))
            {
                return Err(format!("{bad} failed"));
            }
            let fields: Vec<String> = part
                .iter()
                .map(|n| format!("\"{n}\": {{\"pname\": \"{n}\", \"version\": \"1\"}}"))
                .collect();
            Ok(format!("{{{}}}", fields.join(",")))
        };
        let (mut entries, mut failures) = (BTreeMap::new(), BTreeMap::new());
        bisect(&names, &mut run, &mut entries, &mut failures);
        assert_eq!(entries.keys().collect::<Vec<_>>(), ["a", "b", "c", "d"]);
        assert_eq!(failures["bad"], "bad failed");
        assert_eq!(failures["worse"], "worse failed");
        assert!(calls <= 12, "{calls} evaluations");
    }
}
