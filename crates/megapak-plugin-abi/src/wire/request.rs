//! What megapak asks: the two requests and what they share.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::AbiVersion;

/// What the image is built for; the same for every package of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// Python `MAJOR.MINOR`, e.g. `3.14`.
    pub python: String,
    /// The Nix system, e.g. `x86_64-linux`.
    pub system: String,
    /// CUDA `MAJOR.MINOR`, e.g. `13.0`; absent for a CPU-only image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cuda: Option<String>,
    /// The torch version the image pins, e.g. `2.10`; absent when torch is not pinned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub torch: Option<String>,
}

/// The index options of the pak files (`--index-url`, `--extra-index-url`, `--find-links`,
/// `--no-index`, `--pre`), for plugins that read package indexes. Empty when the pak files set
/// none: a plugin then uses its own settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexHints {
    /// `--index-url`: replaces the default index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_url: Option<String>,
    /// `--extra-index-url`, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_index_urls: Vec<String>,
    /// `--find-links`, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub find_links: Vec<String>,
    /// `--no-index`: read no index, only `find_links`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_index: bool,
    /// `--pre`: pre-releases are wanted.
    #[serde(default, skip_serializing_if = "is_false")]
    pub pre: bool,
}

impl IndexHints {
    /// Whether no option is set.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `skip_serializing_if` passes a reference
fn is_false(value: &bool) -> bool {
    !value
}

/// A package the pak files ask for by URL rather than by name and version: a VCS checkout or an
/// archive. Only plugins that fetch such sources (`custom-wheel`) answer for it; others may say
/// `not-found`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum DirectReference {
    /// `git+https://host/owner/repo@rev#egg=name&subdirectory=dir`.
    Git {
        /// The repository URL without `git+`, revision and fragment.
        url: String,
        /// The branch, tag or commit asked for; absent for the default branch.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rev: Option<String>,
        /// The package's folder in the repository.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        subdirectory: Option<String>,
    },
    /// `name @ https://.../name-1.0-py3-none-any.whl` (or an sdist).
    Url {
        /// The URL, fragment included.
        url: String,
    },
}

/// `candidates`' input: which versions of these packages can the plugin supply?
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidatesRequest {
    /// The ABI version of the host that sends the request.
    pub abi: AbiVersion,
    /// What the image is built for.
    pub target: Target,
    /// The workspace folder (the folder of `megapak.toml`), absolute. Relative paths in
    /// `settings` are relative to it.
    pub workspace: String,
    /// The plugin's own table from `megapak.toml` (`[resolvers.<name>]`), as JSON; megapak does
    /// not look inside it.
    #[serde(default)]
    pub settings: serde_json::Map<String, serde_json::Value>,
    /// Where the parts of `settings` were written, for messages: `"wheel[1]"` (arrays counted
    /// from 0), `"wheel[1].url"`, `"index-url"` -> `"megapak.toml:14"`. May be empty (a host
    /// that does not know, or settings set by megapak itself); added within 2.0.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub settings_locations: BTreeMap<String, String>,
    /// The index options of the pak files.
    #[serde(default, skip_serializing_if = "IndexHints::is_empty")]
    pub index: IndexHints,
    /// Answer without the network: from a cache, or `offline` for what would need it.
    #[serde(default)]
    pub offline: bool,
    /// The packages asked about, all at once so that a plugin may work on them in parallel.
    pub packages: Vec<CandidatesQuery>,
}

/// One package of a [`CandidatesRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidatesQuery {
    /// The PEP 503 normalized name, e.g. `onnxruntime-gpu`.
    pub name: String,
    /// The PEP 440 specifiers the pak files put on it, e.g. `>=2.1,<3`, for a plugin that wants
    /// to say why it has no fitting version; megapak judges versions itself either way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specifiers: Option<String>,
    /// Set when the pak files name a URL or VCS source for this package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct: Option<DirectReference>,
}

/// `details`' input: where do these versions come from, and what do they need?
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetailsRequest {
    /// The ABI version of the host that sends the request.
    pub abi: AbiVersion,
    /// What the image is built for.
    pub target: Target,
    /// The workspace folder, absolute; see [`CandidatesRequest::workspace`].
    pub workspace: String,
    /// The plugin's own settings; see [`CandidatesRequest::settings`].
    #[serde(default)]
    pub settings: serde_json::Map<String, serde_json::Value>,
    /// See [`CandidatesRequest::settings_locations`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub settings_locations: BTreeMap<String, String>,
    /// The index options of the pak files.
    #[serde(default, skip_serializing_if = "IndexHints::is_empty")]
    pub index: IndexHints,
    /// Answer without the network.
    #[serde(default)]
    pub offline: bool,
    /// The chosen name and version pairs.
    pub packages: Vec<DetailsQuery>,
}

/// One name and version of a [`DetailsRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetailsQuery {
    /// The PEP 503 normalized name.
    pub name: String,
    /// A version the plugin listed in its `candidates` answer.
    pub version: String,
    /// As in [`CandidatesQuery::direct`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct: Option<DirectReference>,
}

impl CandidatesRequest {
    /// A request for `names`, with no settings, index options or specifiers.
    pub fn new(target: Target, workspace: impl Into<String>, names: &[&str]) -> Self {
        Self {
            abi: AbiVersion::CURRENT,
            target,
            workspace: workspace.into(),
            settings: serde_json::Map::new(),
            settings_locations: BTreeMap::new(),
            index: IndexHints::default(),
            offline: false,
            packages: names
                .iter()
                .map(|name| CandidatesQuery {
                    name: (*name).to_owned(),
                    specifiers: None,
                    direct: None,
                })
                .collect(),
        }
    }
}

impl DetailsRequest {
    /// A request for `(name, version)` pairs, with no settings or index options.
    pub fn new(target: Target, workspace: impl Into<String>, pairs: &[(&str, &str)]) -> Self {
        Self {
            abi: AbiVersion::CURRENT,
            target,
            workspace: workspace.into(),
            settings: serde_json::Map::new(),
            settings_locations: BTreeMap::new(),
            index: IndexHints::default(),
            offline: false,
            packages: pairs
                .iter()
                .map(|(name, version)| DetailsQuery {
                    name: (*name).to_owned(),
                    version: (*version).to_owned(),
                    direct: None,
                })
                .collect(),
        }
    }
}
