//! Loading every plugin on the search path: each file is loaded, version-checked and asked to
//! describe itself; a file that fails is refused and skipped, never fatal by itself.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use megapak_plugin_abi::AbiVersion;
use megapak_plugin_abi::wire::{
    CandidatesRequest, CandidatesResponse, Description, DetailsRequest, DetailsResponse,
};

use megapak_types::Hint;

use crate::breadcrumb;
use crate::calls::PluginCalls;
use crate::error::{HostError, LoadError, PluginError};
use crate::library;
use crate::search::{self, Origin, SearchPath, SearchWarning};

/// What to load.
#[derive(Debug, Clone, Default)]
pub struct HostOptions {
    /// The folders to search.
    pub search: SearchPath,
    /// Plugin names that must load (`[plugins] required`); without one the run cannot go on.
    pub required: Vec<String>,
}

/// A loaded plugin that passed the handshake.
#[derive(Debug)]
pub struct Plugin {
    name: String,
    path: PathBuf,
    origin: Origin,
    description: Description,
    calls: PluginCalls<'static>,
}

impl Plugin {
    /// The plugin's name, from its file name (`-` for `_`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The plugin file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Which search folder it was found through.
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// What it said about itself.
    pub fn description(&self) -> &Description {
        &self.description
    }

    /// The ABI version it was built against, from its table.
    pub fn abi(&self) -> AbiVersion {
        self.calls.abi()
    }

    /// Asks which versions of the request's packages the plugin can supply.
    pub fn candidates(
        &self,
        request: &CandidatesRequest,
    ) -> Result<CandidatesResponse, PluginError> {
        let names = request.packages.iter().map(|package| package.name.as_str());
        let _step = self.record(&format!("during `candidates` for {}", listed(names)));
        self.calls
            .candidates(request)
            .map_err(|cause| self.error(cause))
    }

    /// Asks for the source, dependencies and notes of the request's name and version pairs.
    pub fn details(&self, request: &DetailsRequest) -> Result<DetailsResponse, PluginError> {
        let pairs: Vec<String> = request
            .packages
            .iter()
            .map(|package| format!("{} {}", package.name, package.version))
            .collect();
        let _step = self.record(&format!(
            "during `details` for {}",
            listed(pairs.iter().map(String::as_str))
        ));
        self.calls
            .details(request)
            .map_err(|cause| self.error(cause))
    }

    fn record(&self, step: &str) -> breadcrumb::Breadcrumb {
        breadcrumb::record(&aborted_during(&self.name, &self.path, step))
    }

    fn error(&self, cause: crate::CallError) -> PluginError {
        PluginError {
            name: self.name.clone(),
            path: self.path.clone(),
            cause,
        }
    }
}

impl Hint for Refusal {
    fn hint(&self) -> Option<String> {
        self.reason.hint()
    }
}

/// A plugin file that was refused at load time.
#[derive(Debug, thiserror::Error)]
#[error("Plugin `{name}` (`{}`) {reason}", path.display())]
pub struct Refusal {
    /// The plugin name its file name gives.
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// Which search folder it was found through.
    pub origin: Origin,
    /// The ABI version its table declares, when it got that far.
    pub abi: Option<AbiVersion>,
    /// Why it was refused.
    pub reason: LoadError,
}

/// Everything found on the search path: the plugins that loaded, the files refused, the
/// folders that could not be searched.
#[derive(Debug)]
pub struct Plugins {
    /// Loaded plugins, in search order.
    pub loaded: Vec<Plugin>,
    /// Refused files, in search order.
    pub refused: Vec<Refusal>,
    /// Folders that could not be searched.
    pub warnings: Vec<SearchWarning>,
    required: Vec<String>,
    searched: Vec<PathBuf>,
}

impl Plugins {
    /// Finds and loads every plugin. Never fails as a whole: problems are recorded, and
    /// [`Plugins::ensure_usable`] says whether the run can go on.
    pub fn load(options: &HostOptions) -> Self {
        let (found, warnings) = search::discover(&options.search);
        let mut loaded = Vec::new();
        let mut refused = Vec::new();
        let mut first_by_name: HashMap<String, PathBuf> = HashMap::new();
        for file in found {
            let refuse = |reason, abi| Refusal {
                name: file.name.clone(),
                path: file.path.clone(),
                origin: file.origin,
                abi,
                reason,
            };
            if let Some(first) = first_by_name.get(&file.name) {
                refused.push(refuse(
                    LoadError::Duplicate {
                        first: first.clone(),
                    },
                    None,
                ));
                continue;
            }
            first_by_name.insert(file.name.clone(), file.path.clone());
            match handshake(&file.name, &file.path) {
                Ok((calls, description)) => loaded.push(Plugin {
                    name: file.name,
                    path: file.path,
                    origin: file.origin,
                    description,
                    calls,
                }),
                Err((reason, abi)) => refused.push(refuse(reason, abi)),
            }
        }
        Self {
            loaded,
            refused,
            warnings,
            required: options
                .required
                .iter()
                .map(|name| search::normalize_name(name))
                .collect(),
            searched: options
                .search
                .folders()
                .iter()
                .map(|folder| folder.path.clone())
                .collect(),
        }
    }

