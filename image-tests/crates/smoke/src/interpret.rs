//! Turning what a check process did into its report: its own JSON when it wrote one and its
//! ending agrees, else a diagnosis of how it ended (a library the loader could not find, a
//! crash, a time-out, an ending that contradicts the report).
//!
//! Nothing a check says is taken on its word: exit 0 must go with `passed`, 3 with `skipped`,
//! 1 with `failed`. A report saying `passed` or `skipped` with another exit, and any report of
//! a check killed by a signal, fails with `check-exit-contradicts` (the report's figures kept).
//! A pass must carry every GPU figure unless the run was `--cpu-only` (`figure-missing`).

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

use megapak_harness::emit::{EXIT_FAILED, EXIT_PASSED, EXIT_SKIPPED};
use megapak_harness::{CheckReport, Diagnosis, Status, diagnosis, sonames};

use crate::spawn::{Ending, Finished};

/// How the driver judges a run's reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Judge {
    /// A skip (no GPU or driver) is a failure.
    pub require_gpu: bool,
    /// Only the CPU parts ran: a pass needs no GPU figures.
    pub cpu_only: bool,
    /// The time limit a check was killed at, for the message.
    pub timeout_secs: u64,
}

/// The report for one finished check, judged by `judge`.
pub fn report(finished: &Finished, judge: Judge) -> CheckReport {
    let mut report = match &finished.ending {
        Ending::Exited(status) => from_exit(finished, status),
        Ending::TimedOut => failed(
            finished.name,
            diagnosis::check_timed_out(binary_name(finished), judge.timeout_secs),
        ),
        Ending::Missing => failed(finished.name, diagnosis::check_missing(&finished.binary)),
        Ending::NotStarted(e) => failed(
            finished.name,
            diagnosis::check_crashed(
                binary_name(finished),
                "could not be started",
                &e.to_string(),
            ),
        ),
    };
    if judge.require_gpu && report.status == Status::Skipped {
        report.status = Status::Failed;
    }
    if !judge.cpu_only {
        report.require_gpu_figures();
    }
    report.passed = report.status == Status::Passed;
    report.seconds = finished.seconds;
    report
}

fn from_exit(finished: &Finished, status: &ExitStatus) -> CheckReport {
    if let Ok(mut report) = serde_json::from_str::<CheckReport>(finished.stdout.trim()) {
        report.name = finished.name.to_owned();
        check_ending(&mut report, binary_name(finished), status);
        return report;
    }
    let binary = binary_name(finished);
    let stderr = finished.stderr.trim();
    if stderr.contains("error while loading shared libraries") {
        let missing = sonames::missing_in(stderr);
        if !missing.is_empty() {
            return failed(
                finished.name,
                diagnosis::shared_library_missing(binary, &missing),
            );
        }
    }
    if stderr.contains("symbol lookup error") || stderr.contains("undefined symbol") {
        let line = stderr
            .lines()
            .find(|l| l.contains("symbol"))
            .unwrap_or(stderr);
        return failed(finished.name, linking_mismatch(binary, line));
    }
    failed(
        finished.name,
        diagnosis::check_crashed(binary, &how(status), &tail(stderr)),
    )
}

/// Fails `report` when `status` contradicts it. A report that already failed keeps its own
/// diagnosis unless a signal ended the check; a diagnosis replaced is kept as a step.
fn check_ending(report: &mut CheckReport, binary: &str, status: &ExitStatus) {
    let expected = match report.status {
        Status::Passed => EXIT_PASSED,
        Status::Skipped => EXIT_SKIPPED,
        Status::Failed => EXIT_FAILED,
    };
    let agrees = match status.code() {
        Some(code) => code == i32::from(expected) || report.status == Status::Failed,
        None => false,
    };
    if agrees {
        return;
    }
    let said = match report.status {
        Status::Passed => "passed",
        Status::Skipped => "skipped",
        Status::Failed => "failed",
    };
    if let Some(own) = report.diagnosis.take() {
        report.step(format!(
            "its own report said {said}: {} {}",
            own.code, own.message
        ));
    }
    report.status = Status::Failed;
    report.passed = false;
    report.diagnosis = Some(diagnosis::check_exit_contradicts(
        binary,
        &how(status),
        said,
    ));
}

