//! The JSON wire schema, version 1 (ABI major 1).
//!
//! # How the schema evolves
//! - Within a major version only *optional* fields are added. Every field that is not in 1.0 is
//!   `#[serde(default)]` (an `Option`, an empty list or map), so an older peer's JSON still reads.
//! - Unknown fields are ignored on both sides (no `deny_unknown_fields`), so a newer peer's JSON
//!   still reads.
//! - Enums that may grow ([`Source`]) have an `unknown` catch-all: a host skips candidates whose
//!   source it does not understand instead of refusing the whole answer.
//! - Removing or renaming a field, changing its type or meaning, or making a field required is a
//!   new major version, which changes [`ABI_MAJOR`](crate::ABI_MAJOR).
//!
//! # The calls
//! `describe` takes nothing and answers a [`Description`]. `resolve` takes a [`ResolveRequest`]
//! for many packages at once and answers a [`ResolveResponse`] with one [`PackageAnswer`] per
//! package. The exchange is candidate-based: a [`PackageRequest`] without `versions` asks which
//! versions the plugin can supply; one with `versions` asks for the details (source,
//! dependencies, notes) of those versions, after the host has chosen across plugins.

use serde::{Deserialize, Serialize};

use crate::AbiVersion;

/// Well-known capability names a plugin may list in [`Description::capabilities`].
pub mod capability {
    /// Answers `resolve` with candidate versions.
    pub const CANDIDATES: &str = "candidates";
    /// Fills in [`Candidate::source`](super::Candidate::source) and dependencies when asked for
    /// specific versions.
    pub const DETAILS: &str = "details";
}

/// `describe`'s answer: who the plugin is and what it can do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Description {
    /// The plugin's name, e.g. `nixpkgs`; must match its file name `libmegapak_plugin_<name>.so`
    /// (`-` and `_` count as equal).
    pub name: String,
    /// The plugin's own version, e.g. `0.1.0`.
    pub version: String,
    /// The ABI version the plugin was built against.
    pub abi: AbiVersion,
    /// What the plugin can do; see [`capability`]. Unknown names are ignored by the host.
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// One line saying what the plugin resolves from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// What the image is built for; the same for every package of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// Python `MAJOR.MINOR`, e.g. `3.13`.
    pub python: String,
    /// The Nix system, e.g. `x86_64-linux`.
    pub system: String,
    /// CUDA `MAJOR.MINOR`, e.g. `13.0`; absent for a CPU-only image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cuda: Option<String>,
    /// The torch version the image pins, e.g. `2.11`; absent when torch is not pinned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub torch: Option<String>,
}

/// `resolve`'s input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolveRequest {
    /// The ABI version of the host that sends the request.
    #[serde(default = "current_abi")]
    pub abi: AbiVersion,
    /// What the image is built for.
    pub target: Target,
    /// The plugin's own table from `megapak.toml` (`[resolvers.<name>]`), as JSON; megapak does
    /// not look inside it.
    #[serde(default)]
    pub settings: serde_json::Map<String, serde_json::Value>,
    /// The packages asked about, all at once so that a plugin may work on them in parallel.
    pub packages: Vec<PackageRequest>,
}

fn current_abi() -> AbiVersion {
    AbiVersion::CURRENT
}

/// One package of a [`ResolveRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageRequest {
    /// The PEP 503 normalized name, e.g. `onnxruntime-gpu`.
    pub name: String,
    /// Empty: list every version you can supply. Not empty: give the source, dependencies and
    /// notes of these versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
}

/// `resolve`'s output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolveResponse {
    /// One answer per package asked about, in any order. A package left out counts as "no
    /// candidates"; an answer for a package that was not asked about is an error.
    pub packages: Vec<PackageAnswer>,
}

/// A plugin's answer for one package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageAnswer {
    /// The name as asked.
    pub name: String,
    /// The versions the plugin can supply; empty when it has none.
    #[serde(default)]
    pub candidates: Vec<Candidate>,
    /// Why there are no candidates, or anything else the user should read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// This package failed (e.g. its index page could not be read), the others may not have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One version a plugin can supply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// A PEP 440 version, e.g. `2.11.0`.
    pub version: String,
    /// Where the package comes from; absent when only listing versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// PEP 508 requirement strings, e.g. `numpy>=1.26; python_version >= "3.10"`. Meaningful
    /// only together with `source`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    /// E.g. "not in the public binary cache: built from source".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Where a candidate comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Source {
    /// A nixpkgs attribute, e.g. `python313Packages.numpy`.
    Nixpkgs {
        /// The attribute path.
        attribute: String,
    },
    /// A file to fetch.
    Url {
        /// Where to fetch it.
        url: String,
        /// Its SRI hash, e.g. `sha256-...`.
        hash: String,
        /// A wheel or an sdist.
        format: DistFormat,
    },
    /// A source kind added by a later minor version that this side does not know.
    #[serde(other)]
    Unknown,
}

/// The kind of a Python distribution file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DistFormat {
    /// A built `.whl`.
    Wheel,
    /// A source archive.
    Sdist,
}

impl ResolveResponse {
    /// Answers every package of `request` with no candidates and the same `note`.
    pub fn none_for_all(request: &ResolveRequest, note: &str) -> Self {
        let packages = request
            .packages
            .iter()
            .map(|package| PackageAnswer::none(&package.name, note))
            .collect();
        Self { packages }
    }
}

impl PackageAnswer {
    /// An honest "I have nothing for this package", with the reason as a note.
    pub fn none(name: impl Into<String>, note: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            candidates: Vec::new(),
            notes: vec![note.into()],
            error: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_reads_with_only_the_required_fields() {
        let request: ResolveRequest = serde_json::from_str(
            r#"{"target": {"python": "3.13", "system": "x86_64-linux"},
                "packages": [{"name": "numpy"}], "from-the-future": true}"#,
        )
        .unwrap();
        assert_eq!(request.abi, AbiVersion::CURRENT);
        assert!(request.settings.is_empty());
        assert!(request.packages[0].versions.is_empty());
    }

    #[test]
    fn a_source_kind_from_a_later_minor_is_unknown_not_an_error() {
        let candidate: Candidate =
            serde_json::from_str(r#"{"version": "1.0", "source": {"kind": "git", "rev": "abc"}}"#)
                .unwrap();
        assert_eq!(candidate.source, Some(Source::Unknown));
    }

    #[test]
    fn a_full_answer_has_a_stable_shape() {
        let answer = PackageAnswer {
            name: "onnxruntime-gpu".into(),
            candidates: vec![Candidate {
                version: "1.31.1".into(),
                source: Some(Source::Url {
                    url: "https://example.invalid/onnxruntime_gpu-1.31.1-cp313-cp313-manylinux_2_28_x86_64.whl".into(),
                    hash: "sha256-AAAA".into(),
                    format: DistFormat::Wheel,
                }),
                dependencies: vec!["numpy>=1.21.6".into()],
                notes: vec![],
            }],
            notes: vec![],
            error: None,
        };
        insta::assert_snapshot!(serde_json::to_string(&answer).unwrap(), @r#"{"name":"onnxruntime-gpu","candidates":[{"version":"1.31.1","source":{"kind":"url","url":"https://example.invalid/onnxruntime_gpu-1.31.1-cp313-cp313-manylinux_2_28_x86_64.whl","hash":"sha256-AAAA","format":"wheel"},"dependencies":["numpy>=1.21.6"]}]}"#);
    }
}
