//! What a plugin request says about the workspace: its target, the plugin's settings, the
//! workspace folder, the pak files' index options and what they ask of a package. Built from a
//! [`Workspace`] so that `megapak plugins call` sends what a solver will send.

use megapak_config::Config;
use megapak_plugin_host::abi::serde_json::{Map, Number, Value};
use megapak_plugin_host::abi::wire::{
    CandidatesQuery, DetailsQuery, DirectReference, IndexHints, Target,
};
use megapak_plugin_host::normalize_name;
use megapak_requirements::{IndexOptions, MergedPackage, PackageName, PackageSource, VcsKind};
use megapak_workspace::Workspace;

/// The parts every request of one plugin shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) target: Target,
    pub(crate) workspace: String,
    pub(crate) settings: Map<String, Value>,
    pub(crate) index: IndexHints,
}

impl Shared {
    /// For `plugin`, of a workspace with a configuration.
    pub(crate) fn new(workspace: &Workspace, config: &Config, plugin: &str) -> Self {
        Self {
            target: target(config),
            workspace: workspace.root.display().to_string(),
            settings: settings(config, plugin),
            index: index(&workspace.packages.index),
        }
    }
}

/// `[target]` as the wire has it.
fn target(config: &Config) -> Target {
    let target = &config.target;
    Target {
        python: target.python.clone(),
        system: target.system.clone(),
        cuda: target.cuda.clone(),
        torch: target.torch.clone(),
    }
}

/// The plugin's `[resolvers.NAME]` table (`-` and `_` alike in the name), as JSON.
fn settings(config: &Config, plugin: &str) -> Map<String, Value> {
    let plugin = normalize_name(plugin);
    config
        .resolvers
        .settings
        .iter()
        .find(|(name, _)| normalize_name(name) == plugin)
        .map(|(_, table)| table_to_json(table))
        .unwrap_or_default()
}

fn table_to_json(table: &toml::Table) -> Map<String, Value> {
    table
        .iter()
        .map(|(key, value)| (key.clone(), toml_to_json(value)))
        .collect()
}

/// TOML's values have JSON counterparts, except dates and times (sent as their TOML text)
/// and floats JSON cannot write (`nan`, `inf`: sent as their TOML text too).
fn toml_to_json(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(text) => Value::String(text.clone()),
        toml::Value::Integer(number) => Value::Number((*number).into()),
        toml::Value::Float(number) => Number::from_f64(*number)
            .map_or_else(|| Value::String(value.to_string()), Value::Number),
        toml::Value::Boolean(flag) => Value::Bool(*flag),
        toml::Value::Datetime(datetime) => Value::String(datetime.to_string()),
        toml::Value::Array(values) => Value::Array(values.iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => Value::Object(table_to_json(table)),
    }
}

/// The pak files' index options.
fn index(options: &IndexOptions) -> IndexHints {
    IndexHints {
        index_url: options.index_url.as_ref().map(|url| url.value.clone()),
        extra_index_urls: options
            .extra_index_urls
            .iter()
            .map(|url| url.value.clone())
            .collect(),
        find_links: options
            .find_links
            .iter()
            .map(|link| link.value.clone())
            .collect(),
        no_index: options.no_index,
        pre: options.pre,
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
        direct: package.and_then(direct),
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
        direct: workspace.packages.packages.get(name).and_then(direct),
    }
}

/// The URL or git source of a package; none for an index package, or another VCS than git
/// (the wire has no kind for it).
fn direct(package: &MergedPackage) -> Option<DirectReference> {
    match &package.source {
        PackageSource::Registry => None,
        PackageSource::DirectUrl { url } => Some(DirectReference::Url { url: url.clone() }),
        PackageSource::Vcs(vcs) if vcs.vcs == VcsKind::Git => Some(DirectReference::Git {
            url: vcs.url.clone(),
            rev: vcs.rev.clone(),
            subdirectory: vcs.subdirectory.clone(),
        }),
        PackageSource::Vcs(_) => None,
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

    #[test]
    fn toml_settings_become_json() {
        let table: toml::Table = toml::from_str(
            "url = \"https://x\"\ncount = 3\nratio = 0.5\nodd = nan\non = true\nwhen = 1979-05-27\nlist = [1, \"a\"]\n[nested]\nkey = \"v\"\n",
        )
        .unwrap();
        let json = Value::Object(table_to_json(&table));
        assert_eq!(
            json.to_string(),
            r#"{"count":3,"list":[1,"a"],"nested":{"key":"v"},"odd":"nan","on":true,"ratio":0.5,"url":"https://x","when":"1979-05-27"}"#
        );
    }
}
