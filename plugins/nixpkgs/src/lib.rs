//! The `nixpkgs` resolver plugin: packages that nixpkgs already builds (`python3Packages.*`).
//!
//! For now it answers `describe` and says, for every package, that it has no candidates: its
//! resolving logic (looking packages up in nixpkgs) comes in a later change. It never makes candidates up.

use megapak_plugin_abi::wire::{ResolveRequest, ResolveResponse};
use megapak_plugin_abi::{PluginInfo, ResolveError, Resolver};

/// The plugin's name, as in its file name `libmegapak_plugin_nixpkgs.so`.
pub const NAME: &str = "nixpkgs";

/// The `nixpkgs` resolver.
#[derive(Debug, Default)]
pub struct NixpkgsResolver;

impl Resolver for NixpkgsResolver {
    fn describe(&self) -> PluginInfo {
        PluginInfo::new(NAME, env!("CARGO_PKG_VERSION"))
            .with_summary("Packages that nixpkgs already builds (`python3Packages.*`)")
    }

    fn resolve(&self, request: &ResolveRequest) -> Result<ResolveResponse, ResolveError> {
        Ok(ResolveResponse::none_for_all(
            request,
            "The `nixpkgs` resolver does not supply candidates yet",
        ))
    }
}

megapak_plugin_abi::export_resolver!(NixpkgsResolver);

#[cfg(test)]
mod tests {
    use megapak_plugin_testing::Harness;

    use super::*;

    #[test]
    fn it_describes_itself() {
        let description = Harness::new(NixpkgsResolver).describe().unwrap();
        assert_eq!(description.name, NAME);
        assert_eq!(description.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(description.abi, megapak_plugin_abi::AbiVersion::CURRENT);
    }

    #[test]
    fn it_honestly_has_no_candidates_yet() {
        let response = Harness::new(NixpkgsResolver)
            .resolve_names(&["numpy", "torch"])
            .unwrap();
        insta::assert_json_snapshot!(response);
    }
}
