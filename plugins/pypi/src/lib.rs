//! The `pypi` resolver plugin: packages nixpkgs lacks, defined from a Python package index with
//! the index's own sha256 hashes and without downloading whole files.
//!
//! - `candidates` reads each name's page of the simple API (PEP 691 JSON, PEP 503 HTML as a
//!   fallback) on every configured index, in parallel and bounded by `max-in-flight`, and lists
//!   the versions that have a file the target can use: a wheel whose tags fit (CPython
//!   `3.MINOR`, `abi3`, `py3-none-any`, `manylinux` up to the target's glibc, a local `+cuXYZ`
//!   matching the target's CUDA) or an sdist.
//! - `details` picks the file for a chosen version (the best wheel, else the sdist) and reads
//!   what it needs: PEP 658 `.metadata` where the index has it, else the wheel's METADATA through
//!   HTTP range requests (a few kilobytes of a wheel of any size), else the sdist's `PKG-INFO`
//!   and its `pyproject.toml` for the PEP 517 build system.
//! - Every response goes through an on-disk cache (`cache-dir`, default
//!   `~/.cache/megapak/pypi`) with revalidation, and `offline` requests are answered from it.
//!
//! Settings (`[resolvers.pypi]`): `index-url`, `extra-index-urls`, `find-links`,
//! `max-in-flight` (16), `cache-dir`, `glibc` (`2.28`), `timeout` (30 s), `retries` (3),
//! `max-response-mib` (256). The pak files' `--index-url`, `--extra-index-url`, `--find-links`
//! and `--no-index` arrive in the request and take precedence.
//!
//! With `MEGAPAK_PYPI_TRAFFIC` set in the environment, each call ends with one line on stderr
//! saying how many requests it made and how many bytes it received (for a slow link, and for the
//! benchmark that compares it with uv).

mod cache;
mod candidates;
mod details;
mod dns;
mod error;
mod facts;
mod fetch;
mod filename;
mod http;
mod index;
mod links;
mod metadata;
mod parallel;
mod project;
mod remote;
mod sdist;
mod settings;
mod sri;
mod tags;
mod wheel;
mod zip;

use std::io::Write as _;
use std::sync::{Arc, Mutex};

use megapak_plugin_abi::serde_json::{Map, Value};
use megapak_plugin_abi::wire::{
    CandidatesRequest, CandidatesResponse, DetailsRequest, DetailsResponse, IndexHints, Target,
    capability,
};
use megapak_plugin_abi::{PluginInfo, ResolveError, Resolver};

pub use error::{PypiError, SettingsError};
pub use settings::{DEFAULT_INDEX, Settings};

use crate::cache::DiskCache;
use crate::fetch::MemoryPages;
use crate::http::{Client, Stats};
use crate::project::Call;
use crate::tags::TargetTags;

/// The plugin's name, as in its file name `libmegapak_plugin_pypi.so`.
pub const NAME: &str = "pypi";

/// The `pypi` resolver. Pages it read stay in memory for its lifetime, so `details` after
/// `candidates` costs no second request for the same page.
#[derive(Debug, Default)]
pub struct PypiResolver {
    memory: MemoryPages,
    stats: Arc<Stats>,
    client: Mutex<Option<(ClientKey, Client)>>,
}

/// The settings a client is built from; a call with the same ones reuses its connections.
type ClientKey = (std::time::Duration, u32, u64, usize);

/// Requests made and bytes received by a resolver, for benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Traffic {
    /// HTTP requests sent (each retry counts).
    pub requests: u64,
    /// Response body bytes received.
    pub bytes: u64,
}

impl PypiResolver {
    /// A resolver with empty memory.
    pub fn new() -> Self {
        Self::default()
    }

    /// The requests and bytes so far.
    pub fn traffic(&self) -> Traffic {
        let (requests, bytes) = self.stats.snapshot();
        Traffic { requests, bytes }
    }

