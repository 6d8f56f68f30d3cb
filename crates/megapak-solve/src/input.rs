//! What a solve starts from: the pak files' requirements, the target's marker environment,
//! the overrides and `-c` constraints, and whether pre-releases are wanted.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use megapak_config::{Config, Override, Target};
use megapak_plugin_abi::wire::DirectReference;
use megapak_requirements::pep440_rs::{Version, VersionSpecifiers};
use megapak_requirements::pep508_rs::MarkerEnvironment;
use megapak_requirements::{
    EntrySource, Location, MergedPackage, PackageSet, PackageSource, RequirementsFile, VcsKind,
};
use megapak_types::PackageName;

use crate::error::SolveError;
use crate::ranges::{self, Range};

/// One requirement of the pak files: a package with extras and specifiers, or a direct
/// reference, and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootRequirement {
    /// The package.
    pub name: PackageName,
    /// The extras asked for.
    pub extras: BTreeSet<String>,
    /// The version specifiers (all must hold); empty for any version.
    pub specifiers: VersionSpecifiers,
    /// The URL or VCS source the pak files name, handed to the providers.
    pub direct: Option<DirectReference>,
    /// Where it was written (several places when entries were merged).
    pub locations: Vec<Location>,
}

impl RootRequirement {
    /// The requirement as one reads it: `imageio[ffmpeg]>=2.9`, `clip @ git+https://...`.
    pub fn text(&self) -> String {
        let mut text = self.name.to_string();
        if !self.extras.is_empty() {
            let extras: Vec<&str> = self.extras.iter().map(String::as_str).collect();
            text.push_str(&format!("[{}]", extras.join(",")));
        }
        match &self.direct {
            Some(DirectReference::Git { url, rev, .. }) => {
                text.push_str(&format!(" @ git+{url}"));
                if let Some(rev) = rev {
                    text.push_str(&format!("@{rev}"));
                }
            }
            Some(DirectReference::Url { url }) => text.push_str(&format!(" @ {url}")),
            None => text.push_str(&self.specifiers.to_string()),
        }
        text
    }

    /// A requirement merged from the pak files' entries of one package.
    pub fn from_merged(package: &MergedPackage) -> Self {
        Self {
            name: package.name.clone(),
            extras: package.extras.clone(),
            specifiers: package.specifiers.clone(),
            direct: direct_reference(&package.source),
            locations: package.locations.clone(),
        }
    }
}

/// The wire's [`DirectReference`] of a pak file's URL or git source; `None` for an index
/// package, and for `hg+`/`svn+`/`bzr+` sources, which the wire has no kind for (a
/// [`SolveInput`] refuses them).
pub fn direct_reference(source: &PackageSource) -> Option<DirectReference> {
    match source {
        PackageSource::Registry => None,
        PackageSource::DirectUrl { url } => Some(DirectReference::Url { url: url.clone() }),
        PackageSource::Vcs(vcs) if vcs.vcs == VcsKind::Git => Some(DirectReference::Git {
            url: vcs.url.clone(),
            rev: vcs.rev.clone(),
            subdirectory: vcs.subdirectory.clone(),
        }),
        PackageSource::Vcs(_) => None,
    }
}

/// Everything a solve needs besides the providers.
#[derive(Debug, Clone)]
pub struct SolveInput {
    /// The pak files' requirements, one per package, in name order.
    pub requirements: Vec<RootRequirement>,
    /// `-c` constraints: versions a package may have if something brings it in.
    pub constraints: BTreeMap<PackageName, (VersionSpecifiers, Vec<Location>)>,
    /// The target's marker environment (`python_version`, `sys_platform`, ...).
    pub environment: MarkerEnvironment,
    /// The target's Python, `MAJOR.MINOR`, judged against `Requires-Python`.
    pub python: Version,
    /// `--pre` in the pak files: pre-releases of every package are allowed.
    pub prereleases: bool,
    /// `[[override]]` entries by package.
    pub overrides: BTreeMap<PackageName, Override>,
    /// `[target] torch`, e.g. `2.10`: `torch` is held to `==2.10.*` (`==2.10.1` for a full
    /// version), as the plugins' builds for the target are.
    pub torch: Option<String>,
}

impl SolveInput {
    /// The input of a workspace: `set` merged for `config`'s target
    /// (`merge_for_environment` with `config.target.marker_environment()`), its overrides,
    /// and `--pre` from the pak files.
    pub fn new(set: &PackageSet, config: &Config) -> Result<Self, SolveError> {
        Self::from_parts(set, &config.target, &config.overrides)
    }

