//! PubGrub's derivation tree in words: the facts it rests on (what the pak files ask for,
//! what each candidate needs, what no resolver has) in the order they are used, each followed
//! by what follows from it, ending in the conclusion. Repeated facts are told once, and a very
//! long chain keeps its beginning and its end.

use std::collections::{BTreeSet, HashSet};
use std::fmt::Write as _;

use megapak_plugin_abi::wire::{DetailsOutcome, Source};
use megapak_requirements::pep440_rs::Version;
use megapak_types::{Location, PackageName};
use pubgrub::{DerivationTree, External, Map, Term};

use crate::error::SolveError;
use crate::oracle::{Listing, Mode, Oracle};
use crate::package::Pkg;
use crate::ranges::{self, Range};

/// Lines kept at each end of a chain longer than twice this.
const KEEP: usize = 15;

type Tree = DerivationTree<Pkg, Range, String>;

/// The conclusion of the root.
const ALL: &str = "so no set of versions satisfies all of them";

/// `pypi's`, `nixpkgs'`.
pub(crate) fn possessive(name: &str) -> String {
    if name.ends_with('s') {
        format!("{name}'")
    } else {
        format!("{name}'s")
    }
}

/// The explanation of a failed solve, as a [`SolveError::NoSolution`].
pub(crate) fn explain(oracle: &Oracle<'_>, tree: &Tree) -> SolveError {
    let mut lines = Vec::new();
    let mut shared = HashSet::new();
    walk(oracle, tree, &mut lines, &mut shared);
    let mut seen = HashSet::new();
    lines.retain(|line| seen.insert(line.clone()));
    drop_transitive_steps(&mut lines);
    // The last step says it all when the one before it is a conclusion already.
    if lines.len() > 1
        && lines.last().is_some_and(|line| line == ALL)
        && lines[lines.len() - 2].starts_with("so ")
    {
        lines.pop();
    }
    if lines.len() > 2 * KEEP {
        let dropped = lines.len() - 2 * KEEP;
        let tail = lines.split_off(lines.len() - KEEP);
        lines.truncate(KEEP);
        lines.push(format!("... {dropped} more steps ..."));
        lines.extend(tail);
    }
    let header = match oracle.mode {
        Mode::Solve => "No set of versions satisfies the pak files:",
        Mode::RootsOnly => "The pak files contradict each other:",
    };
    let mut explanation = header.to_owned();
    for line in &lines {
        let _ = write!(explanation, "\n  {line}");
    }
    let packages: BTreeSet<PackageName> = tree
        .packages()
        .into_iter()
        .filter_map(Pkg::name)
        .cloned()
        .collect();
    SolveError::NoSolution {
        explanation,
        hints: hints(oracle, &packages),
        packages: packages.into_iter().collect(),
    }
}

/// In a run of "so A needs `z`", facts, "so B needs `z`" (B needs A, which needs z), the
/// earlier conclusions add nothing once the facts are read in order: only the last is kept.
fn drop_transitive_steps(lines: &mut Vec<String>) {
    let needs = |line: &str| -> Option<String> {
        let rest = line.strip_prefix("so ")?;
        rest.rfind(" needs ").map(|at| rest[at..].to_owned())
    };
    let mut keep = vec![true; lines.len()];
    let mut open: Option<(usize, String)> = None;
    for (index, line) in lines.iter().enumerate() {
        match needs(line) {
            Some(what) => {
                if let Some((previous, previous_what)) = &open
                    && *previous_what == what
                {
                    keep[*previous] = false;
                }
                open = Some((index, what));
            }
            None if line.starts_with("so ") => open = None,
            None => {}
        }
    }
    let mut flags = keep.into_iter();
    lines.retain(|_| flags.next().unwrap_or(true));
}

fn walk(oracle: &Oracle<'_>, tree: &Tree, lines: &mut Vec<String>, shared: &mut HashSet<usize>) {
    match tree {
        DerivationTree::External(external) => lines.extend(fact(oracle, external)),
        DerivationTree::Derived(derived) => {
            // A part used twice is told the first time only.
            if let Some(id) = derived.shared_id
                && !shared.insert(id)
            {
                return;
            }
            walk(oracle, &derived.cause1, lines, shared);
            walk(oracle, &derived.cause2, lines, shared);
            lines.extend(conclusion(oracle, &derived.terms));
        }
    }
}

