//! The host side of megapak's resolver plugins: finds `libmegapak_plugin_<name>.so` files,
//! loads them (for good: libraries are never unloaded), checks their ABI version before anything
//! else, asks each to describe itself, and calls them (`candidates`, `details`) with JSON of wire
//! schema 2.
//!
//! A broken plugin never takes megapak down with it: a file that is not a library, is for another
//! architecture or ABI, lacks the entry symbol, panics or answers garbage is refused with a
//! message naming the file and the cause ([`Refusal`]), and the caller decides whether the run
//! can go on ([`Plugins::ensure_usable`]). A plugin that aborts the process (a Rust plugin built
//! with `panic = "abort"`, `abort()` in C) cannot be survived, but it is named: before each step
//! that runs plugin code the host records the plugin and the step, and a SIGABRT handler prints
//! them before the process dies.
//!
//! ```no_run
//! use megapak_plugin_host::{HostOptions, Plugins, SearchPath};
//!
//! let options = HostOptions {
//!     search: SearchPath::standard(&[]),
//!     required: vec!["nixpkgs".to_owned()],
//! };
//! let plugins = Plugins::load(&options);
//! for refusal in &plugins.refused {
//!     eprintln!("warning: {refusal}");
//! }
//! plugins.ensure_usable()?;
//! # Ok::<(), megapak_plugin_host::HostError>(())
//! ```

mod breadcrumb;
mod calls;
mod elf;
mod error;
mod host;
mod library;
mod search;

pub use calls::PluginCalls;
pub use error::{Call, CallError, HostError, LoadError, PluginError, folder_list};
pub use host::{HostOptions, Plugin, Plugins, Refusal};
pub use megapak_plugin_abi::{self as abi, AbiVersion};
pub use search::{
    Folder, Origin, PLUGIN_PATH_ENV, SearchPath, SearchWarning, normalize_name, plugin_file_name,
    plugin_name,
};
