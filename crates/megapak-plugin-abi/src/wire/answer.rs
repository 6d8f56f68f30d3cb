//! What a plugin answers: one typed outcome per package asked about.

use serde::{Deserialize, Serialize};

use super::{NativeLibraries, Source};

/// `candidates`' output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidatesResponse {
    /// One answer per package asked about, in any order. A package left out counts as
    /// `not-found`; an answer for a package that was not asked about is refused.
    pub packages: Vec<CandidatesAnswer>,
}

/// The answer for one name of a `candidates` call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidatesAnswer {
    /// The name as asked.
    pub name: String,
    /// What the plugin has for it.
    #[serde(flatten)]
    pub outcome: CandidatesOutcome,
}

/// What a plugin has for one name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum CandidatesOutcome {
    /// These versions can be supplied (possibly none that fits: the solver judges).
    Found {
        /// The versions, in any order.
        versions: Vec<VersionInfo>,
        /// Anything the user should read about the package as a whole.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        notes: Vec<String>,
    },
    /// The plugin has no version of it; `reason` is shown to the user, e.g. "`decord` is not in
    /// nixpkgs" or "in nixpkgs at 1.24.4, but `>=1.25` is required".
    NotFound {
        /// Why, in megapak's message style.
        reason: String,
    },
    /// The answer would need the network, and the request said `offline`.
    Offline {
        /// What would have been fetched.
        reason: String,
    },
    /// This package failed (its index page could not be read, say); the others may not have.
    Error {
        /// What went wrong.
        message: String,
    },
}

/// One version a plugin can supply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    /// A PEP 440 version, e.g. `2.10.0`.
    pub version: String,
    /// The `Requires-Python` of that version, when known, e.g. `>=3.10`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_python: Option<String>,
    /// Whether the index marks it yanked (a solver takes it only when pinned exactly).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub yanked: bool,
    /// E.g. "not in the public binary cache: built from source".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl VersionInfo {
    /// A plain version with nothing else to say.
    pub fn new(version: impl Into<String>) -> Self {
        Self {
            version: version.into(),
            requires_python: None,
            yanked: false,
            notes: Vec::new(),
        }
    }
}

/// `details`' output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetailsResponse {
    /// One answer per name and version asked about, in any order. A pair left out counts as
    /// `not-found`; an answer for a pair that was not asked about is refused.
    pub packages: Vec<DetailsAnswer>,
}

/// The answer for one name and version of a `details` call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetailsAnswer {
    /// The name as asked.
    pub name: String,
    /// The version as asked.
    pub version: String,
    /// What the plugin knows of it.
    #[serde(flatten)]
    pub outcome: DetailsOutcome,
}

/// What a plugin knows of one version.
// `Found` is much the largest variant, and most answers are `Found`: boxing it would cost an
// allocation per answer to save the space of the rare others.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum DetailsOutcome {
    /// Its source, dependencies and notes.
    Found(Found),
    /// The plugin cannot supply this version after all.
    NotFound {
        /// Why, in megapak's message style.
        reason: String,
    },
    /// The answer would need the network, and the request said `offline`.
    Offline {
        /// What would have been fetched.
        reason: String,
    },
    /// This version failed; the others may not have.
    Error {
        /// What went wrong.
        message: String,
    },
}

/// The details of one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Found {
    /// Where it comes from.
    pub source: Source,
    /// What it needs at run time.
    pub dependencies: Dependencies,
    /// PEP 508 requirements of its PEP 517 build system, for an sdist or a checkout
    /// (`setuptools>=61`, `hatchling`); empty for a wheel or a nixpkgs attribute.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub build_system: Vec<String>,
    /// Its `Requires-Python`, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_python: Option<String>,
    /// Its top-level import names (`cv2` for `opencv-python`), when known, for an import check.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub import_names: Vec<String>,
    /// Its one-line summary, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Its licence expression, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// Anything the user should read, e.g. "not in the public binary cache: built from source".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The shared libraries its native code needs, by provider, for a wheel with ELF files.
    /// Added in ABI 2.0's minor evolution (optional: older peers leave it out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub libraries: Option<NativeLibraries>,
}

impl Found {
    /// Details with a source and dependencies and nothing else.
    pub fn new(source: Source, dependencies: Dependencies) -> Self {
        Self {
            source,
            dependencies,
            build_system: Vec::new(),
            requires_python: None,
            import_names: Vec::new(),
            summary: None,
            license: None,
            notes: Vec::new(),
            libraries: None,
        }
    }
}

/// What a version needs at run time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Dependencies {
    /// PEP 508 requirement strings, markers and extras included:
    /// `numpy>=2; python_version >= "3.10"`, `pillow; extra == "image"`. Empty: it needs nothing.
    Known {
        /// The requirements.
        requirements: Vec<String>,
    },
    /// The plugin cannot know them (a snapshot without dependency lists, say); megapak takes
    /// them from the next provider's details of the same name and version.
    Unknown {
        /// Why they are unknown.
        reason: String,
    },
}

impl Dependencies {
    /// Known requirements.
    pub fn known<I, S>(requirements: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::Known {
            requirements: requirements.into_iter().map(Into::into).collect(),
        }
    }
}

impl CandidatesAnswer {
    /// `found` with these versions.
    pub fn found<I, S>(name: impl Into<String>, versions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            name: name.into(),
            outcome: CandidatesOutcome::Found {
                versions: versions.into_iter().map(VersionInfo::new).collect(),
                notes: Vec::new(),
            },
        }
    }

    /// An honest "I have nothing for this package", with the reason.
    pub fn not_found(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            outcome: CandidatesOutcome::NotFound {
                reason: reason.into(),
            },
        }
    }
}

impl DetailsAnswer {
    /// `not-found` for this version, with the reason.
    pub fn not_found(
        name: impl Into<String>,
        version: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            outcome: DetailsOutcome::NotFound {
                reason: reason.into(),
            },
        }
    }
}