/// `paks/pak5.txt:12` (line only: the column adds nothing for a whole entry).
fn places(locations: &[Location]) -> String {
    let places: Vec<String> = locations
        .iter()
        .map(|l| format!("`{}:{}`", l.file.display(), l.line))
        .collect();
    places.join(", ")
}

/// `numpy<2`, `imageio[ffmpeg]`, `numpy==2.3.4`.
fn requirement(package: &Pkg, range: &Range) -> String {
    format!("`{package}{}`", ranges::show(range))
}

/// "nixpkgs' `opencv4` 4.12.0" for one version, else "`opencv4` >=4,<5".
fn subject(oracle: &Oracle<'_>, package: &Pkg, range: &Range) -> (String, bool) {
    let Some(name) = package.name() else {
        return (format!("`{package}`"), false);
    };
    let state = oracle.state.borrow();
    // One version, when the range pins it or it is the only one listed in the range.
    let only_listed = |version: &Version| {
        oracle
            .eligible(name)
            .iter()
            .all(|&i| match state.listings.get(&(i, name.clone())) {
                Some(Listing::Found { candidates, .. }) => candidates
                    .iter()
                    .all(|c| !range.contains(&c.version) || c.version == *version),
                _ => true,
            })
    };
    let one = state
        .chosen
        .iter()
        .filter(|((n, v), _)| {
            n == name && range.contains(v) && (ranges::pins(range, v) || only_listed(v))
        })
        .max_by(|a, b| a.0.1.cmp(&b.0.1));
    match one {
        Some(((_, version), &i)) => {
            let provider = oracle.providers[i].name();
            let nixpkgs = state.details.iter().any(|((p, n, _), outcome)| {
                *p == i
                    && n == name
                    && matches!(outcome, DetailsOutcome::Found(found) if matches!(found.source, Source::Nixpkgs { .. }))
            });
            let borrowed = match state.known.get(&(name.clone(), version.clone())) {
                Some(Ok(known)) => known.borrowed_from,
                _ => None,
            };
            match borrowed {
                // Its dependencies are another resolver's word, not a closure it brings.
                Some(j) => (
                    format!(
                        "{} `{package}` {version} (its dependencies as {} gives them)",
                        possessive(provider),
                        oracle.providers[j].name()
                    ),
                    false,
                ),
                None => (
                    format!("{} `{package}` {version}", possessive(provider)),
                    nixpkgs,
                ),
            }
        }
        None => {
            let pins: Option<Vec<String>> = range
                .iter()
                .map(|(low, high)| match (low, high) {
                    (std::ops::Bound::Included(a), std::ops::Bound::Excluded(b))
                        if *b == ranges::above_locals(a) =>
                    {
                        Some(a.to_string())
                    }
                    (std::ops::Bound::Included(a), std::ops::Bound::Included(b)) if a == b => {
                        Some(a.to_string())
                    }
                    _ => None,
                })
                .collect();
            if let Some(pins) = pins.filter(|pins| pins.len() > 1) {
                let every = oracle.eligible(name).iter().all(|&i| {
                    match state.listings.get(&(i, name.clone())) {
                        Some(Listing::Found { candidates, .. }) => candidates
                            .iter()
                            .filter(|c| c.python_mismatch.is_none())
                            .all(|c| range.contains(&c.version)),
                        _ => true,
                    }
                });
                let text = if every {
                    format!("every version of `{package}`")
                } else if pins.len() > 4 {
                    format!(
                        "`{package}` {} to {} ({} versions)",
                        pins[0],
                        pins[pins.len() - 1],
                        pins.len()
                    )
                } else {
                    format!("`{package}` {}", pins.join(" or "))
                };
                return (text, false);
            }
            let shown = ranges::show(range);
            if shown.is_empty() {
                (format!("every version of `{package}`"), false)
            } else {
                (format!("`{package}` {shown}"), false)
            }
        }
    }
}

