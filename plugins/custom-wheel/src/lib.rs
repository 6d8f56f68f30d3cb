//! The `custom-wheel` resolver plugin: wheels a team pins by URL and hash.
//!
//! For now it answers `describe` and says, for every package, that it has no candidates: its
//! resolving logic (reading the wheels pinned in `megapak.toml`) comes in a later change. It never makes candidates up.

use megapak_plugin_abi::wire::{ResolveRequest, ResolveResponse};
use megapak_plugin_abi::{PluginInfo, ResolveError, Resolver};

/// The plugin's name, as in its file name `libmegapak_plugin_custom_wheel.so`.
pub const NAME: &str = "custom-wheel";

/// The `custom-wheel` resolver.
#[derive(Debug, Default)]
pub struct CustomWheelResolver;

impl Resolver for CustomWheelResolver {
    fn describe(&self) -> PluginInfo {
        PluginInfo::new(NAME, env!("CARGO_PKG_VERSION"))
            .with_summary("Wheels a team pins by URL and hash")
    }

    fn resolve(&self, request: &ResolveRequest) -> Result<ResolveResponse, ResolveError> {
        Ok(ResolveResponse::none_for_all(
            request,
            "The `custom-wheel` resolver does not supply candidates yet",
        ))
    }
}

megapak_plugin_abi::export_resolver!(CustomWheelResolver);

#[cfg(test)]
mod tests {
    use megapak_plugin_testing::Harness;

    use super::*;

    #[test]
    fn it_describes_itself() {
        let description = Harness::new(CustomWheelResolver).describe().unwrap();
        assert_eq!(description.name, NAME);
        assert_eq!(description.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(description.abi, megapak_plugin_abi::AbiVersion::CURRENT);
    }

    #[test]
    fn it_honestly_has_no_candidates_yet() {
        let response = Harness::new(CustomWheelResolver)
            .resolve_names(&["numpy", "torch"])
            .unwrap();
        insta::assert_json_snapshot!(response);
    }
}
