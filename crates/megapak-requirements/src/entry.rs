//! One requirement of a requirements file, and where it comes from.

use std::collections::BTreeSet;
use std::fmt;

use pep440_rs::VersionSpecifiers;
use pep508_rs::{MarkerEnvironment, MarkerTree};
use serde::{Serialize, Serializer};

use megapak_types::Location;
use megapak_types::PackageName;

/// A requirement line: `torch==2.10.0`, `imageio[ffmpeg]`, `x @ https://.../x.whl`,
/// `git+https://github.com/o/r@main#egg=r`, `-e git+...`, each with its per-requirement
/// options (`--hash`, `-C`/`--config-settings`, `--global-option`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The normalized name.
    pub name: PackageName,
    /// The name as written (for a bare URL, as found in the `#egg=` fragment, the wheel file
    /// name or the repository name).
    pub spelling: String,
    /// Where to get it: an index, a URL or a VCS checkout.
    pub source: EntrySource,
    /// Requested extras, normalized (`imageio[ffmpeg,pyav]`).
    pub extras: BTreeSet<String>,
    /// The environment marker after `;`, kept for later evaluation; `None` when there is none.
    #[serde(serialize_with = "serialize_marker")]
    pub marker: Option<MarkerTree>,
    /// `--hash` values, `algorithm:hexdigest`, in the order written.
    pub hashes: Vec<String>,
    /// `-C`/`--config-settings` values for the PEP 517 build backend, `KEY=VALUE` as written
    /// (the key ends at the first `=`), in order; a key may repeat.
    pub config_settings: Vec<String>,
    /// `--global-option` values (options for `setup.py` before its command), in order.
    pub global_options: Vec<String>,
    /// Given with `-e`/`--editable`.
    pub editable: bool,
    /// Where the entry starts: its first physical line.
    pub location: Location,
    /// The logical line as written: continuations joined, comment removed, trimmed.
    pub raw: String,
}

impl Entry {
    /// Whether the entry names a URL or a VCS checkout rather than an index release.
    pub fn is_vcs_or_url(&self) -> bool {
        !matches!(self.source, EntrySource::Registry { .. })
    }

    /// Whether the marker holds in `env` (entries without a marker always apply). Extras of
    /// the marker (`extra == "x"`) hold for none.
    pub fn applies_to(&self, env: &MarkerEnvironment) -> bool {
        self.marker
            .as_ref()
            .is_none_or(|marker| marker.evaluate(env, &[]))
    }
}

/// Where an [`Entry`] is to be installed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EntrySource {
    /// A release from a package index; no specifiers means any version.
    Registry {
        /// Version specifiers such as `>=2.8.1, ==2.8.*`.
        #[serde(serialize_with = "serialize_display")]
        specifiers: VersionSpecifiers,
    },
    /// An archive at a URL (`name @ https://.../x.whl`, or a bare wheel URL).
    DirectUrl {
        /// The URL, fragment included.
        url: String,
    },
    /// A VCS checkout.
    Vcs(VcsSource),
}

/// A VCS requirement, `git+https://github.com/o/r@rev#egg=name&subdirectory=dir`, taken apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct VcsSource {
    /// The version control system.
    pub vcs: VcsKind,
    /// The repository URL without the `git+` prefix, revision and fragment:
    /// `https://github.com/o/r`.
    pub url: String,
    /// Branch, tag or commit after the last `@` of the path.
    pub rev: Option<String>,
    /// The `subdirectory=` fragment: the package's folder in the repository.
    pub subdirectory: Option<String>,
}

impl fmt::Display for VcsSource {
    /// The pip spelling: `git+https://github.com/o/r@rev#subdirectory=dir`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}+{}", self.vcs, self.url)?;
        if let Some(rev) = &self.rev {
            write!(f, "@{rev}")?;
        }
        if let Some(subdirectory) = &self.subdirectory {
            write!(f, "#subdirectory={subdirectory}")?;
        }
        Ok(())
    }
}

/// A version control system pip can install from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VcsKind {
    /// `git+`
    Git,
    /// `hg+`
    Hg,
    /// `svn+`
    Svn,
    /// `bzr+`
    Bzr,
}

impl VcsKind {
    /// The kind for a URL scheme prefix (`git` of `git+https`).
    pub fn from_prefix(prefix: &str) -> Option<Self> {
        match prefix.to_ascii_lowercase().as_str() {
            "git" => Some(Self::Git),
            "hg" => Some(Self::Hg),
            "svn" => Some(Self::Svn),
            "bzr" => Some(Self::Bzr),
            _ => None,
        }
    }
}

impl fmt::Display for VcsKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Git => "git",
            Self::Hg => "hg",
            Self::Svn => "svn",
            Self::Bzr => "bzr",
        })
    }
}

/// Markers serialize as their canonical PEP 508 text.
pub(crate) fn serialize_marker<S: Serializer>(
    marker: &Option<MarkerTree>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match marker.as_ref().and_then(MarkerTree::try_to_string) {
        Some(text) => serializer.serialize_some(&text),
        None => serializer.serialize_none(),
    }
}

pub(crate) fn serialize_display<T: fmt::Display, S: Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vcs_source_displays_as_pip_writes_it() {
        let source = VcsSource {
            vcs: VcsKind::Git,
            url: "https://github.com/o/r".into(),
            rev: Some("main".into()),
            subdirectory: Some("py".into()),
        };
        assert_eq!(
            source.to_string(),
            "git+https://github.com/o/r@main#subdirectory=py"
        );
        assert_eq!(VcsKind::from_prefix("HG"), Some(VcsKind::Hg));
        assert_eq!(VcsKind::from_prefix("cvs"), None);
    }
}