/// A fact of the tree in words; `None` for the ones that go without saying.
fn fact(oracle: &Oracle<'_>, external: &External<Pkg, Range, String>) -> Option<String> {
    match external {
        External::NotRoot(..) | External::NoVersions(Pkg::Root | Pkg::Requirement(_), _) => None,
        External::FromDependencyOf(Pkg::Root, _, _, _) => None,
        External::FromDependencyOf(Pkg::Extra(a, _), _, Pkg::Name(b), _) if a == b => None,
        External::FromDependencyOf(Pkg::Requirement(index), _, dependency, range) => {
            let root = &oracle.requirements[*index];
            let asked = if root.direct.is_some() || oracle.mode == Mode::RootsOnly {
                format!("`{}`", root.text())
            } else {
                requirement(dependency, range)
            };
            Some(format!(
                "{} {} for {asked}{}",
                places(&root.locations),
                if root.locations.len() > 1 {
                    "ask"
                } else {
                    "asks"
                },
                unavailable(oracle, dependency, range)
            ))
        }
        External::FromDependencyOf(package, range, dependency, dependency_range) => {
            let (who, nixpkgs) = subject(oracle, package, range);
            let verb = if nixpkgs
                && (dependency_range.as_singleton().is_some() || is_pin(dependency_range))
            {
                "brings"
            } else {
                "needs"
            };
            Some(format!(
                "{who} {verb} {}{}",
                requirement(dependency, dependency_range),
                unavailable(oracle, dependency, dependency_range)
            ))
        }
        External::NoVersions(package, range) => Some(no_versions(oracle, package, range)),
        External::Custom(_, _, reason) => Some(reason.clone()),
    }
}

fn is_pin(range: &Range) -> bool {
    range
        .iter()
        .next()
        .and_then(|(low, _)| match low {
            std::ops::Bound::Included(v) => Some(ranges::pins(range, v)),
            _ => None,
        })
        .unwrap_or(false)
}

/// ", which no resolver has (nixpkgs: ...; pypi has 2.3.4)" when no listed version of
/// `package` is in `range`; empty otherwise.
fn unavailable(oracle: &Oracle<'_>, package: &Pkg, range: &Range) -> String {
    if oracle.mode == Mode::RootsOnly {
        return String::new();
    }
    let Some(name) = package.name() else {
        return String::new();
    };
    let state = oracle.state.borrow();
    let mut any_listing = false;
    for i in oracle.eligible(name) {
        match state.listings.get(&(i, name.clone())) {
            Some(Listing::Found { candidates, .. }) => {
                any_listing = true;
                if candidates
                    .iter()
                    .any(|c| oracle_fits(oracle, name, range, c))
                {
                    return String::new();
                }
            }
            Some(Listing::NotFound(_) | Listing::Failed(_)) => any_listing = true,
            // Never asked: whether it has one is not known.
            None => return String::new(),
        }
        if oracle.stops_at(i, name) {
            break;
        }
    }
    if !any_listing {
        return String::new();
    }
    drop(state);
    let told = resolvers_say(oracle, name, range);
    format!(", which no resolver has ({told})")
}

/// Whether a listed candidate could be picked for `range`.
fn oracle_fits(
    oracle: &Oracle<'_>,
    name: &PackageName,
    range: &Range,
    candidate: &crate::oracle::Candidate,
) -> bool {
    range.contains(&candidate.version)
        && candidate.python_mismatch.is_none()
        && (!candidate.yanked || ranges::pins(range, &candidate.version))
        && oracle
            .input
            .restrictions(name)
            .iter()
            .all(|(r, _)| r.contains(&candidate.version))
}

/// "no resolver has `numpy<2` (nixpkgs has 2.3.4; pypi: `numpy` is not on the index)".
fn no_versions(oracle: &Oracle<'_>, package: &Pkg, range: &Range) -> String {
    let Some(name) = package.name() else {
        return format!("`{package}` is not available");
    };
    let told = resolvers_say(oracle, name, range);
    let what = requirement(package, range);
    if told.is_empty() {
        format!("no resolver has {what}")
    } else {
        format!("no resolver has {what} ({told})")
    }
}

