//! Test a resolver plugin without megapak.
//!
//! [`Harness`] calls a [`Resolver`] the way the host calls a loaded plugin, in-process: the
//! request is encoded to JSON and passed through a C table to the same glue that
//! `export_resolver!` generates (which decodes it, calls your resolver and catches panics); the
//! answer comes back as bytes that are freed by the table's `free_buffer` and checked by the
//! host's own code (the table's ABI version and functions, valid JSON, wire schema 2, answers
//! only for packages that were asked about).
//!
//! It does not load a library, so it does not cover everything megapak checks:
//!
//! - the constructor: [`Harness::new`] takes a resolver that is already built, whereas a plugin
//!   made with `export_resolver!` builds its resolver lazily, inside megapak's first call (where
//!   a panicking constructor is reported as a panic in `describe`);
//! - the name: megapak refuses a plugin whose `describe` name is not the one its file name gives;
//!   the harness knows no file name, so assert the name yourself;
//! - the library: that it is a `cdylib` for this machine, exports `megapak_plugin` and loads
//!   with all its dependencies. `megapak plugins` checks an installed file;
//! - the build profile: tests always unwind, but a plugin built with `panic = "abort"` takes
//!   megapak down on its first panic instead of having it reported.
//!
//! ```
//! use megapak_plugin_abi::wire::{
//!     CandidatesAnswer, CandidatesOutcome, CandidatesRequest, CandidatesResponse, DetailsAnswer,
//!     DetailsRequest, DetailsResponse,
//! };
//! use megapak_plugin_abi::{PluginInfo, ResolveError, Resolver};
//! use megapak_plugin_testing::Harness;
//!
//! struct Empty;
//!
//! impl Resolver for Empty {
//!     fn describe(&self) -> PluginInfo {
//!         PluginInfo::new("empty", "0.1.0")
//!     }
//!
//!     fn candidates(&self, request: &CandidatesRequest) -> Result<CandidatesResponse, ResolveError> {
//!         let packages = request
//!             .packages
//!             .iter()
//!             .map(|package| CandidatesAnswer::not_found(&package.name, "Empty has nothing"))
//!             .collect();
//!         Ok(CandidatesResponse { packages })
//!     }
//!
//!     fn details(&self, request: &DetailsRequest) -> Result<DetailsResponse, ResolveError> {
//!         let packages = request
//!             .packages
//!             .iter()
//!             .map(|p| DetailsAnswer::not_found(&p.name, &p.version, "Empty has nothing"))
//!             .collect();
//!         Ok(DetailsResponse { packages })
//!     }
//! }
//!
//! let harness = Harness::new(Empty);
//! assert_eq!(harness.describe().unwrap().name, "empty");
//! let response = harness.candidates_of(&["numpy"]).unwrap();
//! assert!(matches!(response.packages[0].outcome, CandidatesOutcome::NotFound { .. }));
//! ```

use megapak_plugin_abi::export::Exported;
use megapak_plugin_abi::wire::{
    CandidatesRequest, CandidatesResponse, Description, DetailsRequest, DetailsResponse, Target,
};
use megapak_plugin_abi::{PluginTable, Resolver};
use megapak_plugin_host::{CallError, PluginCalls};

/// A resolver behind its C table, callable like the host calls a loaded plugin.
pub struct Harness<R: Resolver> {
    // Boxed so that the table's `state` pointer stays valid when the harness moves.
    exported: Box<Exported<R>>,
    table: PluginTable,
}

impl<R: Resolver> std::fmt::Debug for Harness<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

impl<R: Resolver> Harness<R> {
    /// Wraps `resolver` in the table `export_resolver!` would give it.
    pub fn new(resolver: R) -> Self {
        let exported = Box::new(Exported::ready(resolver));
        let table = exported.table();
        Self { exported, table }
    }

    fn calls(&self) -> PluginCalls<'_> {
        // The table points into `self.exported`, which lives as long as `self`.
        debug_assert!(std::ptr::eq(
            self.table.state.cast::<Exported<R>>(),
            &raw const *self.exported
        ));
        // SAFETY: the table was made by `Exported::table` for a live, boxed `Exported<R>` and
        // keeps ABI 2's contract by construction.
        unsafe { PluginCalls::from_raw(&raw const self.table) }
            .expect("a table made by `Exported::table` passes the handshake")
    }

    /// `describe`, as the host's handshake calls it.
    pub fn describe(&self) -> Result<Description, CallError> {
        self.calls().describe()
    }

    /// `candidates`, with the host's checks on the answer.
    pub fn candidates(&self, request: &CandidatesRequest) -> Result<CandidatesResponse, CallError> {
        self.calls().candidates(request)
    }

    /// `details`, with the host's checks on the answer.
    pub fn details(&self, request: &DetailsRequest) -> Result<DetailsResponse, CallError> {
        self.calls().details(request)
    }

    /// `candidates` for `names` on [`sample_target`], no settings.
    pub fn candidates_of(&self, names: &[&str]) -> Result<CandidatesResponse, CallError> {
        self.candidates(&candidates_request(names))
    }

    /// `details` for `(name, version)` pairs on [`sample_target`], no settings.
    pub fn details_of(&self, pairs: &[(&str, &str)]) -> Result<DetailsResponse, CallError> {
        self.details(&details_request(pairs))
    }
}

/// A typical megapak target: Python 3.14 on `x86_64-linux` with CUDA 13.0 and torch 2.10.
pub fn sample_target() -> Target {
    Target {
        python: "3.14".to_owned(),
        system: "x86_64-linux".to_owned(),
        cuda: Some("13.0".to_owned()),
        torch: Some("2.10".to_owned()),
    }
}

/// The workspace folder of the sample requests: `/workspace`.
pub const SAMPLE_WORKSPACE: &str = "/workspace";

/// A `candidates` request for `names` on [`sample_target`], with no settings.
pub fn candidates_request(names: &[&str]) -> CandidatesRequest {
    CandidatesRequest::new(sample_target(), SAMPLE_WORKSPACE, names)
}

/// A `details` request for `(name, version)` pairs on [`sample_target`], with no settings.
pub fn details_request(pairs: &[(&str, &str)]) -> DetailsRequest {
    DetailsRequest::new(sample_target(), SAMPLE_WORKSPACE, pairs)
}

/// The plugin author's guide, `plugins/README.md`, included here so that its Rust examples are
/// compiled and run as doctests. Each example is a doctest of its own: section 5's test carries a
/// condensed copy of section 2's resolver in lines that rustdoc hides, and a `fn main` that runs
/// the test.
#[doc = include_str!("../../../plugins/README.md")]
#[doc(hidden)]
pub mod guide {}
