//! Turning what a check process did into its report: its own JSON when it wrote one, else a
//! diagnosis of how it ended (a library the loader could not find, a crash, a time-out).

use std::os::unix::process::ExitStatusExt;

use megapak_harness::{CheckReport, Diagnosis, diagnosis, sonames};

use crate::spawn::{Ending, Finished};

/// The report for one finished check; `require_gpu` turns a skip into a failure.
pub fn report(finished: &Finished, require_gpu: bool, timeout_secs: u64) -> CheckReport {
    let mut report = match &finished.ending {
        Ending::Exited(status) => from_exit(finished, status),
        Ending::TimedOut => failed(
            finished.name,
            diagnosis::check_timed_out(binary_name(finished), timeout_secs),
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
    if require_gpu && report.status == megapak_harness::Status::Skipped {
        report.status = megapak_harness::Status::Failed;
    }
    report.passed = report.status == megapak_harness::Status::Passed;
    report.seconds = finished.seconds;
    report
}

fn from_exit(finished: &Finished, status: &std::process::ExitStatus) -> CheckReport {
    if let Ok(mut report) = serde_json::from_str::<CheckReport>(finished.stdout.trim()) {
        report.name = finished.name.to_owned();
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
    let how = match (status.code(), status.signal()) {
        (_, Some(signal)) => format!("was killed by signal {signal}"),
        (Some(code), _) => format!("exited with status {code}"),
        (None, None) => "ended".to_owned(),
    };
    failed(
        finished.name,
        diagnosis::check_crashed(binary, &how, &tail(stderr)),
    )
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

    fn exited(binary: &str, raw_status: i32, stdout: &str, stderr: &str) -> CheckReport {
        let finished = Finished {
            name: "torch",
            binary: PathBuf::from(format!("/h/{binary}")),
            ending: Ending::Exited(ExitStatus::from_raw(raw_status)),
            stdout: stdout.into(),
            stderr: stderr.into(),
            seconds: 0.5,
        };
        report(&finished, false, 120)
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
        assert_eq!(
            (r.name.as_str(), r.status),
            ("torch", megapak_harness::Status::Skipped)
        );
        let finished = Finished {
            name: "ort",
            binary: "/h/check-ort".into(),
            ending: Ending::Exited(ExitStatus::from_raw(3 << 8)),
            stdout: json.into(),
            stderr: String::new(),
            seconds: 0.1,
        };
        assert_eq!(
            report(&finished, true, 120).status,
            megapak_harness::Status::Failed
        );
    }
}
