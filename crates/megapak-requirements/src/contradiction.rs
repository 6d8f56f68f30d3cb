//! Entries of one package that no version satisfies together, found by [`crate::pins`] when
//! some entry pins a version, else by [`crate::ranges`], and told as a [`MergeError`].

use crate::entry::Entry;
use crate::error::snippet;
use crate::merge::{Conflict, MergeError, Written};
use crate::pins::{any_pin, pin_contradiction};
use crate::ranges::range_contradiction;

/// Entries, by index into the checked slice, that no version satisfies together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Contradiction {
    /// One entry alone (`x==1,!=1.0`, `x>=2,<1`).
    Entry(usize),
    /// Two entries, the earlier first.
    Pair(usize, usize),
    /// Three or more entries in reading order, any two of which agree.
    Together(Vec<usize>),
}

/// Fails when no version satisfies all of `entries` (of one package, in reading order).
pub(crate) fn check_versions(entries: &[&Entry]) -> Result<(), MergeError> {
    let found = if any_pin(entries) {
        pin_contradiction(entries)
    } else {
        range_contradiction(entries)
    };
    match found {
        None => Ok(()),
        Some(contradiction) => Err(merge_error(entries, contradiction)),
    }
}

fn merge_error(entries: &[&Entry], contradiction: Contradiction) -> MergeError {
    match contradiction {
        Contradiction::Entry(i) => MergeError::UnsatisfiableEntry {
            name: entries[i].name.clone(),
            text: snippet(&entries[i].raw),
            location: Box::new(entries[i].location.clone()),
        },
        Contradiction::Pair(first, second) => {
            let (first, second) = (entries[first], entries[second]);
            MergeError::ContradictoryVersions {
                conflict: Box::new(Conflict {
                    name: first.name.clone(),
                    first: snippet(&first.raw),
                    first_location: first.location.clone(),
                    second: snippet(&second.raw),
                    second_location: second.location.clone(),
                }),
                markers_disjoint: some_markers_disjoint(&[first, second]),
            }
        }
        Contradiction::Together(indices) => {
            let together: Vec<&Entry> = indices.iter().map(|&i| entries[i]).collect();
            MergeError::ContradictoryEntries {
                name: together[0].name.clone(),
                entries: together
                    .iter()
                    .map(|entry| Written {
                        text: snippet(&entry.raw),
                        location: entry.location.clone(),
                    })
                    .collect(),
                markers_disjoint: some_markers_disjoint(&together),
            }
        }
    }
}

/// Markers compared for [`some_markers_disjoint`], at most: the pairs take quadratic time.
const MAX_MARKERS_COMPARED: usize = 32;

/// Whether two of the entries have markers that never hold together: then the entries would
/// never meet once markers are evaluated.
fn some_markers_disjoint(entries: &[&Entry]) -> bool {
    let markers: Vec<_> = entries
        .iter()
        .filter_map(|entry| entry.marker.as_ref())
        .take(MAX_MARKERS_COMPARED)
        .collect();
    markers
        .iter()
        .enumerate()
        .any(|(k, a)| markers[k + 1..].iter().any(|b| a.is_disjoint(b)))
}
