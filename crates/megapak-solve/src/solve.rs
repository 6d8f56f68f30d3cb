//! One solve: check the overrides, run PubGrub over the providers, turn its answer into a
//! [`Resolution`] or its derivation tree into words.

use std::collections::{BTreeMap, BTreeSet};

use megapak_plugin_abi::wire::DetailsOutcome;
use megapak_requirements::pep440_rs::Version;
use megapak_types::PackageName;
use pubgrub::PubGrubError;

use crate::dependencies;
use crate::error::SolveError;
use crate::explain;
use crate::input::SolveInput;
use crate::oracle::{Known, Listing, Mode, Oracle};
use crate::package::Pkg;
use crate::provider::Provider;
use crate::resolution::{Resolution, ResolvedPackage};

/// Completes the pak files' requirements with `providers`, asked in this order (the
/// `[resolvers] order`; see the crate documentation for the rules).
pub fn solve(input: &SolveInput, providers: &[&dyn Provider]) -> Result<Resolution, SolveError> {
    for o in input.overrides.values() {
        if let Some(provider) = &o.provider
            && !providers.iter().any(|p| p.name() == provider)
        {
            return Err(SolveError::UnknownProvider {
                package: o.package.clone(),
                provider: provider.clone(),
                line: o.line,
                available: providers
                    .iter()
                    .map(|p| format!("`{}`", p.name()))
                    .collect(),
            });
        }
    }
    let oracle = Oracle::new(input, &input.requirements, providers, Mode::Solve);
    let selected = run(&oracle)?;
    Ok(resolution(&oracle, &selected))
}

/// Runs PubGrub; a conflict becomes its explanation.
pub(crate) fn run(oracle: &Oracle<'_>) -> Result<BTreeMap<Pkg, Version>, SolveError> {
    match pubgrub::resolve(oracle, Pkg::Root, Version::new([0])) {
        Ok(selected) => Ok(selected.into_iter().collect()),
        Err(PubGrubError::NoSolution(mut tree)) => {
            // "No other version of `a` than 1.0" facts are noise: fold them into the facts
            // they go with. What no resolver has at all is told with the requirement instead.
            tree.collapse_no_versions();
            Err(explain::explain(oracle, &tree))
        }
        Err(PubGrubError::ErrorRetrievingDependencies { source, .. }) => Err(source),
        Err(PubGrubError::ErrorChoosingVersion { source, .. }) => Err(source),
        Err(PubGrubError::ErrorInShouldCancel(source)) => Err(source),
    }
}

