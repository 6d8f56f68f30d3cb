//! Contradictory version ranges: entries of one package, none of them a pin, whose
//! specifiers leave no version (`>=2` and `<1`, `~=2.9.0` and `>=2.10`).
//!
//! Each entry's specifiers become a set of versions with `pep440_rs`'s PEP 440 semantics
//! (`<2.0` leaves out `2.0rc1`, `>1.0` leaves out `1.0.post1`); the sets are intersected in
//! reading order. A set may hold more versions than the specifier admits, never fewer, so a
//! contradiction found is real: where `pep440_rs`'s set is too small (`<1.0.post1` leaves out
//! `1.0` there) a wider one is taken (see [`versions_admitted`]). Pins are [`crate::pins`]'
//! job: a set holds `==1.0` as the one version `1.0`, but PEP 440 lets it match `1.0+cu130`.

use std::collections::HashSet;

use pep440_rs::{Operator, Version, VersionSpecifiers};
use version_ranges::Ranges;

use crate::contradiction::Contradiction;
use crate::entry::Entry;
use crate::merge::registry_specifiers;
use crate::pip_rules::is_final;

/// Distinct specifier sets of one package beyond which the check gives up and leaves the
/// question to the resolver: each set can add a hole (`!=1.5`) to the versions left, so the
/// check takes time quadratic in their number. Real files have a handful.
const MAX_DISTINCT_SETS: usize = 256;

/// Specifiers of all distinct sets beyond which the check gives up: each `!=` can add a hole,
/// and a set is built one specifier at a time, so one line of 100,000 `!=` would take
/// quadratic time too.
const MAX_SPECIFIERS: usize = 1024;

/// Earlier entries beyond which a contradiction of several is not narrowed down (that takes
/// quadratic time): all of them are named.
const MAX_ENTRIES_NARROWED: usize = 64;

/// The first contradiction among `entries` in reading order: one entry no version satisfies,
/// else the entry that leaves no version with those before it and the first earlier entry
/// it contradicts alone, else earlier entries that leave no version with it, each of them
/// needed (when there are at most [`MAX_ENTRIES_NARROWED`]; else all of them).
pub(crate) fn range_contradiction(entries: &[&Entry]) -> Option<Contradiction> {
    // The same specifiers written twice (`numpy<2` in two files) are one set: the first.
    let mut seen = HashSet::new();
    let distinct: Vec<(usize, &VersionSpecifiers)> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, entry)| Some((i, registry_specifiers(entry)?)))
        .filter(|(_, specifiers)| !specifiers.is_empty() && seen.insert(*specifiers))
        .collect();
    let specifier_count: usize = distinct
        .iter()
        .map(|(_, specifiers)| specifiers.len())
        .sum();
    if distinct.len() > MAX_DISTINCT_SETS || specifier_count > MAX_SPECIFIERS {
        return None;
    }
    let sets: Vec<(usize, Ranges<Version>)> = distinct
        .into_iter()
        .map(|(i, specifiers)| (i, versions_admitted(specifiers)))
        .collect();
    if let Some((i, _)) = sets.iter().find(|(_, set)| set.is_empty()) {
        return Some(Contradiction::Entry(*i));
    }
    let mut common = Ranges::full();
    for (k, (i, set)) in sets.iter().enumerate() {
        let narrowed = common.intersection(set);
        if !narrowed.is_empty() {
            common = narrowed;
            continue;
        }
        let earlier = &sets[..k];
        if let Some((j, _)) = earlier.iter().find(|(_, other)| other.is_disjoint(set)) {
            return Some(Contradiction::Pair(*j, *i));
        }
        return Some(Contradiction::Together(fewest_leaving_nothing(
            earlier,
            (*i, set),
        )));
    }
    None
}

/// The versions `specifiers` admit, or more. `pep440_rs` is exact for `<V` and `>V` where
/// `V` is a plain release (`<2.0` leaves out `2.0rc1`, `>1.0` leaves out `1.0.post1`, as
/// PEP 440 says), but not where `V` is itself a pre-, post- or dev-release: its `<1.0.post1`
/// leaves out `1.0`, its `>1.0.post1` leaves out `1.0.post2.dev0`. There, every version
/// below (above) `V` is taken; and every version for `!=V.*` where `V` ends in a zero (see
/// [`crate::pip_rules`]).
fn versions_admitted(specifiers: &VersionSpecifiers) -> Ranges<Version> {
    specifiers
        .iter()
        .map(|specifier| {
            let version = specifier.version();
            let plain = is_final(version);
            match specifier.operator() {
                // See `crate::pip_rules`: the versions padding may admit are taken.
                Operator::NotEqualStar if version.release().last() == Some(&0) => Ranges::full(),
                Operator::LessThan if !plain => Ranges::strictly_lower_than(version.clone()),
                Operator::GreaterThan if !plain => Ranges::strictly_higher_than(version.clone()),
                _ => Ranges::from(specifier.clone()),
            }
        })
        .fold(Ranges::full(), |all, one| all.intersection(&one))
}

/// Drops each earlier entry whose set the contradiction does not need, keeping `last`:
/// what is left leaves no version and every entry of it is needed (not always the fewest of
/// all, but a set the reader can check).
fn fewest_leaving_nothing(
    earlier: &[(usize, Ranges<Version>)],
    last: (usize, &Ranges<Version>),
) -> Vec<usize> {
    let mut needed: Vec<&(usize, Ranges<Version>)> = earlier.iter().collect();
    let mut k = 0;
    // Two earlier entries at least: one alone would have been found as a pair.
    while needed.len() <= MAX_ENTRIES_NARROWED && k < needed.len() && needed.len() > 2 {
        let without = needed
            .iter()
            .enumerate()
            .filter(|(m, _)| *m != k)
            .fold(last.1.clone(), |common, (_, (_, set))| {
                common.intersection(set)
            });
        if without.is_empty() {
            needed.remove(k);
        } else {
            k += 1;
        }
    }
    let mut named: Vec<usize> = needed.iter().map(|(i, _)| *i).collect();
    named.push(last.0);
    named
}
