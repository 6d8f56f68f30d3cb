//! A loaded resolver plugin as a [`Provider`]: the request context (target, workspace folder,
//! the plugin's settings, the pak files' index options, offline) is the same for every call of
//! one solve, so it is kept here and each call only adds the packages.

use std::collections::BTreeMap;
use std::path::Path;

use megapak_config::{Config, Override, Target};
use megapak_plugin_abi::AbiVersion;
use megapak_plugin_abi::wire::{
    self, CandidatesAnswer, CandidatesQuery, CandidatesRequest, DetailsAnswer, DetailsQuery,
    DetailsRequest, IndexHints,
};
use megapak_plugin_host::Plugin;
use megapak_requirements::IndexOptions;

use crate::provider::{Provider, ProviderError};

/// The key under which a plugin's settings carry the `[[override]] attr` values meant for it:
/// `"attributes": {"torch": "torchWithCuda"}` (PEP 503 name to nixpkgs attribute).
pub const ATTRIBUTES_SETTING: &str = "attributes";

/// What every request of one solve shares.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// What the image is built for.
    pub target: wire::Target,
    /// The workspace folder (the folder of `megapak.toml`), absolute.
    pub workspace: String,
    /// The pak files' index options.
    pub index: IndexHints,
    /// Answer without the network.
    pub offline: bool,
}

impl RequestContext {
    /// The context of a workspace: its target, its folder, the pak files' index options.
    pub fn new(config: &Config, index: &IndexOptions, offline: bool) -> Self {
        let workspace = config
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        Self {
            target: wire_target(&config.target),
            workspace: workspace.display().to_string(),
            index: index_hints(index),
            offline,
        }
    }
}

/// The wire's [`wire::Target`] of a `[target]`.
pub fn wire_target(target: &Target) -> wire::Target {
    wire::Target {
        python: target.python.clone(),
        system: target.system.clone(),
        cuda: target.cuda.clone(),
        torch: target.torch.clone(),
    }
}

/// The wire's [`IndexHints`] of the pak files' index options.
pub fn index_hints(index: &IndexOptions) -> IndexHints {
    IndexHints {
        index_url: index.index_url.as_ref().map(|url| url.value.clone()),
        extra_index_urls: index
            .extra_index_urls
            .iter()
            .map(|url| url.value.clone())
            .collect(),
        find_links: index
            .find_links
            .iter()
            .map(|url| url.value.clone())
            .collect(),
        no_index: index.no_index,
        pre: index.pre,
    }
}

/// Where each part of plugin `name`'s settings was written: `"wheel[1]"` ->
/// `"megapak.toml:14"` (the configuration as the user named it).
pub fn plugin_settings_locations(config: &Config, name: &str) -> BTreeMap<String, String> {
    let plugin = megapak_plugin_host::normalize_name(name);
    config
        .resolvers
        .settings_lines
        .iter()
        .find(|(key, _)| megapak_plugin_host::normalize_name(key) == plugin)
        .map(|(_, lines)| {
            lines
                .iter()
                .map(|(path, line)| (path.clone(), format!("{}:{line}", config.path.display())))
                .collect()
        })
        .unwrap_or_default()
}

/// The settings handed to plugin `name`: its `[resolvers.<name>]` table as JSON, plus
/// [`ATTRIBUTES_SETTING`] with the `[[override]] attr` values of the overrides that name this
/// provider, or name none when this is the `nixpkgs` plugin (an attribute is a nixpkgs
/// notion). A table that already has an `attributes` key keeps it, extended.
pub fn plugin_settings(config: &Config, name: &str) -> serde_json::Map<String, serde_json::Value> {
    // `[resolvers.custom_wheel]` configures the plugin `custom-wheel`: `-` and `_` alike.
    let plugin = megapak_plugin_host::normalize_name(name);
    let table = config
        .resolvers
        .settings
        .iter()
        .find(|(key, _)| megapak_plugin_host::normalize_name(key) == plugin)
        .map(|(_, table)| table);
    let mut settings = table.map(table_to_json).unwrap_or_default();
    let attributes: Vec<&Override> = config
        .overrides
        .iter()
        .filter(|o| o.attr.is_some())
        .filter(|o| match &o.provider {
            Some(provider) => megapak_plugin_host::normalize_name(provider) == plugin,
            None => plugin == "nixpkgs",
        })
        .collect();
    if !attributes.is_empty() {
        let entry = settings
            .entry(ATTRIBUTES_SETTING)
            .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
        if let serde_json::Value::Object(map) = entry {
            for o in attributes {
                if let Some(attr) = &o.attr {
                    map.insert(o.package.clone(), serde_json::Value::String(attr.clone()));
                }
            }
        }
    }
    settings
}

/// A loaded plugin with the context of one solve.
#[derive(Debug)]
pub struct PluginProvider<'p> {
    plugin: &'p Plugin,
    context: RequestContext,
    settings: serde_json::Map<String, serde_json::Value>,
    settings_locations: BTreeMap<String, String>,
}

impl<'p> PluginProvider<'p> {
    /// `plugin`, asked with `context` and its own `settings` (see [`plugin_settings`]).
    pub fn new(
        plugin: &'p Plugin,
        context: RequestContext,
        settings: serde_json::Map<String, serde_json::Value>,
    ) -> Self {
        Self {
            plugin,
            context,
            settings,
            settings_locations: BTreeMap::new(),
        }
    }

    /// With where its settings were written (see [`plugin_settings_locations`]), so that the
    /// plugin's messages can name `megapak.toml:LINE`.
    #[must_use]
    pub fn with_settings_locations(mut self, locations: BTreeMap<String, String>) -> Self {
        self.settings_locations = locations;
        self
    }
}

impl Provider for PluginProvider<'_> {
    fn name(&self) -> &str {
        self.plugin.name()
    }

    fn candidates(
        &self,
        queries: &[CandidatesQuery],
    ) -> Result<Vec<CandidatesAnswer>, ProviderError> {
        let request = CandidatesRequest {
            abi: AbiVersion::CURRENT,
            target: self.context.target.clone(),
            workspace: self.context.workspace.clone(),
            settings: self.settings.clone(),
            settings_locations: self.settings_locations.clone(),
            index: self.context.index.clone(),
            offline: self.context.offline,
            packages: queries.to_vec(),
        };
        self.plugin
            .candidates(&request)
            .map(|response| response.packages)
            .map_err(|error| ProviderError::new(error.to_string()))
    }

    fn details(&self, queries: &[DetailsQuery]) -> Result<Vec<DetailsAnswer>, ProviderError> {
        let request = DetailsRequest {
            abi: AbiVersion::CURRENT,
            target: self.context.target.clone(),
            workspace: self.context.workspace.clone(),
            settings: self.settings.clone(),
            settings_locations: self.settings_locations.clone(),
            index: self.context.index.clone(),
            offline: self.context.offline,
            packages: queries.to_vec(),
        };
        self.plugin
            .details(&request)
            .map(|response| response.packages)
            .map_err(|error| ProviderError::new(error.to_string()))
    }
}

fn table_to_json(table: &toml::Table) -> serde_json::Map<String, serde_json::Value> {
    table
        .iter()
        .map(|(key, value)| (key.clone(), toml_to_json(value)))
        .collect()
}

/// TOML's values have JSON counterparts, except dates and times (sent as their TOML text) and
/// floats JSON cannot write (`nan`, `inf`: sent as their TOML text too).
fn toml_to_json(value: &toml::Value) -> serde_json::Value {
    use serde_json::{Number, Value};
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

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::table_to_json;

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
