//! The boundary between megapak and its resolver plugins. A plugin depends on this crate alone.
//!
//! A plugin is a shared library named `libmegapak_plugin_<name>.so` that exports one symbol,
//! [`ENTRY_SYMBOL`] (`megapak_plugin`), a function returning a pointer to a `#[repr(C)]`
//! [`PluginTable`]. The table starts with the ABI version, which the host checks before calling
//! anything else. Only C-compatible data crosses the boundary: the table, [`Buffer`]s of bytes and
//! [`Status`] codes. Everything rich travels as JSON in the versioned [`wire`] schema. The plugin
//! frees what it allocates (`free_buffer`), and a failure comes back as a status plus a message.
//!
//! A Rust plugin implements [`Resolver`] and calls [`export_resolver!`], which writes the
//! exports and catches every panic before it can cross `extern "C"`:
//!
//! ```
//! use megapak_plugin_abi::wire::{
//!     CandidatesAnswer, CandidatesRequest, CandidatesResponse, DetailsAnswer, DetailsRequest,
//!     DetailsResponse,
//! };
//! use megapak_plugin_abi::{PluginInfo, ResolveError, Resolver};
//!
//! #[derive(Default)]
//! struct Internal;
//!
//! impl Resolver for Internal {
//!     fn describe(&self) -> PluginInfo {
//!         PluginInfo::new("internal", env!("CARGO_PKG_VERSION"))
//!     }
//!
//!     fn candidates(
//!         &self,
//!         request: &CandidatesRequest,
//!     ) -> Result<CandidatesResponse, ResolveError> {
//!         let packages = request
//!             .packages
//!             .iter()
//!             .map(|package| CandidatesAnswer::not_found(&package.name, "Not on the internal index"))
//!             .collect();
//!         Ok(CandidatesResponse { packages })
//!     }
//!
//!     fn details(&self, request: &DetailsRequest) -> Result<DetailsResponse, ResolveError> {
//!         let packages = request
//!             .packages
//!             .iter()
//!             .map(|p| DetailsAnswer::not_found(&p.name, &p.version, "Not on the internal index"))
//!             .collect();
//!         Ok(DetailsResponse { packages })
//!     }
//! }
//!
//! megapak_plugin_abi::export_resolver!(Internal);
//! ```
//!
//! A plugin in another language fills the same table; `include/megapak_plugin.h` in this crate
//! spells it in C.

pub mod export;
mod panic_hook;
mod resolver;
mod table;
pub mod wire;

/// The JSON library the wire is written with: a plugin reads its settings with it.
pub use serde_json;

pub use resolver::{PluginInfo, ResolveError, Resolver};
pub use table::{
    ABI_MAJOR, ABI_MINOR, AbiVersion, Buffer, CallFn, DescribeFn, ENTRY_SYMBOL, ENTRY_SYMBOL_NUL,
    EntryFn, FreeFn, PluginTable, Status,
};