/// What each resolver has of `name`, and why the versions in `range` do not fit.
fn resolvers_say(oracle: &Oracle<'_>, name: &PackageName, range: &Range) -> String {
    let state = oracle.state.borrow();
    let mut told = Vec::new();
    for i in oracle.eligible(name) {
        let provider = oracle.providers[i].name();
        match state.listings.get(&(i, name.clone())) {
            Some(Listing::Found { candidates, .. }) => {
                let mut versions: Vec<_> = candidates.iter().collect();
                versions.sort_by(|a, b| b.version.cmp(&a.version));
                let mut why = Vec::new();
                for c in versions.iter().filter(|c| range.contains(&c.version)) {
                    if let Some(requires) = &c.python_mismatch {
                        why.push(format!("{} needs Python `{requires}`", c.text));
                    } else if c.yanked {
                        why.push(format!("{} is yanked (taken only when pinned)", c.text));
                    } else if c.version.any_prerelease() {
                        why.push(format!("{} is a pre-release (pass `--pre`)", c.text));
                    }
                }
                for (_, reason) in oracle.input.restrictions(name) {
                    why.push(format!("limited by {reason}"));
                }
                let shown: Vec<&str> = versions.iter().take(5).map(|c| c.text.as_str()).collect();
                let more = versions.len().saturating_sub(5);
                let mut text = match shown.len() {
                    0 => format!("{provider} has no version"),
                    _ if more > 0 => {
                        format!("{provider} has {} and {more} older", shown.join(", "))
                    }
                    _ => format!("{provider} has {}", shown.join(", ")),
                };
                if !why.is_empty() {
                    why.truncate(3);
                    let _ = write!(text, ": {}", why.join(", "));
                }
                told.push(text);
            }
            Some(Listing::NotFound(reason)) => told.push(format!("{provider}: {reason}")),
            Some(Listing::Failed(error)) => told.push(error.to_string()),
            None => {}
        }
        if oracle.stops_at(i, name) {
            break;
        }
    }
    told.join("; ")
}

/// What a derived incompatibility says, when it reads well.
fn conclusion(oracle: &Oracle<'_>, terms: &Map<Pkg, Term<Range>>) -> Option<String> {
    let mut positive: Vec<(&Pkg, &Range)> = Vec::new();
    let mut negative: Vec<(&Pkg, &Range)> = Vec::new();
    for (package, term) in terms {
        match term {
            Term::Positive(range) => positive.push((package, range)),
            Term::Negative(range) => negative.push((package, range)),
        }
    }
    positive.sort();
    negative.sort();
    match (positive.as_slice(), negative.as_slice()) {
        ([(Pkg::Root, _)], []) | ([], []) => Some(ALL.to_owned()),
        ([(Pkg::Requirement(index), _)], []) => {
            let root = &oracle.requirements[*index];
            Some(format!(
                "so {} cannot be satisfied",
                places(&root.locations)
            ))
        }
        ([(package @ (Pkg::Name(_) | Pkg::Extra(..)), range)], []) => {
            let shown = ranges::show(range);
            Some(if shown.is_empty() {
                format!("so no version of `{package}` fits")
            } else {
                format!("so no version of `{package}{shown}` fits")
            })
        }
        (
            [(package @ (Pkg::Name(_) | Pkg::Extra(..)), range)],
            [(dependency, dependency_range)],
        ) if dependency.name().is_some() => {
            let (who, _) = subject(oracle, package, range);
            Some(format!(
                "so {who} needs {}",
                requirement(dependency, dependency_range)
            ))
        }
        (requirements, [])
            if requirements.len() > 1
                && requirements
                    .iter()
                    .all(|(p, _)| matches!(p, Pkg::Requirement(_))) =>
        {
            let mut locations: Vec<Location> = requirements
                .iter()
                .filter_map(|(p, _)| match p {
                    Pkg::Requirement(index) => {
                        oracle.requirements[*index].locations.first().cloned()
                    }
                    _ => None,
                })
                .collect();
            locations.sort();
            Some(format!("so {} cannot all hold", places(&locations)))
        }
        _ => None,
    }
}

fn hints(oracle: &Oracle<'_>, packages: &BTreeSet<PackageName>) -> Vec<String> {
    // The packages the pak files ask for first: those are the ones a reader knows.
    let asked = |name: &PackageName| !oracle.requirements.iter().any(|r| r.name == *name);
    let mut ordered: Vec<&PackageName> = packages.iter().collect();
    ordered.sort_by_key(|name| asked(name));
    let named: Vec<String> = ordered
        .iter()
        .take(4)
        .map(|name| format!("`{name}`"))
        .collect();
    let named = named.join(", ");
    match oracle.mode {
        Mode::RootsOnly => vec!["Remove or change one of these lines".to_owned()],
        Mode::Solve => vec![
            format!(
                "Pin a version or a resolver of {named} with an `[[override]]` in megapak.toml (`version = \"...\"`, `provider = \"...\"`, or `attr = \"...\"` for another nixpkgs attribute)"
            ),
            "Let a later resolver of `[resolvers] order` supply it, or build a custom wheel for the `custom-wheel` resolver".to_owned(),
        ],
    }
}
