//! What a plugin request says about the workspace: its target, the plugin's settings, the
//! workspace folder, the pak files' index options and what they ask of a package. Built from a
//! [`Workspace`] so that `megapak plugins call` sends what a solver will send.

use std::collections::BTreeMap;

use megapak_config::Config;
use megapak_plugin_host::abi::serde_json::{Map, Value};
use megapak_plugin_host::abi::wire::{CandidatesQuery, DetailsQuery, IndexHints, Target};
use megapak_requirements::PackageName;
use megapak_solve::{
    direct_reference, index_hints, plugin_settings, plugin_settings_locations, wire_target,
};
use megapak_workspace::Workspace;

/// The parts every request of one plugin shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) target: Target,
    pub(crate) workspace: String,
    pub(crate) settings: Map<String, Value>,
    pub(crate) settings_locations: BTreeMap<String, String>,
    pub(crate) index: IndexHints,
}

impl Shared {
    /// For `plugin`, of a workspace with a configuration: exactly what `megapak resolve` sends
    /// it (the same functions of `megapak-solve` build both).
    pub(crate) fn new(workspace: &Workspace, config: &Config, plugin: &str) -> Self {
        Self {
            target: wire_target(&config.target),
            workspace: workspace.root.display().to_string(),
            settings: plugin_settings(config, plugin),
            settings_locations: plugin_settings_locations(config, plugin),
            index: index_hints(&workspace.packages.index),
        }
    }
}

/// A `candidates` query for `name`, with what the pak files ask of it.
pub(crate) fn candidates_query(workspace: &Workspace, name: &PackageName) -> CandidatesQuery {
    let package = workspace.packages.packages.get(name);
    CandidatesQuery {
        name: name.to_string(),
        specifiers: package
            .filter(|package| !package.specifiers.is_empty())
            .map(|package| package.specifiers.to_string()),
        direct: package.and_then(|package| direct_reference(&package.source)),
    }
}

/// A `details` query for `name` and `version`, with the URL or git source the pak files name.
pub(crate) fn details_query(
    workspace: &Workspace,
    name: &PackageName,
    version: &str,
) -> DetailsQuery {
    DetailsQuery {
        name: name.to_string(),
        version: version.to_owned(),
        direct: workspace
            .packages
            .packages
            .get(name)
            .and_then(|package| direct_reference(&package.source)),
    }
}

#[cfg(test)]
mod tests {
    use megapak_plugin_host::abi::AbiVersion;
    use megapak_plugin_host::abi::wire::CandidatesRequest;
    use megapak_workspace::{Need, Paks, Request};

    use super::*;

    #[test]
    fn a_request_carries_what_the_workspace_says() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("megapak.toml");
        fs_err::write(
            &config,
            "paks = [\"pak.txt\"]\n[target]\npython = \"3.14\"\ntorch = \"2.10\"\n[resolvers]\norder = [\"custom_wheel\"]\n[resolvers.custom_wheel]\nwheels = \"wheels\"\n",
        )
        .unwrap();
        fs_err::write(
            dir.path().join("pak.txt"),
            "--index-url https://mirror.example.invalid/simple\n--pre\ntorch>=2.10,<2.11\nclip @ git+https://github.com/openai/CLIP.git@main#subdirectory=py\nwheel @ https://files.example.invalid/wheel-1-py3-none-any.whl\n",
        )
        .unwrap();
        let workspace = Workspace::load(&Request {
            config: Some(config),
            need: Need::Required,
            paks: Paks::Configured,
        })
        .unwrap();
        let shared = Shared::new(
            &workspace,
            workspace.config.as_ref().unwrap(),
            "custom-wheel",
        );
        let names = ["torch", "clip", "wheel", "numpy"].map(|n| PackageName::new(n).unwrap());
        let request = CandidatesRequest {
            abi: AbiVersion::CURRENT,
            target: shared.target,
            workspace: shared.workspace,
            settings: shared.settings,
            settings_locations: shared.settings_locations,
            index: shared.index,
            offline: false,
            packages: names
                .iter()
                .map(|name| candidates_query(&workspace, name))
                .collect(),
        };
        let json = serde_json::to_string_pretty(&request)
            .unwrap()
            .replace(&dir.path().display().to_string(), "[DIR]");
        insta::assert_snapshot!(json, @r#"
    {
      "abi": {
        "major": 2,
        "minor": 0
      },
      "target": {
        "python": "3.14",
        "system": "x86_64-linux",
        "torch": "2.10"
      },
      "workspace": "[DIR]",
      "settings": {
        "wheels": "wheels"
      },
      "settings_locations": {
        "wheels": "[DIR]/megapak.toml:8"
      },
      "index": {
        "index_url": "https://mirror.example.invalid/simple",
        "pre": true
      },
      "offline": false,
      "packages": [
        {
          "name": "torch",
          "specifiers": ">=2.10, <2.11"
        },
        {
          "name": "clip",
          "direct": {
            "kind": "git",
            "url": "https://github.com/openai/CLIP.git",
            "rev": "main",
            "subdirectory": "py"
          }
        },
        {
          "name": "wheel",
          "direct": {
            "kind": "url",
            "url": "https://files.example.invalid/wheel-1-py3-none-any.whl"
          }
        },
        {
          "name": "numpy"
        }
      ]
    }
    "#);
    }
}