    /// As [`SolveInput::new`], from the parts of a configuration.
    pub fn from_parts(
        set: &PackageSet,
        target: &Target,
        overrides: &[Override],
    ) -> Result<Self, SolveError> {
        let environment = target
            .marker_environment()
            .map_err(|error| SolveError::Target(error.to_string()))?;
        let python = Version::from_str(&target.python)
            .map_err(|error| SolveError::Target(error.to_string()))?;
        // Mercurial, Subversion and Bazaar lines: no resolver can fetch them, and treating one
        // as an index package would resolve something else under its name.
        if let Some(package) = set.packages.values().find(
            |package| matches!(&package.source, PackageSource::Vcs(vcs) if vcs.vcs != VcsKind::Git),
        ) {
            let at: Vec<String> = package.locations.iter().map(ToString::to_string).collect();
            return Err(SolveError::Target(format!(
                "`{}` at {} comes from `{}`: only git checkouts, URLs and package indexes can be resolved",
                package.name,
                at.join(", "),
                package.source
            )));
        }
        let mut by_name = BTreeMap::new();
        for o in overrides {
            let name = PackageName::new(&o.package)
                .map_err(|error| SolveError::Target(format!("`[[override]] package`: {error}")))?;
            by_name.insert(name, o.clone());
        }
        Ok(Self {
            requirements: set
                .packages
                .values()
                .map(RootRequirement::from_merged)
                .collect(),
            constraints: set
                .constraints
                .values()
                .map(|c| (c.name.clone(), (c.specifiers.clone(), c.locations.clone())))
                .collect(),
            environment,
            python,
            prereleases: set.index.pre,
            overrides: by_name,
            torch: target.torch.clone(),
        })
    }

    /// The versions `name` may have apart from what requirements say: its `-c` constraint and
    /// its `[[override]] version`, with the reason for each.
    pub(crate) fn restrictions(&self, name: &PackageName) -> Vec<(Range, String)> {
        let mut restrictions = Vec::new();
        if let Some((specifiers, locations)) = self.constraints.get(name) {
            let at: Vec<String> = locations.iter().map(ToString::to_string).collect();
            restrictions.push((
                ranges::specifiers_range(specifiers),
                format!("the constraint `{name}{specifiers}` at {}", at.join(", ")),
            ));
        }
        if let Some(torch) = self.torch.as_deref()
            && name.as_str() == "torch"
        {
            let specifier = if torch.split('.').count() >= 3 {
                format!("=={torch}")
            } else {
                format!("=={torch}.*")
            };
            let range = VersionSpecifiers::from_str(&specifier)
                .map_or_else(|_| Range::empty(), |s| ranges::specifiers_range(&s));
            restrictions.push((range, format!("`[target] torch = \"{torch}\"`")));
        }
        if let Some(version) = self.overrides.get(name).and_then(|o| o.version.as_deref()) {
            let range = Version::from_str(version)
                .map_or_else(|_| Range::empty(), |version| ranges::equal(&version));
            restrictions.push((
                range,
                format!("`[[override]] version = \"{version}\"` for `{name}`"),
            ));
        }
        restrictions
    }

    /// Whether an `[[override]] skip = true` leaves `name` out.
    pub(crate) fn skipped(&self, name: &PackageName) -> bool {
        self.overrides.get(name).is_some_and(|o| o.skip)
    }
}

/// One requirement per pak entry (not merged: each keeps its own line), for
/// [`check_root_requirements`](crate::check_root_requirements). Entries whose markers do not
/// hold in `environment` are left out; with no environment every entry counts. `-c` entries
/// count as requirements: a check of contradictions only.
pub(crate) fn entry_requirements(
    files: &[RequirementsFile],
    environment: Option<&MarkerEnvironment>,
) -> (Vec<RootRequirement>, bool) {
    let mut requirements = Vec::new();
    let mut with_markers = false;
    for entry in files
        .iter()
        .flat_map(|file| file.entries.iter().chain(&file.constraints))
    {
        if let Some(environment) = environment
            && !entry.applies_to(environment)
        {
            continue;
        }
        let EntrySource::Registry { specifiers } = &entry.source else {
            continue;
        };
        with_markers |= entry.marker.is_some() && environment.is_none();
        requirements.push(RootRequirement {
            name: entry.name.clone(),
            extras: BTreeSet::new(),
            specifiers: specifiers.clone(),
            direct: None,
            locations: vec![entry.location.clone()],
        });
    }
    (requirements, with_markers)
}
