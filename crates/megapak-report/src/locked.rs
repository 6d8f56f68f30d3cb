//! What the workspace's `megapak.lock` says about the report's packages: each row's provider
//! and version, the counts by provider, and the requested packages the lock lacks.
//!
//! The lock's input hash cannot be checked here (it takes the plugins to compute), so a stale
//! lock shows only as requested packages it has no entry for.

use std::collections::{BTreeMap, BTreeSet};

use crate::input::{LockInput, LockedEntry};
use crate::model::{LockSummary, PackageRow, RowStatus};

/// A lock's packages by name.
pub(crate) struct LockIndex<'a> {
    lock: &'a LockInput,
    by_name: BTreeMap<&'a str, &'a LockedEntry>,
}

impl<'a> LockIndex<'a> {
    pub(crate) fn new(lock: &'a LockInput) -> Self {
        let by_name = lock
            .packages
            .iter()
            .map(|package| (package.name.as_str(), package))
            .collect();
        Self { lock, by_name }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&'a LockedEntry> {
        self.by_name.get(name).copied()
    }

    /// Fills in the row's provider, version and attribute from the lock's entry of its name.
    pub(crate) fn annotate(&self, row: &mut PackageRow) {
        if let Some(entry) = self.get(&row.name) {
            row.provider = Some(entry.provider.clone());
            row.version = Some(entry.version.clone());
            row.attribute = entry.attribute.clone();
        }
    }

    /// The counts of the lock, given the report's rows (requested ones have locations).
    pub(crate) fn summary(&self, rows: &[PackageRow]) -> LockSummary {
        let requested: BTreeSet<&str> = rows
            .iter()
            .filter(|row| !row.locations.is_empty())
            .map(|row| row.name.as_str())
            .collect();
        let mut by_provider = BTreeMap::new();
        for package in &self.lock.packages {
            *by_provider.entry(package.provider.clone()).or_insert(0) += 1;
        }
        LockSummary {
            path: self.lock.path.clone(),
            packages: self.by_name.len(),
            by_provider,
            beyond_requested: self
                .by_name
                .keys()
                .filter(|name| !requested.contains(*name))
                .count(),
            not_locked: rows
                .iter()
                .filter(|row| {
                    !row.locations.is_empty()
                        && row.status != RowStatus::Skipped
                        && self.get(&row.name).is_none()
                })
                .map(|row| row.name.clone())
                .collect(),
        }
    }
}
