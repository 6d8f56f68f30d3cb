//! Where candidates come from: the two questions of plugin ABI 2, asked of anything that can
//! answer them (a loaded plugin, an in-memory fixture, a recorded index).
//!
//! The solver asks in batches: one `candidates` call for every name a step of the solve
//! discovers, one `details` call for the versions it is likely to pick, so that a provider that
//! reads the network can work on them in parallel.

use megapak_plugin_abi::wire::{CandidatesAnswer, CandidatesQuery, DetailsAnswer, DetailsQuery};

/// A source of candidates, asked in `[resolvers] order`.
///
/// Implementations must be callable from several threads (`Sync`): the solver may ask several
/// providers at once.
pub trait Provider: Sync {
    /// The provider's name, as `[resolvers] order` and `[[override]] provider` spell it.
    fn name(&self) -> &str;

    /// Which versions of these packages can the provider supply? One answer per query (a query
    /// left unanswered counts as `not-found`).
    fn candidates(
        &self,
        queries: &[CandidatesQuery],
    ) -> Result<Vec<CandidatesAnswer>, ProviderError>;

    /// Where do these versions come from and what do they need? One answer per query (a query
    /// left unanswered counts as `not-found`).
    fn details(&self, queries: &[DetailsQuery]) -> Result<Vec<DetailsAnswer>, ProviderError>;
}

/// A whole call failed (the plugin returned an error status, panicked, or answered garbage):
/// the solve stops, naming the provider and the packages asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ProviderError {
    message: String,
}

impl ProviderError {
    /// A failure described in words, e.g. "Plugin `pypi` (`/x.so`) panicked in `details`: ...".
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}
