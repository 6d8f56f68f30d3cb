//! The `nixpkgs` resolver plugin: packages that nixpkgs already builds (`python3XXPackages.*`),
//! under their real name and version, so that the user need not define, patch or build them.
//!
//! Three backends answer alike where they overlap ([`settings::Backend`]):
//!
//! - `index` (the default): a snapshot of one nixpkgs revision's Python set. The plugin embeds
//!   one made from the nix-index database of 2026-05-03 (and a full evaluation of 2025-09-28),
//!   so it answers on a machine with no Nix and no nixpkgs checkout; `[resolvers.nixpkgs] index`
//!   names another, made by `megapak nixpkgs-index` ([`index::build_snapshot`]).
//! - `source`: rnix over the user's nixpkgs tree (`python-packages.nix`, `python-aliases.nix`
//!   and the package files), no Nix needed.
//! - `eval`: one `nix-instantiate` evaluation of the pinned nixpkgs, cached per revision.
//!
//! Each produces a [`snapshot::Snapshot`]; the name mapping ([`catalog`], with the
//! [`variants`]) and the verdicts ([`answer`]) are shared.

pub mod answer;
mod backend;
pub mod catalog;
pub mod embedded;
pub mod eval;
pub mod index;
pub mod python;
pub mod settings;
pub mod snapshot;
pub mod source;
pub mod variants;
pub mod version;

use std::path::Path;

use megapak_plugin_abi::wire::{
    CandidatesAnswer, CandidatesOutcome, CandidatesRequest, CandidatesResponse, DetailsAnswer,
    DetailsOutcome, DetailsRequest, DetailsResponse, Target, capability,
};
use megapak_plugin_abi::{PluginInfo, ResolveError, Resolver};

use crate::answer::{Judge, direct_reason};
use crate::backend::{Catalogs, LoadError};
use crate::catalog::Context;
use crate::python::PythonVersion;
use crate::settings::Settings;

/// The plugin's name, as in its file name `libmegapak_plugin_nixpkgs.so`.
pub const NAME: &str = "nixpkgs";

/// The `nixpkgs` resolver.
#[derive(Debug, Default)]
pub struct NixpkgsResolver {
    catalogs: Catalogs,
}

impl NixpkgsResolver {
    /// Reads the settings and loads the catalog for a request, then calls `answer` with a judge;
    /// `offline` answers instead when loading would need the network and the request is offline.
    fn with_judge<T>(
        &self,
        request: Request<'_>,
        answer: impl FnOnce(&Judge<'_>) -> T,
        offline: impl FnOnce(&str) -> T,
    ) -> Result<T, ResolveError> {
        let Request {
            target,
            workspace,
            settings,
            offline: is_offline,
        } = request;
        let settings = Settings::from_json(settings, Path::new(workspace))
            .map_err(|error| ResolveError::new(error.to_string()))?;
        let python: PythonVersion = target
            .python
            .parse()
            .map_err(|error: python::InvalidPythonError| ResolveError::new(error.to_string()))?;
        let catalog =
            match self
                .catalogs
                .load(&settings, target, python, Path::new(workspace), is_offline)
            {
                Ok(catalog) => catalog,
                Err(LoadError::Offline(reason)) => return Ok(offline(&reason)),
                Err(LoadError::Failed(message)) => return Err(ResolveError::new(message)),
            };
        let index = catalog.snapshot.python_index(python).ok_or_else(|| {
            let pythons: Vec<String> =
                catalog.snapshot.header.pythons.iter().map(ToString::to_string).collect();
            ResolveError::new(format!(
                "The nixpkgs snapshot describes Python {}, not the target's {python}: use the `source` or `eval` backend, or an index made for it by `megapak nixpkgs-index`",
                pythons.join(" and ")
            ))
        })?;
        if catalog.snapshot.header.system != target.system {
            return Err(ResolveError::new(format!(
                "The nixpkgs snapshot describes `{}`, not the target's `{}`: use the `source` or `eval` backend, or an index made for it by `megapak nixpkgs-index`",
                catalog.snapshot.header.system, target.system
            )));
        }
        let mut variants = settings.variants.clone();
        variants.extend(variants::builtin(target, settings.prefer_wheels));
        variants::choose_attributes(&mut variants, &settings.attributes);
        let judge = Judge {
            catalog: &catalog,
            context: Context {
                target,
                variants: &variants,
                python: index,
            },
            python,
        };
        Ok(answer(&judge))
    }
}

impl Resolver for NixpkgsResolver {
    fn describe(&self) -> PluginInfo {
        PluginInfo::new(NAME, env!("CARGO_PKG_VERSION"))
            .with_summary("Packages that nixpkgs already builds (`python3Packages.*`)")
            .with_capabilities([
                capability::CANDIDATES,
                capability::DETAILS,
                capability::OFFLINE,
            ])
    }

