//! Running the harness, on this machine or in a container, and reading its report.
//!
//! The harness's stdout is the JSON report; its stderr (one line per check that did not pass)
//! is kept for when there is no report to show.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};

use crate::container::{self, CommandLine, Runtime};
use crate::container_failure;
use crate::environment::HarnessEnv;
use crate::harness::Harness;
use crate::report::{self, ParseError, Report};
use crate::{VerifyError, smoke_args};

/// How much of an output that is not a report an error shows.
const EXCERPT_CHARS: usize = 200;

/// The command that runs `megapak-smoke` of `harness` here (shown to people before it runs).
///
/// `--bin-dir` names the harness's folder: `megapak-smoke` would otherwise look for its checks
/// beside its resolved executable, which is elsewhere when the folder holds symlinks (a Nix
/// profile, a `symlinkJoin`).
pub fn host_command(harness: &Harness, extra_args: &[String]) -> CommandLine {
    let mut args = smoke_args();
    args.extend(["--bin-dir".to_owned(), harness.dir.display().to_string()]);
    args.extend(extra_args.iter().cloned());
    CommandLine {
        program: harness.smoke().display().to_string(),
        args,
    }
}

/// Runs `line` (from [`host_command`]) here, with `env` added to this process's environment.
pub fn on_host(line: &CommandLine, env: &HarnessEnv) -> Result<Report, VerifyError> {
    let mut command = Command::new(&line.program);
    command.args(&line.args);
    for (key, value) in &env.vars {
        command.env(key, value);
    }
    let (status, stdout, stderr) = capture(command, &line.program)?;
    report_or_error(&line.program, status, &stdout, &stderr)
}

/// The container command for `image` (shown to people before it runs), `env` set in the
/// container.
pub fn container_command(
    runtime: Runtime,
    program: &Path,
    image: &str,
    env: &[(String, String)],
    extra_args: &[String],
) -> CommandLine {
    let mut args = smoke_args();
    args.extend(extra_args.iter().cloned());
    container::command(runtime, program, image, env, &args)
}

/// Runs the harness in a container; a runtime's failure to start it is an error with a hint.
pub fn in_container(
    runtime: Runtime,
    line: &CommandLine,
    image: &str,
) -> Result<Report, VerifyError> {
    let mut command = Command::new(&line.program);
    command.args(&line.args);
    let (status, stdout, stderr) = capture(command, runtime.program())?;
    if stdout.trim().is_empty()
        && let Some(err) = container_failure::diagnose(runtime, status.code(), &stderr, image)
    {
        return Err(err);
    }
    report_or_error(runtime.program(), status, &stdout, &stderr)
}

fn capture(
    mut command: Command,
    program: &str,
) -> Result<(ExitStatus, String, String), VerifyError> {
    let output = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|source| VerifyError::Spawn {
            program: program.to_owned(),
            source,
        })?;
    Ok((
        output.status,
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ))
}

fn report_or_error(
    program: &str,
    status: ExitStatus,
    stdout: &str,
    stderr: &str,
) -> Result<Report, VerifyError> {
    if stdout.trim().is_empty() {
        let tail: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        let stderr = tail[tail.len().saturating_sub(3)..].join(" / ");
        return Err(VerifyError::NoReport {
            program: program.to_owned(),
            status: describe(status),
            stderr: if stderr.is_empty() {
                "(nothing)".into()
            } else {
                stderr
            },
        });
    }
    report::parse(stdout).map_err(|err| match err {
        ParseError::Schema(found) => VerifyError::Schema {
            found,
            expected: report::SCHEMA,
        },
        // Killed mid-write, or the JSON stops before it closes.
        ParseError::Json(source) if status.signal().is_some() || source.is_eof() => {
            VerifyError::ReportCutShort {
                program: program.to_owned(),
                status: describe(status),
                start: excerpt(stdout),
            }
        }
        ParseError::Json(source) => VerifyError::BadReport {
            program: program.to_owned(),
            status: describe(status),
            start: excerpt(stdout),
            source,
        },
    })
}

/// `exit status 1`, `killed by signal 9`.
fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => "no exit status".to_owned(),
    }
}

/// The start of `text` on one line, whitespace runs as one space, `…` where it was cut.
fn excerpt(text: &str) -> String {
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match words.char_indices().nth(EXCERPT_CHARS) {
        Some((end, _)) => format!("{}…", &words[..end]),
        None => words,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exited(code: i32) -> ExitStatus {
        ExitStatus::from_raw(code << 8)
    }

    #[test]
    fn no_report_keeps_the_last_words() {
        let err = report_or_error(
            "megapak-smoke",
            exited(2),
            "",
            "error: Unknown option `--gpu`\n\nusage: ...\n",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "`megapak-smoke` ended (exit status 2) without a report; its last words: error: Unknown option `--gpu` / usage: ..."
        );
    }

    #[test]
    fn output_that_is_not_a_report_is_shown_with_its_program_and_status() {
        let printed = format!("megapak-smoke 0.0.9\n  cuda  pass\n{}", "x".repeat(300));
        let err = report_or_error("megapak-smoke", exited(0), &printed, "").unwrap_err();
        let text = err.printed();
        let expected = format!(
            "`megapak-smoke` ended (exit status 0) with something other than the JSON report megapak expects: megapak-smoke 0.0.9 cuda pass {}…\nhint: run the command above by hand; use a harness of the same megapak release",
            "x".repeat(EXCERPT_CHARS - "megapak-smoke 0.0.9 cuda pass ".len())
        );
        assert_eq!(text, expected);
    }

    #[test]
    fn a_report_cut_short_says_so() {
        let killed = ExitStatus::from_raw(9);
        let err =
            report_or_error("docker", killed, "{\"schema\": 1, \"checks\": [", "").unwrap_err();
        assert_eq!(
            err.to_string().lines().next().unwrap(),
            "The report of `docker` is cut short (killed by signal 9); it begins: {\"schema\": 1, \"checks\": ["
        );
        let err = report_or_error("megapak-smoke", exited(1), "{\"schema\": 1,", "").unwrap_err();
        assert!(matches!(err, VerifyError::ReportCutShort { .. }), "{err}");
    }

    #[test]
    fn another_schema_is_named() {
        let err = report_or_error("megapak-smoke", exited(0), r#"{"schema": 2}"#, "").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("The harness writes report schema 2; this megapak reads schema 1"),
            "{err}"
        );
    }

    #[test]
    fn the_host_command_names_the_folder_of_the_checks() {
        let harness = Harness {
            dir: "/nix/store/x-megapak-smoke/bin".into(),
        };
        assert_eq!(
            host_command(&harness, &[]).to_string(),
            "/nix/store/x-megapak-smoke/bin/megapak-smoke --json --require-gpu --bin-dir /nix/store/x-megapak-smoke/bin"
        );
    }
}
