//! How a check process ended, as `megapak-smoke` sees it.

use super::Diagnosis;

/// A check binary is not where `megapak-smoke` looks.
pub fn check_missing(binary: &std::path::Path) -> Diagnosis {
    Diagnosis::new(
        "check-missing",
        format!("The check binary `{}` does not exist", binary.display()),
        "build the harness (`cargo build --release --manifest-path image-tests/Cargo.toml`) and keep every `check-*` binary beside `megapak-smoke`, or pass `--bin-dir`",
    )
}

/// A check binary ended without a report.
pub fn check_crashed(binary: &str, how: &str, stderr_tail: &str) -> Diagnosis {
    Diagnosis::new(
        "check-crashed",
        format!("`{binary}` {how} without a report; its last words: {stderr_tail}"),
        format!("run `{binary}` alone to see its whole output"),
    )
}

/// A check's ending contradicts its report: it said `said` (`passed`, `skipped`) and then
/// `how` (`exited with status 1`, `was killed by signal 9`). The driver trusts neither: the
/// check fails, and its figures stay in the report for the record.
pub fn check_exit_contradicts(binary: &str, how: &str, said: &str) -> Diagnosis {
    Diagnosis::new(
        "check-exit-contradicts",
        format!(
            "`{binary}` reported `{said}` but {how}; a check whose ending and report disagree has not passed"
        ),
        format!(
            "run `{binary} --json` alone and read its stderr: a crash while exiting (a library's destructor, the CUDA context torn down) or a report written before the work ended"
        ),
    )
}

/// A check binary ran past its time.
pub fn check_timed_out(binary: &str, seconds: u64) -> Diagnosis {
    Diagnosis::new(
        "check-timed-out",
        format!("`{binary}` did not finish within {seconds} s and was killed"),
        "a hung driver call or a GPU shared with other work: run `nvidia-smi`, or raise `--timeout`",
    )
}

/// A check said it passed without the figures that prove its GPU part ran.
pub fn figures_missing(check: &str, missing: &[&str]) -> Diagnosis {
    let list = missing
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Diagnosis::new(
        "figure-missing",
        format!("The `{check}` check reported a pass without {list}"),
        "a pass must carry every GPU figure: the check binary is older or newer than `megapak-smoke`, so rebuild the harness as one (`image-tests/`)",
    )
}
