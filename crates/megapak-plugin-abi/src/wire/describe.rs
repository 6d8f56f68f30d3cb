//! `describe`: who a plugin is and what it can do.

use serde::{Deserialize, Serialize};

use crate::AbiVersion;

/// Well-known capability names a plugin may list in [`Description::capabilities`].
pub mod capability {
    /// Answers `candidates`.
    pub const CANDIDATES: &str = "candidates";
    /// Answers `details`.
    pub const DETAILS: &str = "details";
    /// Can answer from a local cache when the request says `offline`.
    pub const OFFLINE: &str = "offline";
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
