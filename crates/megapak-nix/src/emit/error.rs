//! What stops the emitter; the next step comes through [`Hint`], never in the message.

use std::path::PathBuf;

use megapak_types::{Hint, PackageName};

/// Why the Nix files could not be emitted from a lock.
#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    /// A fetched source has no hash: megapak never writes a fake one for Nix to complain about.
    #[error(
        "Package `{package}` has no hash in the lock: its source cannot be fetched reproducibly"
    )]
    MissingHash { package: PackageName },
    /// A hash that is not in SRI form.
    #[error(
        "Package `{package}` has the hash `{hash}`, which is not an SRI hash (`sha256-<base64>`)"
    )]
    InvalidHash { package: PackageName, hash: String },
    /// A key a source needs is empty.
    #[error("Package `{package}` has an empty `{key}` in its source")]
    Empty {
        package: PackageName,
        key: &'static str,
    },
    /// A dependency the lock does not have.
    #[error("Package `{package}` depends on `{dependency}`, which the lock does not have")]
    UnknownDependency {
        package: PackageName,
        dependency: PackageName,
    },
    /// Two packages would be one attribute of the Python package set.
    #[error("Packages `{first}` and `{second}` would both be the Python attribute `{attribute}`")]
    AttributeClash {
        attribute: String,
        first: PackageName,
        second: PackageName,
    },
    /// A package megapak defines whose attribute the package files take from nixpkgs' top level
    /// or the builder (`zlib`, `python`, `lib`): defining it would replace that argument in every
    /// package file.
    #[error(
        "Package `{package}` would be the Python attribute `{attribute}`, which the emitted package files take from nixpkgs"
    )]
    ReservedAttribute {
        package: PackageName,
        attribute: String,
    },
    /// A checkout pinned by something else than a full commit id.
    #[error("Package `{package}` has the git revision `{rev}`, which is not a full commit id")]
    InvalidRev { package: PackageName, rev: String },
    /// A wheel that links CUDA libraries on a target without CUDA.
    #[error("Package `{package}` links CUDA libraries, but the lock's target has no CUDA version")]
    NoCuda { package: PackageName },
    /// A target CUDA version that names no CUDA package set.
    #[error("The lock's target CUDA version `{cuda}` is not `MAJOR.MINOR`")]
    InvalidCuda { cuda: String },
    /// A file name Nix cannot store.
    #[error("The file name `{filename}` of package `{package}` cannot name a Nix store path")]
    InvalidFileName {
        package: PackageName,
        filename: String,
    },
    /// A path source outside the workspace's own tree of relative paths.
    #[error(
        "Package `{package}` has the absolute path `{path}`; the lock keeps paths relative to the workspace"
    )]
    AbsolutePath { package: PackageName, path: String },
    /// A build requirement whose name cannot be read.
    #[error(
        "Package `{package}` has the build requirement `{requirement}`, which does not start with a package name"
    )]
    InvalidBuildRequirement {
        package: PackageName,
        requirement: String,
    },
    /// An emitted file could not be written.
    #[error("Cannot write `{}`", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Hint for EmitError {
    fn hint(&self) -> Option<String> {
        match self {
            Self::MissingHash { .. }
            | Self::InvalidHash { .. }
            | Self::Empty { .. }
            | Self::InvalidRev { .. }
            | Self::UnknownDependency { .. }
            | Self::InvalidBuildRequirement { .. } => Some(
                "run `megapak resolve` again: the lock is its output, not meant to be edited by hand"
                    .to_owned(),
            ),
            Self::AttributeClash { first, second, .. } => Some(format!(
                "keep one of `{first}` and `{second}` with an `[[override]]` in `megapak.toml` (`skip = true` for the other), then run `megapak resolve`"
            )),
            Self::ReservedAttribute { package, .. } => Some(format!(
                "leave `{package}` to nixpkgs with an `[[override]]` in `megapak.toml` (`provider = \"nixpkgs\"`), then run `megapak resolve`"
            )),
            Self::NoCuda { .. } | Self::InvalidCuda { .. } => Some(
                "set `cuda = \"MAJOR.MINOR\"` in `[target]` of `megapak.toml`, then run `megapak resolve`"
                    .to_owned(),
            ),
            Self::InvalidFileName { .. } => Some(
                "pin a file whose name has only ASCII letters, digits and `+-._?=`, then run `megapak resolve`"
                    .to_owned(),
            ),
            Self::AbsolutePath { .. } => Some(
                "move the file into the workspace folder, then run `megapak resolve`".to_owned(),
            ),
            Self::Write { .. } => None,
        }
    }
}
