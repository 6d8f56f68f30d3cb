//! The validated configuration, with every path made absolute.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// A loaded and validated `megapak.toml`.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The configuration file itself.
    pub path: PathBuf,
    /// What the image is built for.
    pub target: Target,
    /// The pak files, resolved against the configuration file's folder, in the order given.
    pub paks: Vec<Pak>,
    /// Where resolver plugins come from.
    pub plugins: PluginsConfig,
    /// Which resolvers run, in which order, with what settings.
    pub resolvers: ResolversConfig,
    /// Per-package decisions that override the resolvers.
    pub overrides: Vec<Override>,
}

/// One entry of `paks = [...]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pak {
    /// The pak file, resolved against the configuration file's folder.
    pub path: PathBuf,
    /// The 1-based line of `megapak.toml` that names it, for messages.
    pub line: usize,
}

/// `[target]`: the Python, CUDA, torch and Nix system the image is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `MAJOR.MINOR`, e.g. `3.14`.
    pub python: String,
    /// `MAJOR.MINOR`, e.g. `13.0`; `None` for a CPU-only image.
    pub cuda: Option<String>,
    /// A PEP 440 version such as `2.10` or `2.10.0`.
    pub torch: Option<String>,
    /// The Nix system, e.g. `x86_64-linux`.
    pub system: String,
}

/// `[plugins]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PluginsConfig {
    /// Extra folders searched for `libmegapak_plugin_<name>.so`, made absolute.
    pub paths: Vec<PathBuf>,
    /// Plugins that must load; without them megapak stops.
    pub required: Vec<String>,
}

/// `[resolvers]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolversConfig {
    /// Resolver plugin names, the first one asked first.
    pub order: Vec<String>,
    /// `[resolvers.<name>]` tables, kept as opaque TOML for the plugin.
    pub settings: BTreeMap<String, toml::Table>,
    /// Where each part of those tables was written: resolver name -> path (`wheel[1]`,
    /// `wheel[1].url`, array elements numbered from 0) -> 1-based line of `megapak.toml`.
    pub settings_lines: BTreeMap<String, BTreeMap<String, usize>>,
}

impl Default for ResolversConfig {
    fn default() -> Self {
        Self {
            order: crate::DEFAULT_RESOLVER_ORDER.map(str::to_owned).to_vec(),
            settings: BTreeMap::new(),
            settings_lines: BTreeMap::new(),
        }
    }
}

/// One `[[override]]` entry: what to do with one package, whatever the resolvers say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// The package's PEP 503 normalized name.
    pub package: String,
    /// Resolve this package only through this resolver.
    pub provider: Option<String>,
    /// Use this nixpkgs attribute (e.g. `torchWithCuda`).
    pub attr: Option<String>,
    /// Use exactly this version.
    pub version: Option<String>,
    /// Leave the package out of the image.
    pub skip: bool,
    /// Why, for the report.
    pub reason: Option<String>,
    /// The 1-based line of the entry in `megapak.toml`.
    pub line: usize,
}
