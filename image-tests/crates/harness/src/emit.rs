//! How a check binary ends: its report on stdout, a skip's reason on stderr, an exit status.
//!
//! Exit statuses, the same for every check and for `megapak-smoke`:
//! `0` every requested part passed, `1` something failed (a skip too, under `--require-gpu`),
//! `2` the command line or the harness itself is wrong, `3` nothing failed but the GPU part was
//! skipped (no GPU or driver here).

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

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

/// The whole `main` of a check binary: parse the command line (or print `usage` for `--help`),
/// run the check, print its report and turn it into the exit status. The clock starts first, so
/// the report's time covers the whole process.
pub fn check_main<O>(
    usage: &str,
    parse: impl FnOnce(std::iter::Skip<std::env::Args>) -> Result<O, ArgError>,
    common: impl Fn(&O) -> Common,
    run: impl FnOnce(&O, Instant) -> CheckReport,
) -> ExitCode {
    let started = Instant::now();
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) if common(&options).help => {
            write_stdout(&format!("{usage}\n"));
            return ExitCode::SUCCESS;
        }
        Ok(options) => options,
        Err(err) => return usage_error(&err, usage),
    };
    let report = run(&options, started);
    finish_check(&report, common(&options))
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
