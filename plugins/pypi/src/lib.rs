//! The `pypi` resolver plugin: Wheels and sdists published on PyPI.
//!
//! For now it answers `describe` and says `not-found`, with the reason, for every package: its
//! resolving logic (reading PyPI's index) comes in a later change. It never makes candidates up.

use megapak_plugin_abi::wire::{
    CandidatesAnswer, CandidatesRequest, CandidatesResponse, DetailsAnswer, DetailsRequest,
    DetailsResponse,
};
use megapak_plugin_abi::{PluginInfo, ResolveError, Resolver};

/// What it answers for every package until its resolving logic lands.
const NOT_YET: &str = "The `pypi` resolver does not supply candidates yet";

/// The plugin's name, as in its file name `libmegapak_plugin_pypi.so`.
pub const NAME: &str = "pypi";

/// The `pypi` resolver.
#[derive(Debug, Default)]
pub struct PypiResolver;

impl Resolver for PypiResolver {
    fn describe(&self) -> PluginInfo {
        PluginInfo::new(NAME, env!("CARGO_PKG_VERSION"))
            .with_summary("Wheels and sdists published on PyPI")
    }

    fn candidates(&self, request: &CandidatesRequest) -> Result<CandidatesResponse, ResolveError> {
        let packages = request
            .packages
            .iter()
            .map(|package| CandidatesAnswer::not_found(&package.name, NOT_YET))
            .collect();
        Ok(CandidatesResponse { packages })
    }

    fn details(&self, request: &DetailsRequest) -> Result<DetailsResponse, ResolveError> {
        let packages = request
            .packages
            .iter()
            .map(|package| DetailsAnswer::not_found(&package.name, &package.version, NOT_YET))
            .collect();
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
        let description = Harness::new(PypiResolver).describe().unwrap();
        assert_eq!(description.name, NAME);
        assert_eq!(description.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(description.abi, megapak_plugin_abi::AbiVersion::CURRENT);
    }

    #[test]
    fn it_honestly_has_no_candidates_yet() {
        let response = Harness::new(PypiResolver)
            .candidates_of(&["numpy", "torch"])
            .unwrap();
        insta::assert_json_snapshot!(response);
    }
}
