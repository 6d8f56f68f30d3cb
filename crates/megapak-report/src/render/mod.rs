//! The three shapes of a report.
//!
//! [`table()`] writes ANSI styles; callers print it through a stream that strips them when
//! colours are off (`anstream`).

mod json;
mod markdown;
mod table;

pub use json::json;
pub use markdown::markdown;
pub use table::table;

use crate::model::{PackageRow, RowStatus, StatusReport};

/// The counts every format opens with, as `(label, value)` pairs.
fn summary(report: &StatusReport) -> Vec<(String, usize)> {
    let mut lines = vec![
        ("Pak files", report.pak_files.len()),
        ("Requirement entries", report.entries),
        ("Unique PyPI packages", report.packages),
        ("VCS/URL entries", report.vcs),
    ];
    if !report.skipped.is_empty() {
        lines.push(("Skipped by overrides", report.skipped.len()));
    }
    if let Some(flake) = &report.flake {
        lines.extend([
            ("In flake.nix", flake.in_flake.len()),
            ("Commented out in flake.nix", flake.commented_in_flake.len()),
            ("Missing from flake.nix", flake.missing_from_flake.len()),
            ("Only in flake.nix", flake.only_in_flake.len()),
        ]);
    }
    let mut lines: Vec<(String, usize)> = lines
        .into_iter()
        .map(|(label, value)| (label.to_owned(), value))
        .collect();
    if let Some(lock) = &report.lock {
        lines.push(("Locked packages".to_owned(), lock.packages));
        lines.extend(
            lock.by_provider
                .iter()
                .map(|(provider, count)| (format!("Locked from {provider}"), *count)),
        );
        lines.push((
            "Brought in by dependencies".to_owned(),
            lock.beyond_requested,
        ));
        if !lock.not_locked.is_empty() {
            lines.push(("Requested but not locked".to_owned(), lock.not_locked.len()));
        }
    }
    lines
}

/// Where the lock has a row's package from: its provider, with the nixpkgs attribute when it is
/// not the package's name; `not locked` for a requested package of a flake comparison that the
/// lock lacks (without a flake, the status says so).
fn provider(report: &StatusReport, row: &PackageRow) -> String {
    match (&row.provider, &row.attribute) {
        (Some(provider), Some(attribute)) if *attribute != row.name => {
            format!("{provider} ({attribute})")
        }
        (Some(provider), _) => provider.clone(),
        (None, _) => {
            let not_locked = report
                .lock
                .as_ref()
                .is_some_and(|lock| lock.not_locked.contains(&row.name));
            if not_locked && row.status != RowStatus::NotLocked {
                "not locked".to_owned()
            } else {
                String::new()
            }
        }
    }
}

/// What to do about a row, for people.
fn action(row: &PackageRow) -> String {
    match row.status {
        RowStatus::Requested | RowStatus::Locked | RowStatus::InFlake => String::new(),
        RowStatus::NotLocked => {
            "Lock it with megapak resolve (the lock was written before a pak file asked for it)"
                .to_owned()
        }
        RowStatus::CommentedInFlake => match &row.note {
            Some(note) => format!("Resolve the comment ({note}), then list it"),
            None => "List it instead of the comment".to_owned(),
        },
        RowStatus::MissingFromFlake if row.kind != Some(crate::PackageKind::Pypi) => {
            "Package it from its repository with a pinned revision".to_owned()
        }
        RowStatus::MissingFromFlake => "Add it to the flake, or package it".to_owned(),
        RowStatus::Skipped => match &row.note {
            Some(reason) => format!("Left out by an override ({reason})"),
            None => "Left out by an override".to_owned(),
        },
        RowStatus::OnlyInFlake => {
            "No pak file asks for it: remove it, or add it to a pak file".to_owned()
        }
    }
}

/// Where a row is written down: its first pak location, or its flake location.
fn location(row: &PackageRow) -> String {
    let mut text = row
        .locations
        .first()
        .or(row.flake_location.as_ref())
        .cloned()
        .unwrap_or_default();
    if row.locations.len() > 1 {
        text.push_str(&format!(" (+{})", row.locations.len() - 1));
    }
    text
}
