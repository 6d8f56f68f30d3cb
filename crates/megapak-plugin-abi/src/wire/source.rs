//! Where a package comes from: what the lock records and the Nix emitter fetches.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Where a version comes from, as a `details` answer gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Source {
    /// A nixpkgs attribute of the target's Python package set, e.g. `numpy`, or `onnxruntime`
    /// with `override` `{"cudaSupport": true}`.
    Nixpkgs {
        /// The attribute in `python3XXPackages`.
        attribute: String,
        /// Arguments the emitter must apply with `.override { ... }`; empty for none.
        #[serde(
            default,
            rename = "override",
            skip_serializing_if = "BTreeMap::is_empty"
        )]
        override_args: BTreeMap<String, OverrideValue>,
    },
    /// A wheel or sdist to fetch.
    Url {
        /// Where to fetch it (`https://`, or `file://` for a local index).
        url: String,
        /// The file name, e.g. `decord-0.6.0-py3-none-manylinux2010_x86_64.whl`.
        filename: String,
        /// Its SRI hash, e.g. `sha256-<base64>`.
        hash: String,
        /// A wheel or an sdist.
        format: DistFormat,
    },
    /// A git checkout, hashed as Nix's `fetchgit` hashes it (`.git` removed, NAR, sha256).
    Git {
        /// The repository URL, without `git+`.
        url: String,
        /// The full commit id the ref resolved to.
        rev: String,
        /// The SRI hash of the checkout's NAR serialization.
        hash: String,
        /// Whether submodules are part of the checkout.
        submodules: bool,
        /// The package's folder in the repository.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        subdirectory: Option<String>,
    },
    /// A local file: absolute, or relative to the workspace folder.
    Path {
        /// The file.
        path: String,
        /// Its SRI hash.
        hash: String,
        /// A wheel or an sdist.
        format: DistFormat,
    },
    /// A source kind added by a later minor version that this side does not know.
    #[serde(other)]
    Unknown,
}

/// A value of a nixpkgs `.override { name = value; }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OverrideValue {
    /// `cudaSupport = true;`
    Bool(bool),
    /// `maxJobs = 4;`
    Integer(i64),
    /// `variant = "cuda";`
    String(String),
    /// A reference to another attribute of nixpkgs: `cudaPackages = pkgs.cudaPackages_13_0;`
    /// is `{"attribute": "cudaPackages_13_0"}`.
    Attribute {
        /// The attribute path in nixpkgs.
        attribute: String,
    },
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