    fn candidates(&self, request: &CandidatesRequest) -> Result<CandidatesResponse, ResolveError> {
        let each = |outcome: &dyn Fn(&str, Option<&str>) -> CandidatesAnswer| {
            let packages = request
                .packages
                .iter()
                .map(|package| match &package.direct {
                    Some(direct) => CandidatesAnswer::not_found(
                        &package.name,
                        direct_reason(&package.name, direct),
                    ),
                    None => outcome(&package.name, package.specifiers.as_deref()),
                })
                .collect();
            CandidatesResponse { packages }
        };
        self.with_judge(
            Request::of(
                &request.target,
                &request.workspace,
                &request.settings,
                request.offline,
            ),
            |judge| each(&|name, specifiers| judge.candidates(name, specifiers)),
            |reason| {
                each(&|name, _| CandidatesAnswer {
                    name: name.to_owned(),
                    outcome: CandidatesOutcome::Offline {
                        reason: reason.to_owned(),
                    },
                })
            },
        )
    }

    fn details(&self, request: &DetailsRequest) -> Result<DetailsResponse, ResolveError> {
        let each = |outcome: &dyn Fn(&str, &str) -> DetailsAnswer| {
            let packages = request
                .packages
                .iter()
                .map(|package| match &package.direct {
                    Some(direct) => DetailsAnswer::not_found(
                        &package.name,
                        &package.version,
                        direct_reason(&package.name, direct),
                    ),
                    None => outcome(&package.name, &package.version),
                })
                .collect();
            DetailsResponse { packages }
        };
        self.with_judge(
            Request::of(
                &request.target,
                &request.workspace,
                &request.settings,
                request.offline,
            ),
            |judge| each(&|name, version| judge.details(name, version)),
            |reason| {
                each(&|name, version| DetailsAnswer {
                    name: name.to_owned(),
                    version: version.to_owned(),
                    outcome: DetailsOutcome::Offline {
                        reason: reason.to_owned(),
                    },
                })
            },
        )
    }
}

/// What [`NixpkgsResolver::with_judge`] needs of a request.
#[derive(Debug, Clone, Copy)]
struct Request<'r> {
    target: &'r Target,
    workspace: &'r str,
    settings: &'r serde_json::Map<String, serde_json::Value>,
    offline: bool,
}

impl<'r> Request<'r> {
    fn of(
        target: &'r Target,
        workspace: &'r str,
        settings: &'r serde_json::Map<String, serde_json::Value>,
        offline: bool,
    ) -> Self {
        Self {
            target,
            workspace,
            settings,
            offline,
        }
    }
}

megapak_plugin_abi::export_resolver!(NixpkgsResolver);

#[cfg(test)]
mod tests {
    use megapak_plugin_testing::Harness;

    use super::*;

    #[test]
    fn it_describes_itself() {
        let description = Harness::new(NixpkgsResolver::default()).describe().unwrap();
        assert_eq!(description.name, NAME);
        assert_eq!(description.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(description.abi, megapak_plugin_abi::AbiVersion::CURRENT);
        assert_eq!(
            description.capabilities,
            ["candidates", "details", "offline"]
        );
    }
}
