//! The `custom-wheel` resolver plugin: the packages no general index serves right.
//!
//! - Wheels a team declares by URL or path (`[[resolvers.custom-wheel.wheel]]`), or that an index
//!   or find-links page lists (`[[resolvers.custom-wheel.index]]`), and `name @ https://...whl`
//!   lines of the pak files: the file name is checked against the target (Python, ABI, platform,
//!   `+cuXYZ`), METADATA is read by range requests for `candidates`; `details` fetches the wheel
//!   once, checks or records its sha256, and sorts the shared libraries its ELF files need by
//!   provider ([`libraries`]).
//! - Git sources (`git+https://...@ref` lines of the pak files, `[[resolvers.custom-wheel.git]]`):
//!   the ref resolved to a commit, the checkout hashed as Nix's `fetchgit` hashes it ([`git`]),
//!   and the package's name, version and build system read where they are literal.
//!
//! Each package's failure is its own `error` answer naming the package and its declaration;
//! only unreadable settings fail a whole call.

pub mod answer;
pub mod elf;
pub mod error;
pub mod fetch;
pub mod git;
pub mod index;
pub mod libraries;
pub mod metadata;
pub mod plan;
pub mod settings;
pub mod tags;
pub mod wheel;
pub mod zip;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use megapak_plugin_abi::wire::{
    CandidatesAnswer, CandidatesRequest, CandidatesResponse, DetailsAnswer, DetailsRequest,
    DetailsResponse, capability,
};
use megapak_plugin_abi::{PluginInfo, ResolveError, Resolver};

use crate::answer::Context;
use crate::fetch::Client;
use crate::git::{GitSpec, Resolved};
use crate::metadata::Metadata;
use crate::settings::Settings;

/// The plugin's name, as in its file name `libmegapak_plugin_custom_wheel.so`.
pub const NAME: &str = "custom-wheel";

/// The `custom-wheel` resolver.
#[derive(Debug, Default)]
pub struct CustomWheelResolver {
    /// Git sources resolved by this process: `details` reuses what `candidates` found.
    gits: Mutex<HashMap<GitSpec, Resolved>>,
    /// The METADATA of remote wheels read by this process, by URL: a solver asks again.
    wheels: Mutex<HashMap<String, Metadata>>,
}

impl Resolver for CustomWheelResolver {
    fn describe(&self) -> PluginInfo {
        PluginInfo::new(NAME, env!("CARGO_PKG_VERSION"))
            .with_capabilities([capability::CANDIDATES, capability::DETAILS, capability::OFFLINE])
            .with_summary("Wheels a team declares by URL, path or index, and git checkouts hashed the Nix way")
    }

    fn candidates(&self, request: &CandidatesRequest) -> Result<CandidatesResponse, ResolveError> {
        let settings = Settings::read(
            &request.settings,
            &request.workspace,
            &request.settings_locations,
        )?;
        let client = Client::new(settings.timeout, settings.max_download);
        let context = Context {
            settings: &settings,
            target: &request.target,
            offline: request.offline,
            client: &client,
            gits: &self.gits,
            wheels: &self.wheels,
        };
        let packages = std::thread::scope(|scope| {
            let handles: Vec<_> = request
                .packages
                .iter()
                .map(|package| {
                    let context = &context;
                    scope.spawn(move || {
                        let plan =
                            plan::plan(context.settings, &package.name, package.direct.as_ref());
                        CandidatesAnswer {
                            name: package.name.clone(),
                            outcome: answer::candidates(context, &package.name, &plan),
                        }
                    })
                })
                .collect();
            handles
                .into_iter()
                .zip(&request.packages)
                .map(|(handle, package)| {
                    handle.join().unwrap_or_else(|_| {
                        CandidatesAnswer::not_found(
                            &package.name,
                            "The `custom-wheel` resolver failed on it",
                        )
                    })
                })
                .collect()
        });
        Ok(CandidatesResponse { packages })
    }

    fn details(&self, request: &DetailsRequest) -> Result<DetailsResponse, ResolveError> {
        let settings = Settings::read(
            &request.settings,
            &request.workspace,
            &request.settings_locations,
        )?;
        let client = Client::new(settings.timeout, settings.max_download);
        let context = Context {
            settings: &settings,
            target: &request.target,
            offline: request.offline,
            client: &client,
            gits: &self.gits,
            wheels: &self.wheels,
        };
        let workspace = Path::new(&request.workspace);
        let packages = request
            .packages
            .iter()
            .map(|package| {
                let plan = plan::plan(&settings, &package.name, package.direct.as_ref());
                DetailsAnswer {
                    name: package.name.clone(),
                    version: package.version.clone(),
                    outcome: answer::details(
                        &context,
                        &package.name,
                        &package.version,
                        &plan,
                        workspace,
                    ),
                }
            })
            .collect();
        Ok(DetailsResponse { packages })
    }
}

megapak_plugin_abi::export_resolver!(CustomWheelResolver);

#[cfg(test)]
mod tests {
    use megapak_plugin_testing::Harness;

    use super::*;

    #[test]
    fn it_describes_itself() {
        let description = Harness::new(CustomWheelResolver::default())
            .describe()
            .unwrap();
        assert_eq!(description.name, NAME);
        assert_eq!(description.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(description.abi, megapak_plugin_abi::AbiVersion::CURRENT);
    }
}
