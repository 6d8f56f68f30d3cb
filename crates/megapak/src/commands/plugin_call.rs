//! `megapak plugins call NAME candidates|details ...`: one call of one plugin, with the
//! workspace's target and settings, its validated answer printed as JSON. How a plugin author
//! (Rust or C) sees their plugin work inside megapak before any solver asks it.

use std::path::PathBuf;

use megapak_plugin_host::abi::AbiVersion;
use megapak_plugin_host::abi::wire::{CandidatesRequest, DetailsRequest};
use megapak_plugin_host::{Plugin, Plugins, folder_list, normalize_name, plugin_file_name};
use megapak_requirements::{InvalidNameError, PackageName};
use megapak_types::Hint;
use megapak_workspace::{Need, Paks, Request, Workspace, WorkspaceError};

use super::hinted;
use super::plugin_request::{Shared, candidates_query, details_query};
use super::plugins::load_checked;
use crate::cli::{PluginCall, PluginCallArgs};
use crate::exit::Outcome;
use crate::output::write_stdout;

/// Why the call could not be made.
#[derive(Debug, thiserror::Error)]
enum CallError {
    #[error(
        "No plugin `{name}` is loaded: no `{file}` in {}",
        folder_list(searched)
    )]
    NotFound {
        name: String,
        file: String,
        searched: Vec<PathBuf>,
    },
    #[error("Plugin `{name}` (`{}`) was refused, so it cannot be called", path.display())]
    Refused { name: String, path: PathBuf },
    #[error("`{name}` has no version: write `{name} VERSION` or `{name}==VERSION`")]
    NoVersion { name: String },
    #[error(transparent)]
    InvalidName(#[from] InvalidNameError),
}

impl Hint for CallError {
    fn hint(&self) -> Option<String> {
        match self {
            Self::NotFound { file, .. } => Some(format!(
                "`megapak plugins` lists the plugins found; put `{file}` in one of those folders, or name its folder in `[plugins] paths` or `MEGAPAK_PLUGIN_PATH`"
            )),
            Self::Refused { .. } => Some("the warning above says why".to_owned()),
            Self::NoVersion { .. } | Self::InvalidName(_) => None,
        }
    }
}

pub(crate) fn run(config: Option<PathBuf>, args: &PluginCallArgs) -> anyhow::Result<Outcome> {
    let workspace = Workspace::load(&Request {
        config,
        need: Need::Required,
        paks: Paks::Configured,
    })
    .map_err(|err| {
        let no_config = matches!(err, WorkspaceError::NoConfig { .. });
        let err = hinted(err);
        if no_config {
            err.context(
                "`megapak plugins call` needs a workspace: a plugin is asked for the `[target]` of its `megapak.toml`",
            )
        } else {
            err
        }
    })?;
    let config = workspace
        .config
        .as_ref()
        .expect("a configuration is required above");
    let plugins = load_checked(Some(config), |_| Ok(()))?;
    let plugin = find(&plugins, &args.name).map_err(hinted)?;
    let shared = Shared::new(&workspace, config, plugin.name());
    let answer = match &args.call {
        PluginCall::Candidates { packages } => {
            let names = names(packages).map_err(hinted)?;
            let request = CandidatesRequest {
                abi: AbiVersion::CURRENT,
                target: shared.target,
                workspace: shared.workspace,
                settings: shared.settings,
                settings_locations: shared.settings_locations,
                index: shared.index,
                offline: args.offline,
                packages: names
                    .iter()
                    .map(|name| candidates_query(&workspace, name))
                    .collect(),
            };
            serde_json::to_string_pretty(&plugin.candidates(&request)?)?
        }
        PluginCall::Details { packages } => {
            let pairs = pairs(packages).map_err(hinted)?;
            let request = DetailsRequest {
                abi: AbiVersion::CURRENT,
                target: shared.target,
                workspace: shared.workspace,
                settings: shared.settings,
                settings_locations: shared.settings_locations,
                index: shared.index,
                offline: args.offline,
                packages: pairs
                    .iter()
                    .map(|(name, version)| details_query(&workspace, name, version))
                    .collect(),
            };
            serde_json::to_string_pretty(&plugin.details(&request)?)?
        }
    };
    write_stdout(&(answer + "\n"))?;
    Ok(Outcome::Success)
}

/// The loaded plugin called `name`, or why there is none.
fn find<'a>(plugins: &'a Plugins, name: &str) -> Result<&'a Plugin, CallError> {
    if let Some(plugin) = plugins.get(name) {
        return Ok(plugin);
    }
    let normalized = normalize_name(name);
    match plugins.refused.iter().find(|r| r.name == normalized) {
        Some(refusal) => Err(CallError::Refused {
            name: refusal.name.clone(),
            path: refusal.path.clone(),
        }),
        None => Err(CallError::NotFound {
            name: name.to_owned(),
            file: plugin_file_name(name),
            searched: plugins.searched().to_vec(),
        }),
    }
}

/// The names, normalized, each once.
fn names(words: &[String]) -> Result<Vec<PackageName>, CallError> {
    let mut names: Vec<PackageName> = Vec::new();
    for word in words {
        let name = PackageName::new(word)?;
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Ok(names)
}

/// `PKG VERSION` pairs and `PKG==VERSION` words, in order.
fn pairs(words: &[String]) -> Result<Vec<(PackageName, String)>, CallError> {
    let mut pairs = Vec::new();
    let mut words = words.iter();
    while let Some(word) = words.next() {
        let (name, version) = match word.split_once("==") {
            Some((name, version)) => (name, version.to_owned()),
            None => match words.next() {
                Some(version) if !version.contains("==") => (word.as_str(), version.clone()),
                _ => {
                    return Err(CallError::NoVersion { name: word.clone() });
                }
            },
        };
        if version.trim().is_empty() {
            return Err(CallError::NoVersion {
                name: name.to_owned(),
            });
        }
        pairs.push((PackageName::new(name.trim())?, version.trim().to_owned()));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn details_take_pairs_and_pinned_words() {
        let pairs = pairs(&words("Torch 2.10.0 numpy==2.1 rust_hello 1.0.0")).unwrap();
        let shown: Vec<String> = pairs.iter().map(|(n, v)| format!("{n} {v}")).collect();
        assert_eq!(shown, ["torch 2.10.0", "numpy 2.1", "rust-hello 1.0.0"]);
        for bad in ["torch", "torch numpy==1", "torch=="] {
            assert_eq!(
                super::pairs(&words(bad)).unwrap_err().to_string(),
                "`torch` has no version: write `torch VERSION` or `torch==VERSION`",
                "{bad}"
            );
        }
    }

    #[test]
    fn candidates_names_are_normalized_once() {
        let names = names(&words("Rust_Hello rust-hello numpy")).unwrap();
        let shown: Vec<&str> = names.iter().map(PackageName::as_str).collect();
        assert_eq!(shown, ["rust-hello", "numpy"]);
        assert!(super::names(&words("-x")).is_err());
    }
}
