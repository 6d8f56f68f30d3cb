//! Contradictory version pins: two entries of one package that no version satisfies.

use pep440_rs::{Operator, Version};

use crate::entry::Entry;
use crate::error::snippet;
use crate::merge::{Conflict, MergeError, registry_specifiers};

/// Distinct `==` pins tried as a common version. Three distinct pins never agree (only
/// `==X` and `==X+local` can), so a few are plenty and the check stays linear.
const MAX_PINS_TRIED: usize = 8;

/// Finds two entries that no version satisfies together. Only pins (`==X`, `===X`) are
/// checked: if some pin satisfies every entry's specifiers, the entries agree; else the first
/// pin and the first entry that excludes it contradict each other.
pub(crate) fn check_versions(entries: &[&Entry]) -> Result<(), MergeError> {
    let pins = entries.iter().enumerate().flat_map(|(i, entry)| {
        registry_specifiers(entry)
            .into_iter()
            .flat_map(|specifiers| specifiers.iter())
            .filter(|specifier| {
                matches!(specifier.operator(), Operator::Equal | Operator::ExactEqual)
            })
            .map(move |specifier| (i, specifier.version()))
    });
    let mut tried: Vec<&Version> = Vec::new();
    let mut contradiction = None;
    for (pin_index, version) in pins {
        if tried.contains(&version) {
            continue;
        }
        if tried.len() == MAX_PINS_TRIED {
            break;
        }
        tried.push(version);
        let excluding = entries.iter().position(|entry| {
            registry_specifiers(entry).is_some_and(|specifiers| !specifiers.contains(version))
        });
        match excluding {
            None => return Ok(()),
            Some(other) => {
                contradiction.get_or_insert((pin_index.min(other), pin_index.max(other)));
            }
        }
    }
    let Some((first, second)) = contradiction else {
        return Ok(());
    };
    let (first, second) = (entries[first], entries[second]);
    if std::ptr::eq(first, second) {
        return Err(MergeError::UnsatisfiableEntry {
            name: first.name.clone(),
            text: snippet(&first.raw),
            location: Box::new(first.location.clone()),
        });
    }
    let markers_disjoint = match (&first.marker, &second.marker) {
        (Some(a), Some(b)) => a.is_disjoint(b),
        _ => false,
    };
    Err(MergeError::ContradictoryVersions {
        conflict: Box::new(Conflict {
            name: first.name.clone(),
            first: snippet(&first.raw),
            first_location: first.location.clone(),
            second: snippet(&second.raw),
            second_location: second.location.clone(),
        }),
        markers_disjoint,
    })
}