    /// With `MEGAPAK_PYPI_TRAFFIC` set, one line on stderr with the traffic of a call.
    fn report(&self, call: &str, packages: usize, before: Traffic) {
        if std::env::var_os("MEGAPAK_PYPI_TRAFFIC").is_none() {
            return;
        }
        let after = self.traffic();
        let _ = writeln!(
            std::io::stderr(),
            "pypi: {call} of {packages} packages: {} requests, {} bytes",
            after.requests - before.requests,
            after.bytes - before.bytes
        );
    }

    fn call(
        &self,
        settings: &Map<String, Value>,
        hints: &IndexHints,
        workspace: &str,
        target: &Target,
        offline: bool,
    ) -> Result<Call<'_>, ResolveError> {
        let settings = Settings::from_request(settings, hints, workspace)
            .map_err(|e| ResolveError::new(e.to_string()))?;
        let tags = TargetTags::new(target, settings.glibc)
            .map_err(|e| ResolveError::new(e.to_string()))?;
        let key: ClientKey = (
            settings.timeout,
            settings.retries,
            settings.max_response_bytes,
            settings.max_in_flight,
        );
        let client = {
            let mut slot = self.client.lock().unwrap_or_else(|e| e.into_inner());
            match slot.as_ref() {
                Some((existing, client)) if *existing == key => client.clone(),
                _ => {
                    let client = Client::new(
                        settings.timeout,
                        settings.retries,
                        settings.max_response_bytes,
                        settings.max_in_flight,
                        Arc::clone(&self.stats),
                    );
                    *slot = Some((key, client.clone()));
                    client
                }
            }
        };
        Ok(Call {
            cache: DiskCache::new(&settings.cache_dir),
            settings,
            client,
            tags,
            memory: &self.memory,
            offline,
        })
    }
}

impl Resolver for PypiResolver {
    fn describe(&self) -> PluginInfo {
        PluginInfo::new(NAME, env!("CARGO_PKG_VERSION"))
            .with_summary("Wheels and sdists published on PyPI")
            .with_capabilities([
                capability::CANDIDATES,
                capability::DETAILS,
                capability::OFFLINE,
            ])
    }

    fn candidates(&self, request: &CandidatesRequest) -> Result<CandidatesResponse, ResolveError> {
        let call = self.call(
            &request.settings,
            &request.index,
            &request.workspace,
            &request.target,
            request.offline,
        )?;
        let before = self.traffic();
        let packages = parallel::bounded_map(&request.packages, call.packages_at_once(), |q| {
            candidates::candidates(&call, q)
        });
        self.report("candidates", packages.len(), before);
        Ok(CandidatesResponse { packages })
    }

    fn details(&self, request: &DetailsRequest) -> Result<DetailsResponse, ResolveError> {
        let call = self.call(
            &request.settings,
            &request.index,
            &request.workspace,
            &request.target,
            request.offline,
        )?;
        let before = self.traffic();
        let packages = parallel::bounded_map(&request.packages, call.packages_at_once(), |q| {
            details::details(&call, q)
        });
        self.report("details", packages.len(), before);
        Ok(DetailsResponse { packages })
    }
}

megapak_plugin_abi::export_resolver!(PypiResolver);

#[cfg(test)]
mod tests {
    use megapak_plugin_testing::Harness;

    use super::*;

    #[test]
    fn it_describes_itself() {
        let description = Harness::new(PypiResolver::new()).describe().unwrap();
        assert_eq!(description.name, NAME);
        assert_eq!(description.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(description.abi, megapak_plugin_abi::AbiVersion::CURRENT);
        assert_eq!(
            description.capabilities,
            ["candidates", "details", "offline"]
        );
    }

    #[test]
    fn unknown_settings_fail_the_call_with_the_key_named() {
        let mut request = megapak_plugin_testing::candidates_request(&["numpy"]);
        request.settings.insert(
            "index_url".to_owned(),
            Value::String("https://x".to_owned()),
        );
        let error = Harness::new(PypiResolver::new())
            .candidates(&request)
            .unwrap_err()
            .to_string();
        assert!(error.contains("Unknown setting `index_url`"), "{error}");
    }
}
