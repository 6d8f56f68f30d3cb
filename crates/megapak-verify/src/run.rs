//! Running the harness, on this machine or in a container, and reading its report.
//!
//! The harness's stdout is the JSON report; its stderr (one line per check that did not pass)
//! is kept for when there is no report to show.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::container::{self, CommandLine, Runtime};
use crate::environment::HarnessEnv;
use crate::harness::Harness;
use crate::report::{self, Report};
use crate::{VerifyError, smoke_args};

/// Runs `megapak-smoke` of `harness` here, with `env` added to this process's environment.
pub fn on_host(
    harness: &Harness,
    env: &HarnessEnv,
    extra_args: &[String],
) -> Result<Report, VerifyError> {
    let program = harness.smoke();
    let mut command = Command::new(&program);
    command.args(smoke_args()).args(extra_args);
    for (key, value) in &env.vars {
        command.env(key, value);
    }
    let (code, stdout, stderr) = capture(command, &program.display().to_string())?;
    report_or_error(&program.display().to_string(), code, &stdout, &stderr)
}

/// The container command for `image` (shown to people before it runs).
pub fn container_command(
    runtime: Runtime,
    program: &Path,
    image: &str,
    extra_args: &[String],
) -> CommandLine {
    let mut args = smoke_args();
    args.extend(extra_args.iter().cloned());
    container::command(runtime, program, image, &args)
}

/// Runs the harness in a container; a runtime's failure to start it is an error with a hint.
pub fn in_container(
    runtime: Runtime,
    line: &CommandLine,
    image: &str,
) -> Result<Report, VerifyError> {
    let mut command = Command::new(&line.program);
    command.args(&line.args);
    let (code, stdout, stderr) = capture(command, runtime.program())?;
    if stdout.trim().is_empty()
        && let Some(err) = container::diagnose(runtime, code, &stderr, image)
    {
        return Err(err);
    }
    report_or_error(runtime.program(), code, &stdout, &stderr)
}

fn capture(
    mut command: Command,
    program: &str,
) -> Result<(Option<i32>, String, String), VerifyError> {
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
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ))
}

fn report_or_error(
    program: &str,
    code: Option<i32>,
    stdout: &str,
    stderr: &str,
) -> Result<Report, VerifyError> {
    if stdout.trim().is_empty() {
        let status = code.map_or_else(
            || "killed by a signal".to_owned(),
            |c| format!("exit status {c}"),
        );
        let tail: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        let stderr = tail[tail.len().saturating_sub(3)..].join(" / ");
        return Err(VerifyError::NoReport {
            program: program.to_owned(),
            status,
            stderr: if stderr.is_empty() {
                "(nothing)".into()
            } else {
                stderr
            },
        });
    }
    report::parse(stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_report_keeps_the_last_words() {
        let err = report_or_error(
            "megapak-smoke",
            Some(2),
            "",
            "error: Unknown option `--gpu`\n\nusage: ...\n",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "`megapak-smoke` ended (exit status 2) without a report; its last words: error: Unknown option `--gpu` / usage: ..."
        );
    }
}
