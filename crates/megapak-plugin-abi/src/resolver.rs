//! The trait a Rust plugin implements; [`export_resolver!`](crate::export_resolver) turns an
//! implementation into the C exports.

use std::fmt;

use crate::wire::{CandidatesRequest, CandidatesResponse, DetailsRequest, DetailsResponse};

/// A source of package candidates: nixpkgs, PyPI, a team's own wheel index...
///
/// Implementations are called from any thread, possibly at the same time, hence `Send + Sync`.
/// A panic in any method is caught at the boundary and reported to the host as a failed call;
/// it never unwinds into megapak.
pub trait Resolver: Send + Sync + 'static {
    /// Who this plugin is. Called once when the host loads the plugin; keep it cheap and free of
    /// I/O.
    fn describe(&self) -> PluginInfo;

    /// Which versions of each package of `request` the plugin can supply: one
    /// [`CandidatesAnswer`](crate::wire::CandidatesAnswer) per package. Return `Err` only when
    /// the whole call failed (bad settings, the index is down); a single package that failed is
    /// an [`Error`](crate::wire::CandidatesOutcome::Error) outcome.
    fn candidates(&self, request: &CandidatesRequest) -> Result<CandidatesResponse, ResolveError>;

    /// The source, dependencies and notes of each name and version of `request`, chosen by
    /// megapak among this plugin's candidates. `Err` only when the whole call failed.
    fn details(&self, request: &DetailsRequest) -> Result<DetailsResponse, ResolveError>;
}

/// What [`Resolver::describe`] says; the ABI version is added by the export glue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginInfo {
    /// The plugin's name; must match its file name `libmegapak_plugin_<name>.so`.
    pub name: String,
    /// The plugin's own version, usually `env!("CARGO_PKG_VERSION")`.
    pub version: String,
    /// See [`capability`](crate::wire::capability).
    pub capabilities: Vec<String>,
    /// One line saying what the plugin resolves from.
    pub summary: Option<String>,
}

impl PluginInfo {
    /// A plugin with no capabilities and no summary yet.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            capabilities: Vec::new(),
            summary: None,
        }
    }

    /// Adds capability names.
    #[must_use]
    pub fn with_capabilities<I, S>(mut self, capabilities: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.capabilities
            .extend(capabilities.into_iter().map(Into::into));
        self
    }

    /// Sets the one-line summary.
    #[must_use]
    pub fn with_summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = Some(summary.into());
        self
    }
}

/// A failed call (`candidates` or `details`) as a whole: the message is shown to the user, naming the plugin.
///
/// Write it like megapak's own messages: capitalized, names in backticks, no trailing period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveError {
    message: String,
}

impl ResolveError {
    /// A failure with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ResolveError {}

impl From<String> for ResolveError {
    fn from(message: String) -> Self {
        Self::new(message)
    }
}

impl From<&str> for ResolveError {
    fn from(message: &str) -> Self {
        Self::new(message)
    }
}
