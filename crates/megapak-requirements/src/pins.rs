//! Contradictory version pins: entries of one package that no pinned version satisfies.

use pep440_rs::Operator;

use crate::contradiction::Contradiction;
use crate::entry::Entry;
use crate::merge::registry_specifiers;
use crate::pip_rules::admits_all;

/// Distinct pins tried as a common version. Pins that agree are one version written a few
/// ways (`==1.0`, `===1.0.0`, `==1.0+cu130`), so a few are plenty and the check stays linear.
const MAX_PINS_TRIED: usize = 8;

/// With a pin (`==X`, `===X`) among the entries, any common version is one of the pins as
/// written (or a local version of one, which its pin admits too): if some pin satisfies every
/// entry,
/// they agree; else the first pin and the first entry that excludes it contradict each
/// other. `None` when they agree, and when no entry pins a version (see
/// [`crate::ranges`]).
pub(crate) fn pin_contradiction(entries: &[&Entry]) -> Option<Contradiction> {
    let pins = entries.iter().enumerate().flat_map(|(i, entry)| {
        registry_specifiers(entry)
            .into_iter()
            .flat_map(|specifiers| specifiers.iter())
            .filter(|specifier| {
                matches!(specifier.operator(), Operator::Equal | Operator::ExactEqual)
            })
            .map(move |specifier| (i, specifier.version()))
    });
    // Pins are told apart as written: `1.0` and `1.0.0` are one version, but `===` compares
    // the text.
    let mut tried: Vec<String> = Vec::new();
    let mut contradiction = None;
    for (pin_index, version) in pins {
        let text = version.to_string();
        if tried.contains(&text) {
            continue;
        }
        if tried.len() == MAX_PINS_TRIED {
            break;
        }
        tried.push(text);
        let excluding = entries.iter().position(|entry| {
            registry_specifiers(entry).is_some_and(|specifiers| !admits_all(specifiers, version))
        });
        match excluding {
            None => return None,
            Some(other) => {
                contradiction.get_or_insert((pin_index.min(other), pin_index.max(other)));
            }
        }
    }
    contradiction.map(|(first, second)| {
        if first == second {
            Contradiction::Entry(first)
        } else {
            Contradiction::Pair(first, second)
        }
    })
}

/// Whether some entry pins a version: then [`pin_contradiction`] alone decides.
pub(crate) fn any_pin(entries: &[&Entry]) -> bool {
    entries.iter().any(|entry| {
        registry_specifiers(entry).is_some_and(|specifiers| {
            specifiers.iter().any(|specifier| {
                matches!(specifier.operator(), Operator::Equal | Operator::ExactEqual)
            })
        })
    })
}