/// The resolution of PubGrub's selection.
fn resolution(oracle: &Oracle<'_>, selected: &BTreeMap<Pkg, Version>) -> Resolution {
    let input = oracle.input;
    let state = oracle.state.borrow();
    let mut extras: BTreeMap<&PackageName, Vec<String>> = BTreeMap::new();
    for package in selected.keys() {
        if let Pkg::Extra(name, extra) = package {
            extras.entry(name).or_default().push(extra.clone());
        }
    }
    // The versions found unusable on a closer look (no details, a `Requires-Python` only the
    // details told): a package resolved below one of them says so, not silently.
    let mut unusable: BTreeMap<&PackageName, Vec<(&Version, &String)>> = BTreeMap::new();
    for ((name, version), known) in &state.known {
        if let Err(reason) = known {
            unusable.entry(name).or_default().push((version, reason));
        }
    }
    let mut packages: BTreeMap<PackageName, ResolvedPackage> = BTreeMap::new();
    for (package, version) in selected {
        let Pkg::Name(name) = package else {
            continue;
        };
        let Some(&i) = state.chosen.get(&(name.clone(), version.clone())) else {
            continue;
        };
        let (text, version_notes, package_notes) = match state.listings.get(&(i, name.clone())) {
            Some(Listing::Found { candidates, notes }) => {
                let candidate = candidates.iter().find(|c| c.version == *version);
                (
                    candidate.map_or_else(|| version.to_string(), |c| c.text.clone()),
                    candidate.map(|c| c.notes.clone()).unwrap_or_default(),
                    notes.clone(),
                )
            }
            _ => (version.to_string(), Vec::new(), Vec::new()),
        };
        let Some(DetailsOutcome::Found(found)) =
            state.details.get(&(i, name.clone(), text.clone()))
        else {
            continue;
        };
        let known = state.known.get(&(name.clone(), version.clone()));
        let mut dependencies = BTreeSet::new();
        let mut dependencies_from = None;
        if let Some(Ok(known)) = known {
            dependencies_from = known
                .borrowed_from
                .map(|j| oracle.providers[j].name().to_owned());
            let package_extras = extras.get(name).cloned().unwrap_or_default();
            let wanted =
                std::iter::once(None).chain(package_extras.iter().map(|e| Some(e.as_str())));
            for extra in wanted {
                let (map, _) = dependencies::edges(
                    name,
                    extra,
                    &known.dependencies,
                    &input.environment,
                    |dependency| input.skipped(dependency),
                );
                dependencies.extend(
                    map.keys()
                        .filter_map(Pkg::name)
                        .filter(|d| *d != name)
                        .cloned(),
                );
            }
        }
        let mut notes = package_notes;
        notes.extend(version_notes);
        notes.extend(found.notes.iter().cloned());
        if let Some(Ok(Known {
            unknown: Some(reason),
            ..
        })) = known
        {
            notes.push(format!(
                "Dependencies unknown to every resolver ({reason}): none were locked; name what it needs in a pak file if its build or import fails"
            ));
        }
        if let Some(Ok(known)) = known
            && !known.left_out.is_empty()
        {
            let names: Vec<String> = known.left_out.iter().map(|n| format!("`{n}`")).collect();
            notes.push(format!(
                "Borrowed dependencies without {}: nixpkgs builds it against its CUDA package set",
                names.join(", ")
            ));
        }
        if let Some(note) = unusable
            .get(name)
            .and_then(|versions| newer_unusable_note(version, versions))
        {
            notes.push(note);
        }
        // A provider may say the same thing of the package and of the version: once is enough.
        let mut seen = BTreeSet::new();
        notes.retain(|note| seen.insert(note.clone()));
        let requested_at = input
            .requirements
            .iter()
            .filter(|r| r.name == *name)
            .flat_map(|r| r.locations.iter().cloned())
            .collect();
        packages.insert(
            name.clone(),
            ResolvedPackage {
                name: name.clone(),
                version: text,
                provider: oracle.providers[i].name().to_owned(),
                source: found.source.clone(),
                extras: extras.get(name).cloned().unwrap_or_default(),
                dependencies: dependencies.into_iter().collect(),
                dependencies_from,
                dependencies_unknown: match known {
                    Some(Ok(known)) => known.unknown.clone(),
                    _ => None,
                },
                build_system: found.build_system.clone(),
                cuda_libraries: cuda_libraries(found),
                import_names: found.import_names.clone(),
                requires_python: found.requires_python.clone(),
                summary: found.summary.clone(),
                license: found.license.clone(),
                notes,
                requested_at,
                required_by: Vec::new(),
            },
        );
    }
    let edges: Vec<(PackageName, PackageName)> = packages
        .values()
        .flat_map(|p| p.dependencies.iter().map(|d| (d.clone(), p.name.clone())))
        .collect();
    for (dependency, parent) in edges {
        if let Some(package) = packages.get_mut(&dependency) {
            package.required_by.push(parent);
        }
    }
    for package in packages.values_mut() {
        package.required_by.sort();
        package.required_by.dedup();
    }
    Resolution {
        packages: packages.into_values().collect(),
        skipped: input
            .overrides
            .iter()
            .filter(|(_, o)| o.skip)
            .map(|(name, o)| (name.clone(), o.reason.clone()))
            .collect(),
    }
}

/// The CUDA package set's attributes a version's native libraries need, as its details say.
fn cuda_libraries(found: &megapak_plugin_abi::wire::Found) -> Vec<String> {
    let mut attributes: Vec<String> = found
        .libraries
        .iter()
        .flat_map(|libraries| &libraries.cuda)
        .map(|library| library.attribute.clone())
        .collect();
    attributes.sort();
    attributes.dedup();
    attributes
}

/// How many unusable newer versions a note names one by one.
const UNUSABLE_NAMED: usize = 3;

/// The note of a package resolved to `chosen` below versions that were unusable: the newest
/// few, each with its reason, and how many more.
fn newer_unusable_note(chosen: &Version, versions: &[(&Version, &String)]) -> Option<String> {
    let mut newer: Vec<&(&Version, &String)> =
        versions.iter().filter(|(v, _)| *v > chosen).collect();
    if newer.is_empty() {
        return None;
    }
    newer.sort_by(|a, b| b.0.cmp(a.0));
    let named: Vec<&str> = newer
        .iter()
        .take(UNUSABLE_NAMED)
        .map(|(_, reason)| reason.as_str())
        .collect();
    let more = match newer.len().saturating_sub(UNUSABLE_NAMED) {
        0 => String::new(),
        n => format!(" (and {n} more)"),
    };
    let count = match newer.len() {
        1 => "a newer version".to_owned(),
        n => format!("{n} newer versions"),
    };
    Some(format!(
        "Taken below {count} found unusable: {}{more}",
        named.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_unusable_versions_are_named_and_the_rest_counted() {
        let versions: Vec<(Version, String)> = ["1.0", "2.0", "3.0", "4.0", "5.0", "6.0"]
            .iter()
            .map(|v| (v.parse().unwrap(), format!("{v} has no wheel")))
            .collect();
        let refs: Vec<(&Version, &String)> = versions.iter().map(|(v, r)| (v, r)).collect();
        let note = |chosen: &str| newer_unusable_note(&chosen.parse().unwrap(), &refs);
        assert_eq!(
            note("1.5").unwrap(),
            "Taken below 5 newer versions found unusable: 6.0 has no wheel; 5.0 has no wheel; 4.0 has no wheel (and 2 more)"
        );
        assert_eq!(
            note("5.5").unwrap(),
            "Taken below a newer version found unusable: 6.0 has no wheel"
        );
        assert_eq!(note("6.0"), None);
    }
}
