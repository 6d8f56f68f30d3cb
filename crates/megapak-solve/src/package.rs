//! The packages PubGrub decides on.
//!
//! Besides the packages themselves there are three kinds of helper: the root (the pak files as
//! a whole), one per pak requirement (so a conflict names the `file:line` that asked), and one
//! per package and extra, as uv does: `imageio[ffmpeg]` at version V depends on `imageio` ==V
//! and on what the extra adds, so extras of one package can be asked for by different parents
//! and still share one version.

use std::fmt;

use megapak_types::PackageName;

/// A PubGrub package.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Pkg {
    /// The pak files as a whole; its one version depends on every requirement.
    Root,
    /// The pak requirement with this index in the solve's input.
    Requirement(usize),
    /// A package.
    Name(PackageName),
    /// A package with one extra.
    Extra(PackageName, String),
}

impl Pkg {
    /// The package this is, or is an extra of.
    pub(crate) fn name(&self) -> Option<&PackageName> {
        match self {
            Self::Name(name) | Self::Extra(name, _) => Some(name),
            Self::Root | Self::Requirement(_) => None,
        }
    }
}

impl fmt::Display for Pkg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Root => f.write_str("the pak files"),
            Self::Requirement(index) => write!(f, "pak requirement {index}"),
            Self::Name(name) => write!(f, "{name}"),
            Self::Extra(name, extra) => write!(f, "{name}[{extra}]"),
        }
    }
}
