//! Building the image, for `megapak build`: `nix build` of the workspace flake's image with its
//! `--log-format internal-json` log turned into progress ([`tracker`], [`progress`]) and its
//! errors into failures a user can act on ([`failure`]: a wrong hash names the lock entry and
//! both hashes, a missing attribute the lock entry, an autoPatchelf failure the library and the
//! wheel); the closure's size ([`closure`]); and loading the result into docker or podman
//! ([`load`]).
//!
//! It sees the lock only as [`KnownPackages`] (names, versions, file names, nixpkgs
//! attributes): never plugins, pak files or the wire.

pub mod activity;
pub mod closure;
pub mod error;
pub mod failure;
pub mod load;
pub mod log;
pub mod nix;
pub mod packages;
mod process;
pub mod progress;
pub mod tracker;

pub use error::{BuildError, LoadError};
pub use failure::Failure;
pub use nix::{BuildRequest, Built, Installable, OutLink};
pub use packages::{KnownPackage, KnownPackages};
pub use progress::{PlainProgress, Progress, TerminalProgress};
pub use tracker::{Status, Tracker};
