//! What `megapak resolve` prints on stdout: a summary by provider, or JSON for machines.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use megapak_lock::Lock;
use megapak_solve::SolveError;
use serde_json::json;

use super::missing::Missing;

/// How the lock came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Freshness {
    /// The inputs had not changed: the lock was reused, no resolver was asked anything.
    UpToDate,
    /// The set was solved and the lock written.
    Written,
}

/// `provider -> count`, sorted by provider.
fn by_provider(lock: &Lock) -> BTreeMap<&str, usize> {
    let mut counts = BTreeMap::new();
    for package in &lock.packages {
        *counts.entry(package.provider.as_str()).or_default() += 1;
    }
    counts
}

/// The table: one line per provider, the lock's path, and how it came about.
pub(crate) fn table(lock: &Lock, path: &Path, freshness: Freshness) -> String {
    let mut text = String::new();
    let requested = lock
        .packages
        .iter()
        .filter(|package| !package.requested_at.is_empty())
        .count();
    let _ = writeln!(
        text,
        "{} packages ({requested} asked for by the pak files, {} brought in by them)",
        lock.packages.len(),
        lock.packages.len() - requested
    );
    let counts = by_provider(lock);
    let width = counts.keys().map(|name| name.len()).max().unwrap_or(0);
    for (provider, count) in &counts {
        let _ = writeln!(text, "  {provider:<width$}  {count}");
    }
    let borrowed = lock
        .packages
        .iter()
        .filter(|package| package.dependencies_from.is_some())
        .count();
    if borrowed > 0 {
        let _ = writeln!(
            text,
            "{borrowed} packages' dependencies were borrowed from another resolver's metadata"
        );
    }
    let _ = writeln!(
        text,
        "{} `{}`",
        match freshness {
            Freshness::UpToDate => "Up to date:",
            Freshness::Written => "Wrote",
        },
        path.display()
    );
    text
}

/// `{"packages", "by_provider", "unresolved", "lock", "up_to_date"}` for a lock.
pub(crate) fn json(lock: &Lock, path: &Path, freshness: Freshness) -> String {
    let value = json!({
        "packages": lock.packages.len(),
        "by_provider": by_provider(lock),
        "unresolved": [],
        "lock": path,
        "up_to_date": freshness == Freshness::UpToDate,
    });
    pretty(&value)
}

/// The same keys when the set cannot be solved: `unresolved` names each package of the
/// explanation with the conclusion and the chain of reasons, then each requested package no
/// resolver has, with what each said; offline, each requested package that needs the network.
/// No lock.
pub(crate) fn json_of_failure(
    error: &SolveError,
    missing: &[Missing],
    offline: &[Missing],
) -> Option<String> {
    if let SolveError::Offline { .. } = error {
        let unresolved: Vec<_> = offline
            .iter()
            .map(|package| {
                json!({ "name": package.name, "reason": "needs the network", "chain": package.said() })
            })
            .collect();
        return Some(pretty(&json!({
            "packages": 0,
            "by_provider": {},
            "unresolved": unresolved,
            "lock": null,
            "up_to_date": false,
        })));
    }
    let SolveError::NoSolution {
        explanation,
        packages,
        ..
    } = error
    else {
        return None;
    };
    let chain: Vec<&str> = explanation.lines().collect();
    let reason = chain.last().copied().unwrap_or_default();
    let mut unresolved: Vec<_> = packages
        .iter()
        .filter(|name| !missing.iter().any(|m| &m.name == *name))
        .map(|name| json!({ "name": name, "reason": reason, "chain": chain }))
        .collect();
    unresolved.extend(missing.iter().map(|package| {
        json!({ "name": package.name, "reason": "no resolver has it", "chain": package.said() })
    }));
    Some(pretty(&json!({
        "packages": 0,
        "by_provider": {},
        "unresolved": unresolved,
        "lock": null,
        "up_to_date": false,
    })))
}

fn pretty(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}
