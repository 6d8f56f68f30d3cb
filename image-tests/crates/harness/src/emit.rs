//! How a check binary ends: its report on stdout, a skip's reason on stderr, an exit status.
//!
//! Exit statuses, the same for every check and for `megapak-smoke`:
//! `0` every requested part passed, `1` something failed (a skip too, under `--require-gpu`),
//! `2` the command line or the harness itself is wrong, `3` nothing failed but the GPU part was
//! skipped (no GPU or driver here).

use std::io::Write;
use std::process::ExitCode;

use crate::args::{ArgError, Common};
use crate::{CheckReport, Status, table};

pub const EXIT_PASSED: u8 = 0;
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_SKIPPED: u8 = 3;

/// The exit status for a status.
pub fn exit_code(status: Status) -> u8 {
    match status {
        Status::Passed => EXIT_PASSED,
        Status::Failed => EXIT_FAILED,
        Status::Skipped => EXIT_SKIPPED,
    }
}

/// Writes the report of one check (JSON or a table) and says why it skipped or failed.
pub fn finish_check(report: &CheckReport, common: Common) -> ExitCode {
    let text = if common.json {
        serde_json::to_string(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}")) + "\n"
    } else {
        table::render(std::slice::from_ref(report))
    };
    write_stdout(&text);
    if common.json
        && let Some(d) = &report.diagnosis
    {
        // The JSON carries the diagnosis; people watching stderr still see why.
        let _ = writeln!(
            std::io::stderr(),
            "{}: {} {}: {}",
            report.name,
            report.status.label(),
            d.code,
            d.message
        );
    }
    ExitCode::from(exit_code(report.status))
}

/// Reports a bad command line (exit 2).
pub fn usage_error(err: &ArgError, usage: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "error: {err}\n\n{usage}");
    ExitCode::from(EXIT_USAGE)
}

/// Writes to stdout; a closed pipe is not an error.
pub fn write_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}
