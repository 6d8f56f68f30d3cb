use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use super::{location, summary};
use crate::model::{RowStatus, StatusReport};

const HEADER: Style = Style::new().bold();

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
    };
    let (name_width, status_width) = (width(0), width(1));
    let _ = writeln!(
        out,
        "{HEADER}{:<name_width$}  {:<status_width$}  {}{HEADER:#}",
        headers[0], headers[1], headers[2]
    );
    for (row, [name, status, location]) in report.rows.iter().zip(&cells) {
        let style = status_style(row.status);
        let _ = writeln!(
            out,
            "{name:<name_width$}  {style}{status:<status_width$}{style:#}  {location}"
        );
    }
    out
}

fn status_style(status: RowStatus) -> Style {
    let color = match status {
        RowStatus::Requested => return Style::new(),
        RowStatus::InFlake => AnsiColor::Green,
        RowStatus::CommentedInFlake => AnsiColor::Yellow,
        RowStatus::MissingFromFlake => AnsiColor::Red,
        RowStatus::OnlyInFlake => AnsiColor::Cyan,
    };
    color.on_default()
}