/// `exited with status 1`, `was killed by signal 9`.
fn how(status: &ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (_, Some(signal)) => format!("was killed by signal {signal}"),
        (Some(code), _) => format!("exited with status {code}"),
        (None, None) => "ended".to_owned(),
    }
}

/// A symbol the binary needs is missing from a library it loaded: for libtorch, the wrong
/// version; otherwise a library of another release than the one built against.
fn linking_mismatch(binary: &str, line: &str) -> Diagnosis {
    let torch = binary == "check-torch"
        || ["libtorch", "libc10", "_ZN3c10", "_ZN2at", "_ZN5torch"]
            .iter()
            .any(|m| line.contains(m));
    if torch {
        diagnosis::libtorch_version_mismatch(line.trim())
    } else {
        diagnosis::check_crashed(binary, "could not link a library it needs", line.trim())
    }
}

fn failed(name: &str, diagnosis: Diagnosis) -> CheckReport {
    let mut report = CheckReport::new(name);
    report.fail(diagnosis);
    report
}

fn binary_name(finished: &Finished) -> &str {
    finished
        .binary
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(finished.name)
}

/// The last three lines of a child's stderr.
fn tail(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(3);
    let text = lines[start..].join(" / ");
    if text.is_empty() {
        "(nothing on stderr)".to_owned()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::process::ExitStatus;

    use super::*;

    const JUDGE: Judge = Judge {
        require_gpu: false,
        cpu_only: false,
        timeout_secs: 120,
    };

    fn exited(binary: &str, raw_status: i32, stdout: &str, stderr: &str) -> CheckReport {
        let finished = Finished {
            name: "torch",
            binary: PathBuf::from(format!("/h/{binary}")),
            ending: Ending::Exited(ExitStatus::from_raw(raw_status)),
            stdout: stdout.into(),
            stderr: stderr.into(),
            seconds: 0.5,
        };
        report(&finished, JUDGE)
    }

    #[test]
    fn the_loader_missing_libtorch_is_named() {
        let r = exited(
            "check-torch",
            127 << 8,
            "",
            "check-torch: error while loading shared libraries: libc10.so: cannot open shared object file: No such file or directory",
        );
        let d = r.diagnosis.unwrap();
        assert_eq!((d.code.as_str(), r.seconds), ("libtorch-missing", 0.5));
        assert_eq!(
            d.message,
            "`check-torch` could not start: libtorch (`libc10.so`) is not on the loader's path"
        );
    }

    #[test]
    fn an_undefined_libtorch_symbol_is_a_version_mismatch() {
        let r = exited(
            "check-torch",
            127 << 8,
            "",
            "check-torch: symbol lookup error: check-torch: undefined symbol: _ZN3c1013MessageLoggerC1EPKcii",
        );
        assert_eq!(r.diagnosis.unwrap().code, "libtorch-version-mismatch");
    }

    #[test]
    fn a_signal_is_a_crash_with_its_last_words() {
        let r = exited("check-cuda", 11, "", "line one\nline two\n");
        let d = r.diagnosis.unwrap();
        assert_eq!(d.code, "check-crashed");
        assert_eq!(
            d.message,
            "`check-cuda` was killed by signal 11 without a report; its last words: line one / line two"
        );
    }

    #[test]
    fn a_skip_becomes_a_failure_only_when_required() {
        let json = r#"{"name":"x","status":"skipped","passed":false,"seconds":0.1,"figures":{},"steps":[],"diagnosis":{"code":"no-gpu","message":"m","hint":"h"}}"#;
        let r = exited("check-ort", 3 << 8, json, "");
        assert_eq!((r.name.as_str(), r.status), ("torch", Status::Skipped));
        let finished = Finished {
            name: "ort",
            binary: "/h/check-ort".into(),
            ending: Ending::Exited(ExitStatus::from_raw(3 << 8)),
            stdout: json.into(),
            stderr: String::new(),
            seconds: 0.1,
        };
        assert_eq!(
            report(
                &finished,
                Judge {
                    require_gpu: true,
                    ..JUDGE
                }
            )
            .status,
            Status::Failed
        );
    }

    fn passed_json(figures: &str) -> String {
        format!(
            r#"{{"name":"x","status":"passed","passed":true,"seconds":0.1,"figures":{{{figures}}},"steps":[],"diagnosis":null}}"#
        )
    }

    const TORCH_FIGURES: &str =
        r#""matmul_tflops":1.0,"matmul_max_abs_err":0.001,"conv_rel_err":0.0001"#;

    #[test]
    fn a_pass_with_exit_0_and_every_figure_passes() {
        let r = exited("check-torch", 0, &passed_json(TORCH_FIGURES), "");
        assert_eq!((r.status, r.passed), (Status::Passed, true));
    }

    #[test]
    fn an_ending_that_contradicts_the_report_fails_and_keeps_the_figures() {
        for (raw, how) in [
            (1 << 8, "exited with status 1"),
            (3 << 8, "exited with status 3"),
            (9, "was killed by signal 9"),
        ] {
            let r = exited("check-torch", raw, &passed_json(TORCH_FIGURES), "");
            let d = r.diagnosis.clone().unwrap();
            assert_eq!((r.status, r.passed), (Status::Failed, false));
            assert_eq!(d.code, "check-exit-contradicts");
            assert_eq!(
                d.message,
                format!(
                    "`check-torch` reported `passed` but {how}; a check whose ending and report disagree has not passed"
                )
            );
            assert_eq!(r.figures.len(), 3, "the figures stay for the record");
        }
        let skipped = r#"{"name":"x","status":"skipped","passed":false,"seconds":0.1,"figures":{},"steps":[],"diagnosis":{"code":"no-gpu","message":"none here","hint":"h"}}"#;
        let r = exited("check-ort", 0, skipped, "");
        assert_eq!(r.diagnosis.unwrap().code, "check-exit-contradicts");
        assert_eq!(r.steps, ["its own report said skipped: no-gpu none here"]);
    }

    #[test]
    fn a_failure_keeps_its_own_diagnosis_unless_a_signal_ended_it() {
        let failed = r#"{"name":"x","status":"failed","passed":false,"seconds":0.1,"figures":{},"steps":[],"diagnosis":{"code":"cuda-mismatch","message":"m","hint":"h"}}"#;
        let r = exited("check-torch", 1 << 8, failed, "");
        assert_eq!(r.diagnosis.unwrap().code, "cuda-mismatch");
        let r = exited("check-torch", 6, failed, "");
        assert_eq!(r.diagnosis.unwrap().code, "check-exit-contradicts");
    }

    #[test]
    fn a_pass_without_its_gpu_figures_fails_unless_cpu_only() {
        let json = passed_json(r#""matmul_tflops":1.0"#);
        let r = exited("check-torch", 0, &json, "");
        let d = r.diagnosis.unwrap();
        assert_eq!(d.code, "figure-missing");
        assert_eq!(
            d.message,
            "The `torch` check reported a pass without `matmul_max_abs_err`, `conv_rel_err`"
        );
        let finished = Finished {
            name: "torch",
            binary: "/h/check-torch".into(),
            ending: Ending::Exited(ExitStatus::from_raw(0)),
            stdout: json,
            stderr: String::new(),
            seconds: 0.1,
        };
        let cpu_only = Judge {
            cpu_only: true,
            ..JUDGE
        };
        assert_eq!(report(&finished, cpu_only).status, Status::Passed);
    }
}
