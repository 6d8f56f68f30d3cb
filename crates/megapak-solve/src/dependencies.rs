//! A candidate's requirement strings, parsed once, and the PubGrub edges they give for the
//! target: markers evaluated (`python_version`, `sys_platform`, `extra == "x"`), extras as
//! packages of their own, skipped packages and edges to the package itself left out.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::str::FromStr;

use megapak_requirements::pep508_rs::{
    ExtraName, MarkerEnvironment, MarkerTree, Requirement, VersionOrUrl,
};
use megapak_types::PackageName;
use url::Url;

use crate::package::Pkg;
use crate::ranges::{self, Range};

/// One requirement of a candidate.
#[derive(Debug, Clone)]
pub(crate) struct Dependency {
    pub(crate) name: PackageName,
    pub(crate) extras: Vec<String>,
    pub(crate) range: Range,
    pub(crate) marker: MarkerTree,
    /// It names a pre-release (`>=2.0rc1`), which lets pre-releases of `name` in.
    pub(crate) names_prerelease: bool,
}

/// Parses requirement strings; the first invalid one is returned as an error with its text.
/// `pep508_rs` panics on a few malformed inputs: such a panic is caught and counts as invalid.
pub(crate) fn parse(requirements: &[String]) -> Result<Vec<Dependency>, String> {
    requirements
        .iter()
        .map(|text| {
            let parsed = catch_unwind(AssertUnwindSafe(|| Requirement::<Url>::from_str(text)));
            let requirement = match parsed {
                Ok(Ok(requirement)) => requirement,
                Ok(Err(error)) => return Err(format!("`{text}`: {error}")),
                Err(_) => return Err(format!("`{text}`")),
            };
            let name = PackageName::new(requirement.name.as_ref())
                .map_err(|error| format!("`{text}`: {error}"))?;
            let (range, names_prerelease) = match &requirement.version_or_url {
                Some(VersionOrUrl::VersionSpecifier(specifiers)) => (
                    ranges::specifiers_range(specifiers),
                    ranges::names_prerelease(specifiers),
                ),
                // A dependency on a URL: the version is whatever the URL holds.
                Some(VersionOrUrl::Url(_)) | None => (Range::full(), false),
            };
            Ok(Dependency {
                name,
                extras: requirement.extras.iter().map(ToString::to_string).collect(),
                range,
                marker: requirement.marker,
                names_prerelease,
            })
        })
        .collect()
}

/// The edges of `package` (with `extra`, or the package itself) for `environment`: for the
/// package, the requirements whose marker holds without extras; for an extra, those that hold
/// only with it. `skipped` packages and the package itself are left out.
pub(crate) fn edges<'d>(
    package: &PackageName,
    extra: Option<&str>,
    dependencies: &'d [Dependency],
    environment: &MarkerEnvironment,
    skipped: impl Fn(&PackageName) -> bool,
) -> (BTreeMap<Pkg, Range>, Vec<&'d Dependency>) {
    let extra_text = extra;
    let extra_name = extra.and_then(|extra| ExtraName::from_str(extra).ok());
    let mut map: BTreeMap<Pkg, Range> = BTreeMap::new();
    let mut used = Vec::new();
    for dependency in dependencies {
        let applies = match &extra_name {
            None => dependency.marker.evaluate(environment, &[]),
            Some(extra) => {
                dependency
                    .marker
                    .evaluate(environment, std::slice::from_ref(extra))
                    && !dependency.marker.evaluate(environment, &[])
            }
        };
        if !applies || skipped(&dependency.name) {
            continue;
        }
        used.push(dependency);
        if dependency.name != *package {
            add(
                &mut map,
                Pkg::Name(dependency.name.clone()),
                &dependency.range,
            );
        }
        for extra in &dependency.extras {
            // `foo[x]` needing `foo[x]`: an edge to itself, which PubGrub must not see.
            if dependency.name == *package && Some(extra.as_str()) == extra_text {
                continue;
            }
            add(
                &mut map,
                Pkg::Extra(dependency.name.clone(), extra.clone()),
                &dependency.range,
            );
        }
    }
    (map, used)
}

/// Adds an edge, intersecting with one to the same package.
pub(crate) fn add(map: &mut BTreeMap<Pkg, Range>, package: Pkg, range: &Range) {
    map.entry(package)
        .and_modify(|existing| *existing = existing.intersection(range))
        .or_insert_with(|| range.clone());
}
