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
fn summary(report: &StatusReport) -> Vec<(&'static str, usize)> {
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
    lines
}

/// What to do about a row, for people.
fn action(row: &PackageRow) -> String {
    match row.status {
        RowStatus::Requested | RowStatus::InFlake => String::new(),
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
