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
    CandidatesRequest, CandidatesResponse, DetailsRequest, DetailsResponse, Target, capability,
};
use megapak_plugin_abi::{PluginInfo, ResolveError, Resolver};

use crate::answer::Judge;
use crate::backend::Catalogs;
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
    /// Reads the settings and loads the catalog for a request, then calls `answer` with a judge.
    fn with_judge<T>(
        &self,
        target: &Target,
        workspace: &str,
        settings: &serde_json::Map<String, serde_json::Value>,
        answer: impl FnOnce(&Judge<'_>) -> T,
    ) -> Result<T, ResolveError> {
        let settings = Settings::from_json(settings, Path::new(workspace))
            .map_err(|error| ResolveError::new(error.to_string()))?;
        let python: PythonVersion = target
            .python
            .parse()
            .map_err(|error: python::InvalidPythonError| ResolveError::new(error.to_string()))?;
        let catalog = self
            .catalogs
            .load(&settings, target, python, Path::new(workspace))
            .map_err(ResolveError::new)?;
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
        self.with_judge(
            &request.target,
            &request.workspace,
            &request.settings,
            |judge| {
                let packages = request
                    .packages
                    .iter()
                    .map(|package| judge.candidates(&package.name, package.specifiers.as_deref()))
                    .collect();
                CandidatesResponse { packages }
            },
        )
    }

    fn details(&self, request: &DetailsRequest) -> Result<DetailsResponse, ResolveError> {
        self.with_judge(
            &request.target,
            &request.workspace,
            &request.settings,
            |judge| {
                let packages = request
                    .packages
                    .iter()
                    .map(|package| judge.details(&package.name, &package.version))
                    .collect();
                DetailsResponse { packages }
            },
        )
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
