//! Showing a build's progress on stderr: a one-line bar on a terminal ([`TerminalProgress`],
//! indicatif), plain lines elsewhere ([`PlainProgress`]: a CI log keeps which derivation was
//! built when, and tests read it).

use std::io::Write;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::tracker::Status;

/// Something that changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update<'a> {
    BuildStarted {
        name: &'a str,
        /// The remote builder, when the build runs on one.
        machine: Option<&'a str>,
    },
    BuildStopped {
        name: &'a str,
    },
    Download {
        url: &'a str,
    },
    /// A line of a builder's output.
    LogLine {
        build: &'a str,
        line: &'a str,
    },
    Warning(&'a str),
    /// A line of Nix's stderr that was no log event.
    Text(&'a str),
    /// Counters changed.
    Progress,
}

/// Where progress goes.
pub trait Progress {
    fn update(&mut self, update: Update<'_>, status: &Status);
    /// The build is over: clear what should not stay on screen.
    fn finish(&mut self);
}

/// One line per build started, download, warning (and log line, when asked).
#[derive(Debug)]
pub struct PlainProgress<W: Write> {
    out: W,
    build_logs: bool,
}

impl<W: Write> PlainProgress<W> {
    pub fn new(out: W, build_logs: bool) -> Self {
        Self { out, build_logs }
    }
}

impl<W: Write> Progress for PlainProgress<W> {
    fn update(&mut self, update: Update<'_>, status: &Status) {
        // Progress is best effort: a closed stderr does not stop the build.
        let _ = match update {
            Update::BuildStarted { name, machine } => write!(
                self.out,
                "Building `{name}` ({}/{})",
                status.builds_started,
                status.builds_expected.max(status.builds_started)
            )
            .and_then(|()| match machine {
                Some(machine) => writeln!(self.out, " on `{machine}`"),
                None => writeln!(self.out),
            }),
            Update::Download { url } => writeln!(self.out, "Downloading `{url}`"),
            Update::LogLine { build, line } if self.build_logs => {
                writeln!(self.out, "{build}> {line}")
            }
            Update::Warning(text) => writeln!(self.out, "warning: {text}"),
            Update::Text(text) => writeln!(self.out, "{text}"),
            Update::LogLine { .. } | Update::BuildStopped { .. } | Update::Progress => Ok(()),
        };
    }

    fn finish(&mut self) {
        let _ = self.out.flush();
    }
}

/// A spinner line on stderr: `[3/120 built] python3.14-torch-2.10.0 (+2) · 1.2/4.0 GiB`; warnings
/// and log lines print above it. Draws nothing when stderr is not a terminal.
#[derive(Debug)]
pub struct TerminalProgress {
    bar: ProgressBar,
    build_logs: bool,
}

impl TerminalProgress {
    pub fn new(build_logs: bool) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar.set_message("evaluating");
        Self { bar, build_logs }
    }
}

impl Progress for TerminalProgress {
    fn update(&mut self, update: Update<'_>, status: &Status) {
        match update {
            Update::LogLine { build, line } if self.build_logs => {
                self.bar.println(format!("{build}> {line}"));
            }
            Update::Warning(text) => self.bar.println(format!("warning: {text}")),
            Update::Text(text) => self.bar.println(text),
            _ => {}
        }
        self.bar.set_message(line(status));
    }

    fn finish(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// The bar's text.
pub fn line(status: &Status) -> String {
    let mut parts = Vec::new();
    if status.builds_expected > 0 {
        parts.push(format!(
            "[{}/{} built]",
            status.builds_done, status.builds_expected
        ));
    }
    if status.fetch_expected > 0 {
        parts.push(format!(
            "[{}/{} fetched]",
            status.fetched, status.fetch_expected
        ));
    }
    match status.running.as_slice() {
        [] => {}
        [one] => parts.push(one.clone()),
        [first, rest @ ..] => parts.push(format!("{first} (+{})", rest.len())),
    }
    if status.download_expected > 0 {
        parts.push(format!(
            "· {}/{}",
            human_bytes(status.download_done),
            human_bytes(status.download_expected)
        ));
    }
    if parts.is_empty() {
        "evaluating".to_owned()
    } else {
        parts.join(" ")
    }
}

/// `1536` gives `1.5 KiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_says_what_is_built_and_downloaded() {
        let status = Status {
            builds_done: 3,
            builds_expected: 120,
            running: vec!["python3.14-torch-2.10.0".into(), "a".into(), "b".into()],
            download_done: 1 << 30,
            download_expected: 4 << 30,
            ..Status::default()
        };
        assert_eq!(
            line(&status),
            "[3/120 built] python3.14-torch-2.10.0 (+2) · 1.0 GiB/4.0 GiB"
        );
        assert_eq!(line(&Status::default()), "evaluating");
    }

    #[test]
    fn sizes_are_binary_units() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(8_700_000_000), "8.1 GiB");
    }
}