    /// The loaded plugin called `name` (`-` and `_` alike).
    pub fn get(&self, name: &str) -> Option<&Plugin> {
        let name = search::normalize_name(name);
        self.loaded.iter().find(|plugin| plugin.name == name)
    }

    /// The folders searched, in order.
    pub fn searched(&self) -> &[PathBuf] {
        &self.searched
    }

    /// The names among `names` for which no plugin file was found at all: neither loaded nor
    /// refused (`-` and `_` alike).
    pub fn not_found<'a>(&self, names: &'a [String]) -> Vec<&'a str> {
        names
            .iter()
            .filter(|name| {
                let normalized = search::normalize_name(name);
                self.get(name).is_none()
                    && !self
                        .refused
                        .iter()
                        .any(|refusal| refusal.name == normalized)
            })
            .map(String::as_str)
            .collect()
    }

    /// Whether a refusal makes the run stop: a required plugin, or a duplicate name.
    pub fn is_fatal(&self, refusal: &Refusal) -> bool {
        matches!(refusal.reason, LoadError::Duplicate { .. })
            || self.required.contains(&refusal.name)
    }

    /// `Ok` when the run can go on: no two plugins share a name and every required plugin
    /// loaded. Other refusals are for the caller to show as warnings.
    pub fn ensure_usable(&self) -> Result<(), HostError> {
        for refusal in &self.refused {
            if let LoadError::Duplicate { first } = &refusal.reason {
                return Err(HostError::DuplicateName {
                    name: refusal.name.clone(),
                    first: first.clone(),
                    second: refusal.path.clone(),
                });
            }
        }
        for name in &self.required {
            if self.get(name).is_some() {
                continue;
            }
            if let Some(refusal) = self.refused.iter().find(|refusal| &refusal.name == name) {
                return Err(HostError::RequiredRefused {
                    name: name.clone(),
                    path: refusal.path.clone(),
                    reason: refusal.reason.to_string(),
                    hint: refusal.reason.hint(),
                });
            }
            return Err(HostError::RequiredMissing {
                name: name.clone(),
                file: search::plugin_file_name(name),
                searched: self.searched.clone(),
            });
        }
        Ok(())
    }
}

/// Loads one file and asks it to describe itself; on failure, also the ABI it declared if any.
fn handshake(
    name: &str,
    path: &Path,
) -> Result<(PluginCalls<'static>, Description), (LoadError, Option<AbiVersion>)> {
    let calls = library::open(name, path).map_err(|reason| {
        let abi = match &reason {
            LoadError::AbiMismatch { plugin, .. } => Some(*plugin),
            _ => None,
        };
        (reason, abi)
    })?;
    let abi = Some(calls.abi());
    let step = breadcrumb::record(&aborted_during(name, path, "during `describe`"));
    let description = calls
        .describe()
        .map_err(|err| (LoadError::Describe(err), abi))?;
    drop(step);
    if search::normalize_name(&description.name) != name {
        return Err((
            LoadError::NameMismatch {
                declared: description.name,
                expected: name.to_owned(),
            },
            abi,
        ));
    }
    Ok((calls, description))
}

/// The breadcrumb of a step: what megapak prints if the plugin aborts the process in it.
pub(crate) fn aborted_during(name: &str, path: &Path, step: &str) -> String {
    format!(
        "plugin `{name}` (`{}`) aborted the process {step}",
        path.display()
    )
}

/// Up to three names in backticks, then how many more.
fn listed<'a>(names: impl ExactSizeIterator<Item = &'a str>) -> String {
    let count = names.len();
    let shown: Vec<String> = names.take(3).map(|name| format!("`{name}`")).collect();
    match count {
        0 => "no package".to_owned(),
        1..=3 => shown.join(", "),
        _ => format!("{} and {} more", shown.join(", "), count - 3),
    }
}

impl fmt::Display for Plugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` (`{}`)", self.name, self.path.display())
    }
}
