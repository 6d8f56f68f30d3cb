//! The `pypi` resolver plugin: Wheels and sdists published on PyPI.
//!
//! For now it answers `describe` and says, for every package, that it has no candidates: its
//! resolving logic (reading PyPI's index) comes in a later change. It never makes candidates up.

use megapak_plugin_abi::wire::{ResolveRequest, ResolveResponse};
use megapak_plugin_abi::{PluginInfo, ResolveError, Resolver};

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

    fn resolve(&self, request: &ResolveRequest) -> Result<ResolveResponse, ResolveError> {
        Ok(ResolveResponse::none_for_all(
            request,
            "The `pypi` resolver does not supply candidates yet",
        ))
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
            .resolve_names(&["numpy", "torch"])
            .unwrap();
        insta::assert_json_snapshot!(response);
    }
}
