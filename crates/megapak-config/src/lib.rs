//! `megapak.toml`, the declarative description of a megapak workspace.
//!
//! ```toml
//! # Paths are relative to this file.
//! paks = ["paks/pak2.txt", "paks/pak3.txt"]
//!
//! [target]
//! python = "3.14"          # required, `MAJOR.MINOR`
//! cuda = "13.0"            # optional, `MAJOR.MINOR`
//! torch = "2.10"           # optional, a PEP 440 version
//! system = "x86_64-linux"  # the Nix system, default `x86_64-linux`
//!
//! [plugins]
//! paths = ["plugins"]      # extra folders searched for resolver plugins
//! required = ["nixpkgs"]   # plugins that must load, or megapak stops
//!
//! [resolvers]
//! order = ["custom-wheel", "nixpkgs", "pypi"]
//!
//! [resolvers.pypi]         # one opaque table per plugin, handed to it as is
//! index-url = "https://pypi.org/simple"
//!
//! [[override]]
//! package = "torch"
//! provider = "nixpkgs"
//! attr = "torchWithCuda"
//! ```
//!
//! Unknown keys and wrong types are errors naming `file:line:column`.

mod error;
mod load;
mod model;
mod settings_lines;
mod span;
mod target_markers;
mod validate;

pub use error::ConfigError;
pub use model::{Config, Override, Pak, PluginsConfig, ResolversConfig, Target};
pub use target_markers::InvalidTarget;

/// The name of the configuration file megapak looks for in the current folder.
pub const CONFIG_FILE_NAME: &str = "megapak.toml";

/// The resolver order used when `[resolvers] order` is not given.
pub const DEFAULT_RESOLVER_ORDER: [&str; 3] = ["custom-wheel", "nixpkgs", "pypi"];
