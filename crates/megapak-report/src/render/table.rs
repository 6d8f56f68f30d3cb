use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use super::{location, provider, summary};
use crate::model::{RowStatus, StatusReport};

const HEADER: Style = Style::new().bold();

/// Columns are padded to their widest cell, but never wider than this: a freak 1 MB name
/// overflows its column instead of padding every row with a megabyte of spaces.
const MAX_COLUMN_WIDTH: usize = 48;

/// A summary and an aligned table of every package (with its locked provider and version when
/// there is a lock), for a terminal.
pub fn table(report: &StatusReport) -> String {
    let mut out = String::new();
    let summary = summary(report);
    let label_width = summary
        .iter()
        .map(|(label, _)| label.len())
        .max()
        .unwrap_or(0);
    for (label, value) in summary {
        let _ = writeln!(out, "{label:<label_width$}  {value:>5}");
    }
    for file in &report.pak_files {
        let _ = writeln!(out, "  {}: {} entries", file.path, file.entries);
    }
    if let Some(flake) = &report.flake {
        let _ = writeln!(out, "  compared with {}", flake.flake);
    }
    if let Some(lock) = &report.lock {
        let _ = writeln!(out, "  locked in {}", lock.path);
    }
    out.push('\n');

    // With a lock, each package's provider and version sit between its status and location.
    let locked = report.lock.is_some();
    let mut headers = vec!["Package", "Status"];
    if locked {
        headers.extend(["Provider", "Version"]);
    }
    headers.push("Location");
    let cells: Vec<Vec<String>> = report
        .rows
        .iter()
        .map(|row| {
            let mut cells = vec![row.name.clone(), row.status.label().to_owned()];
            if locked {
                cells.extend([
                    provider(report, row),
                    row.version.clone().unwrap_or_default(),
                ]);
            }
            cells.push(location(row));
            cells
        })
        .collect();
    // The last column is never padded.
    let widths: Vec<usize> = (0..headers.len() - 1)
        .map(|i| {
            cells
                .iter()
                .map(|row| row[i].chars().count())
                .chain([headers[i].len()])
                .max()
                .unwrap_or(0)
                .min(MAX_COLUMN_WIDTH)
        })
        .collect();
    let mut header = String::new();
    for (i, title) in headers.iter().enumerate() {
        match widths.get(i) {
            Some(&width) => header.push_str(&format!("{}  ", pad(title, width))),
            None => header.push_str(title),
        }
    }
    let _ = writeln!(out, "{HEADER}{header}{HEADER:#}");
    for (row, cells) in report.rows.iter().zip(&cells) {
        let style = status_style(row.status);
        let mut line = String::new();
        for (i, cell) in cells.iter().enumerate() {
            match widths.get(i) {
                // The status column carries the colour.
                Some(&width) if i == 1 => {
                    line.push_str(&format!("{style}{}{style:#}  ", pad(cell, width)));
                }
                Some(&width) => line.push_str(&format!("{}  ", pad(cell, width))),
                None => line.push_str(cell),
            }
        }
        let _ = writeln!(out, "{line}");
    }
    out
}

/// `text` followed by spaces up to `width` characters.
fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(len)))
}

fn status_style(status: RowStatus) -> Style {
    let color = match status {
        RowStatus::Requested => return Style::new(),
        RowStatus::Locked => AnsiColor::Green,
        RowStatus::NotLocked => AnsiColor::Red,
        RowStatus::InFlake => AnsiColor::Green,
        RowStatus::CommentedInFlake => AnsiColor::Yellow,
        RowStatus::MissingFromFlake => AnsiColor::Red,
        RowStatus::OnlyInFlake => AnsiColor::Cyan,
        RowStatus::Skipped => return Style::new().dimmed(),
    };
    color.on_default()
}
