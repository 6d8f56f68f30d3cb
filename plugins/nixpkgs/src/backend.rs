//! Loading the catalog a request needs, once per process where that is safe: the embedded
//! snapshot once; a snapshot file again when it changed on disk; a `source` reading per tree and
//! Python; an `eval` per tree and Python (its disk cache makes a new process fast).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use megapak_plugin_abi::wire::Target;

use crate::catalog::Catalog;
use crate::python::PythonVersion;
use crate::settings::{Backend, Settings};
use crate::snapshot::Snapshot;
use crate::{embedded, eval, source};

/// Why no catalog could be loaded.
#[derive(Debug)]
pub(crate) enum LoadError {
    /// The whole call fails, with this message.
    Failed(String),
    /// The answer needs the network and the request is offline: every package is `offline`.
    Offline(String),
}

impl From<String> for LoadError {
    fn from(message: String) -> Self {
        LoadError::Failed(message)
    }
}

/// The catalogs loaded so far.
#[derive(Debug, Default)]
pub(crate) struct Catalogs {
    loaded: Mutex<HashMap<Key, (Stamp, Arc<Catalog>)>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    backend: Backend,
    path: PathBuf,
    python: PythonVersion,
    system: String,
}

/// When a snapshot file was read: its modification time and length.
type Stamp = Option<(SystemTime, u64)>;

impl Catalogs {
    /// The catalog for `settings` and `target`.
    pub(crate) fn load(
        &self,
        settings: &Settings,
        target: &Target,
        python: PythonVersion,
        workspace: &Path,
        offline: bool,
    ) -> Result<Arc<Catalog>, LoadError> {
        let path = match settings.backend {
            Backend::Index => match &settings.index {
                None => return Ok(embedded::catalog()),
                Some(index) => index.clone(),
            },
            Backend::Source => settings.path.clone().ok_or_else(|| {
                "The `source` backend needs `path` in `[resolvers.nixpkgs]`: the nixpkgs tree to read".to_owned()
            })?,
            Backend::Eval => match &settings.path {
                Some(path) => path.clone(),
                None => workspace.join("flake.lock"),
            },
        };
        let key = Key {
            backend: settings.backend,
            path: path.clone(),
            python,
            system: target.system.clone(),
        };
        let stamp = match settings.backend {
            Backend::Index => stamp(&path),
            Backend::Source | Backend::Eval => None,
        };
        let mut loaded = self
            .loaded
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((seen, catalog)) = loaded.get(&key)
            && *seen == stamp
        {
            return Ok(catalog.clone());
        }
        let snapshot = match settings.backend {
            Backend::Index => Snapshot::read(&path).map_err(|error| error.to_string())?,
            Backend::Source => {
                source::read_tree(&path, python, &target.system).map_err(|e| e.to_string())?
            }
            Backend::Eval => {
                let pinned = eval::Nixpkgs::from_setting(&path, settings.path.is_none())
                    .map_err(|e| e.to_string())?;
                let cache = settings.cache.clone().or_else(eval::default_cache_dir);
                match eval::evaluate(&pinned, python, &target.system, cache.as_deref(), offline) {
                    Ok(snapshot) => snapshot,
                    Err(error @ eval::EvalError::Offline { .. }) => {
                        return Err(LoadError::Offline(error.to_string()));
                    }
                    Err(error) => return Err(LoadError::Failed(error.to_string())),
                }
            }
        };
        let catalog = Arc::new(Catalog::new(snapshot));
        loaded.insert(key, (stamp, catalog.clone()));
        Ok(catalog)
    }
}

fn stamp(path: &Path) -> Stamp {
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.modified().ok()?, metadata.len()))
}
