use std::fmt::Write;

use super::{action, location, provider, summary};
use crate::model::{RowStatus, StatusReport};

/// A status page in the shape people keep by hand: summary counts, the pak files, a table
/// `Package | Status | Location | Action` (`Package | Status | Provider | Version | Location |
/// Action` when there is a lock), and next steps.
pub fn markdown(report: &StatusReport) -> String {
    let mut out = String::from("# Package status\n\n");
    let _ = writeln!(out, "| Summary | Count |\n|---|---:|");
    for (label, value) in summary(report) {
        let _ = writeln!(out, "| {label} | {value} |");
    }

    let _ = writeln!(out, "\n## Pak files\n\n| File | Entries |\n|---|---:|");
    for file in &report.pak_files {
        let _ = writeln!(out, "| `{}` | {} |", escape(&file.path), file.entries);
    }
    if let Some(flake) = &report.flake {
        let _ = writeln!(out, "\nCompared with `{}`.", escape(&flake.flake));
    }
    if let Some(lock) = &report.lock {
        let _ = writeln!(out, "\nLocked in `{}`.", escape(&lock.path));
    }

    if report.lock.is_some() {
        let _ = writeln!(
            out,
            "\n## Packages\n\n| Package | Status | Provider | Version | Location | Action |\n|---|---|---|---|---|---|"
        );
    } else {
        let _ = writeln!(
            out,
            "\n## Packages\n\n| Package | Status | Location | Action |\n|---|---|---|---|"
        );
    }
    for row in &report.rows {
        let locked = match &report.lock {
            Some(_) => format!(
                " {} | {} |",
                escape(&provider(report, row)),
                row.version
                    .as_deref()
                    .map(|version| format!("`{}`", escape(version)))
                    .unwrap_or_default()
            ),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "| `{}` | {} |{locked} `{}` | {} |",
            row.name,
            row.status.label(),
            escape(&location(row)),
            escape(&action(row)),
        );
    }

    out.push_str("\n## Next steps\n\n");
    let steps = next_steps(report);
    if steps.is_empty() {
        out.push_str("Nothing to do: every requested package is listed.\n");
    }
    for (i, step) in steps.iter().enumerate() {
        let _ = writeln!(out, "{}. {step}", i + 1);
    }
    out
}

fn next_steps(report: &StatusReport) -> Vec<String> {
    let count = |status: RowStatus| report.rows.iter().filter(|r| r.status == status).count();
    let mut steps = Vec::new();
    if let Some(lock) = report
        .lock
        .as_ref()
        .filter(|lock| !lock.not_locked.is_empty())
    {
        steps.push(format!(
            "Run `megapak resolve`: the lock has no entry for {}",
            counted(
                lock.not_locked.len(),
                "requested package",
                "requested packages"
            )
        ));
    }
    let Some(flake) = &report.flake else {
        steps.push("Compare with an existing flake: `megapak status --flake flake.nix`".to_owned());
        return steps;
    };
    let commented = count(RowStatus::CommentedInFlake);
    if commented > 0 {
        steps.push(format!(
            "Resolve {}: each needs a nixpkgs attribute or a package definition",
            counted(commented, "commented-out entry", "commented-out entries")
        ));
    }
    let missing = count(RowStatus::MissingFromFlake);
    if missing > 0 {
        steps.push(format!(
            "Add {} to the flake",
            counted(missing, "missing package", "missing packages")
        ));
    }
    // The lock provides what the flake lacks: `megapak sync` makes those edits.
    let syncable = report
        .rows
        .iter()
        .filter(|row| {
            matches!(
                row.status,
                RowStatus::CommentedInFlake | RowStatus::MissingFromFlake
            ) && row.provider.is_some()
        })
        .count();
    if syncable > 0 {
        steps.push(format!(
            "Or let `megapak sync --flake {}` list {} the lock provides",
            escape(&flake.flake),
            if syncable == 1 {
                "the one".to_owned()
            } else {
                format!("the {syncable}")
            }
        ));
    }
    let extra = count(RowStatus::OnlyInFlake);
    if extra > 0 {
        steps.push(format!(
            "Check {} that no pak file asks for: remove, or add to a pak file",
            counted(extra, "flake entry", "flake entries")
        ));
    }
    steps
}

/// Keeps a cell's text from breaking the table.
fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('`', "'")
}

fn counted(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("the {one}")
    } else {
        format!("the {n} {many}")
    }
}
