//! Exit statuses and how failures are shown.
//!
//! Commands return `anyhow::Result<Outcome>`. An error is a *user error* (exit 1) unless it is
//! wrapped in [`Internal`]; a panic is an internal error (exit 2). The error chain is printed on
//! stderr, one cause per line, with no backtrace.

use std::fmt;
use std::io::Write;
use std::process::ExitCode;

use anstream::eprintln;
use anstyle::{AnsiColor, Style};

use crate::terminal_text::escape_controls;

/// What a command that ran to the end reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Everything asked for was done and every check passed.
    Success,
    /// The command ran, but what it checked failed (it already said why).
    Failure,
}

/// Marks an error as megapak's own fault (exit 2) rather than the user's (exit 1).
#[derive(Debug)]
pub(crate) struct Internal(pub(crate) anyhow::Error);

impl fmt::Display for Internal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Internal error: {}", self.0)
    }
}

impl std::error::Error for Internal {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

pub(crate) const USER_ERROR: u8 = 1;
pub(crate) const INTERNAL_ERROR: u8 = 2;

pub(crate) const ERROR_STYLE: Style = AnsiColor::Red.on_default().bold();
pub(crate) const HINT_STYLE: Style = AnsiColor::Cyan.on_default().bold();
pub(crate) const WARNING_STYLE: Style = AnsiColor::Yellow.on_default().bold();

/// Prints the outcome of a command and turns it into the process's exit status.
pub(crate) fn report(result: anyhow::Result<Outcome>) -> ExitCode {
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Failure) => ExitCode::from(USER_ERROR),
        Err(err) => {
            print_error(&err);
            if err.downcast_ref::<Internal>().is_some() {
                ExitCode::from(INTERNAL_ERROR)
            } else {
                ExitCode::from(USER_ERROR)
            }
        }
    }
}

/// Prints `error: <message>`, then each cause as `  Caused by: ...`, then any `hint:` lines.
///
/// A message may end in lines starting with `hint: `; those are printed as hints.
fn print_error(err: &anyhow::Error) {
    let mut hints = Vec::new();
    for (depth, cause) in err.chain().enumerate() {
        // Messages quote files: no escape sequence of theirs reaches the terminal.
        let text = escape_controls(&cause.to_string()).into_owned();
        let (message, cause_hints) = split_hints(&text);
        hints.extend(cause_hints);
        if depth == 0 {
            eprintln!("{ERROR_STYLE}error{ERROR_STYLE:#}: {message}");
        } else {
            eprintln!("  Caused by: {message}");
        }
    }
    for hint in hints {
        eprintln!("{HINT_STYLE}hint{HINT_STYLE:#}: {hint}");
    }
}

pub(crate) fn split_hints(text: &str) -> (String, Vec<String>) {
    let mut message = Vec::new();
    let mut hints = Vec::new();
    for line in text.lines() {
        match line.trim_start().strip_prefix("hint: ") {
            Some(hint) => hints.push(hint.to_owned()),
            None => message.push(line),
        }
    }
    (message.join("\n"), hints)
}

/// Usage errors are the user's (exit 1); `--help` and `--version` succeed.
pub(crate) fn clap_error(err: &clap::Error) -> ExitCode {
    // clap prints help and version to stdout and errors to stderr itself.
    let _ = err.print();
    if err.use_stderr() {
        ExitCode::from(USER_ERROR)
    } else {
        ExitCode::SUCCESS
    }
}

/// A panic is a bug in megapak: say so plainly and exit 2 instead of Rust's 101.
pub(crate) fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(
            stderr,
            "error: Internal error: megapak panicked: {}\nhint: this is a bug in megapak; please report it with the command you ran",
            escape_controls(&info.to_string())
        );
        std::process::exit(i32::from(INTERNAL_ERROR));
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_are_split_from_the_message() {
        let (message, hints) = split_hints("Bad thing\nhint: do this\nhint: or that");
        assert_eq!(message, "Bad thing");
        assert_eq!(hints, ["do this", "or that"]);
    }

    #[test]
    fn internal_errors_exit_2_and_user_errors_exit_1() {
        let user = report(Err(anyhow::anyhow!("bad input")));
        let internal = report(Err(Internal(anyhow::anyhow!("bug")).into()));
        assert_eq!(format!("{user:?}"), format!("{:?}", ExitCode::from(1)));
        assert_eq!(format!("{internal:?}"), format!("{:?}", ExitCode::from(2)));
    }
}

/// An error with an optional next step, shown as a `hint:` line after the message.
#[derive(Debug)]
pub(crate) struct Hinted<E> {
    error: E,
    hint: Option<String>,
}

impl<E: std::error::Error + Send + Sync + 'static> Hinted<E> {
    pub(crate) fn wrap(error: E, hint: Option<String>) -> anyhow::Error {
        anyhow::Error::new(Self { error, hint })
    }
}

impl<E: fmt::Display> fmt::Display for Hinted<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.error)?;
        // A hint of several lines is several hints, each printed on its own `hint:` line.
        for hint in self.hint.iter().flat_map(|hint| hint.lines()) {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl<E: std::error::Error> std::error::Error for Hinted<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error.source()
    }
}
