use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use super::{location, summary};
use crate::model::{RowStatus, StatusReport};

const HEADER: Style = Style::new().bold();

/// Columns are padded to their widest cell, but never wider than this: a freak 1 MB name
/// overflows its column instead of padding every row with a megabyte of spaces.
const MAX_COLUMN_WIDTH: usize = 48;

/// A summary and an aligned table of every package, for a terminal.
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
    out.push('\n');

    let headers = ["Package", "Status", "Location"];
    let cells: Vec<[String; 3]> = report
        .rows
        .iter()
        .map(|row| {
            [
                row.name.clone(),
                row.status.label().to_owned(),
                location(row),
            ]
        })
        .collect();
    let width = |i: usize| {
        cells
            .iter()
            .map(|row| row[i].chars().count())
            .chain([headers[i].len()])
            .max()
            .unwrap_or(0)
            .min(MAX_COLUMN_WIDTH)
    };
    let (name_width, status_width) = (width(0), width(1));
    let _ = writeln!(
        out,
        "{HEADER}{}  {}  {}{HEADER:#}",
        pad(headers[0], name_width),
        pad(headers[1], status_width),
        headers[2]
    );
    for (row, [name, status, location]) in report.rows.iter().zip(&cells) {
        let style = status_style(row.status);
        let _ = writeln!(
            out,
            "{}  {style}{}{style:#}  {location}",
            pad(name, name_width),
            pad(status, status_width)
        );
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
        RowStatus::InFlake => AnsiColor::Green,
        RowStatus::CommentedInFlake => AnsiColor::Yellow,
        RowStatus::MissingFromFlake => AnsiColor::Red,
        RowStatus::OnlyInFlake => AnsiColor::Cyan,
        RowStatus::Skipped => return Style::new().dimmed(),
    };
    color.on_default()
}
