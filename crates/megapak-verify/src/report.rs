//! The harness's JSON report (`megapak-smoke --json`), read and shown.
//!
//! The harness is a separate workspace; the JSON is the contract. `schema` changes when a field
//! changes meaning. A check `passed` only with `status` = `passed`: a skip (no GPU) is not.
//! A run passes only when it counted skips as failures and each of [`REQUIRED_CHECKS`] passed.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::{Deserialize, Serialize};

/// The report schema this megapak reads.
pub const SCHEMA: u32 = 1;

/// The checks a passing run must contain, each passed: a report without one proves nothing
/// about it.
pub const REQUIRED_CHECKS: [&str; 3] = ["cuda", "torch", "ort"];

/// A whole harness run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema: u32,
    pub harness: String,
    pub status: String,
    pub passed: bool,
    pub require_gpu: bool,
    pub seconds: f64,
    pub checks: Vec<Check>,
}

/// One check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub name: String,
    /// `passed`, `failed` or `skipped`.
    pub status: String,
    pub passed: bool,
    pub seconds: f64,
    #[serde(default)]
    pub figures: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub steps: Vec<String>,
    pub diagnosis: Option<Diagnosis>,
}

/// Why a check did not pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnosis {
    pub code: String,
    pub message: String,
    pub hint: String,
}

impl Report {
    /// Whether the run passed: skips counted as failures (`require_gpu`), every check passed (a
    /// skip is not a pass), and none of [`REQUIRED_CHECKS`] missing.
    pub fn all_passed(&self) -> bool {
        self.require_gpu
            && self.checks.iter().all(Check::is_pass)
            && self.missing_checks().is_empty()
    }

    /// `cuda skipped (no-driver), ort failed (onnxruntime-cpu-only)`: why the run did not pass.
    pub fn not_passed(&self) -> String {
        let mut reasons: Vec<String> = self
            .checks
            .iter()
            .filter(|c| !c.is_pass())
            .map(|c| match &c.diagnosis {
                Some(d) => format!("{} {} ({})", c.name, c.status, d.code),
                None => format!("{} {}", c.name, c.status),
            })
            .collect();
        reasons.extend(
            self.missing_checks()
                .into_iter()
                .map(|name| format!("{name} missing from the report")),
        );
        if !self.require_gpu {
            reasons.push("the harness ran without `--require-gpu`".to_owned());
        }
        reasons.join(", ")
    }

    /// The required checks the report lacks.
    fn missing_checks(&self) -> Vec<&'static str> {
        REQUIRED_CHECKS
            .into_iter()
            .filter(|name| !self.checks.iter().any(|c| c.name == *name))
            .collect()
    }
}

impl Check {
    /// Passed, as opposed to failed or skipped.
    fn is_pass(&self) -> bool {
        self.passed && self.status == "passed"
    }
}

/// Why the harness's stdout is not a report this megapak reads.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("not the JSON report megapak expects")]
    Json(#[from] serde_json::Error),
    #[error("report schema {0}")]
    Schema(u32),
}

/// Reads the report from the harness's stdout.
pub fn parse(stdout: &str) -> Result<Report, ParseError> {
    #[derive(Deserialize)]
    struct Version {
        schema: u32,
    }
    let version: Version = serde_json::from_str(stdout)?;
    if version.schema != SCHEMA {
        return Err(ParseError::Schema(version.schema));
    }
    Ok(serde_json::from_str(stdout)?)
}

/// The report for people: each check, its figures, why it did not pass.
pub fn render(report: &Report, target: &str) -> String {
    let mut out = format!("GPU verification of {target} ({})\n", report.harness);
    for check in &report.checks {
        let label = match check.status.as_str() {
            "passed" => "pass",
            "skipped" => "skip",
            _ => "FAIL",
        };
        let _ = writeln!(out, "{:<6} {label:<4} {:>7.2} s", check.name, check.seconds);
        let width = check.figures.keys().map(String::len).max().unwrap_or(0);
        for (key, value) in &check.figures {
            let value = match value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => number(n.as_f64().unwrap_or(f64::NAN)),
                other => other.to_string(),
            };
            let _ = writeln!(out, "    {key:<width$}  {value}");
        }
        if let Some(d) = &check.diagnosis {
            let _ = writeln!(out, "    {}: {}", d.code, d.message);
            let _ = writeln!(out, "    hint: {}", d.hint);
        }
    }
    let count = |s: &str| report.checks.iter().filter(|c| c.status == s).count();
    let _ = writeln!(
        out,
        "{} passed, {} failed, {} skipped in {:.2} s",
        count("passed"),
        count("failed"),
        count("skipped"),
        report.seconds
    );
    out
}

fn number(n: f64) -> String {
    if n == n.trunc() && n.abs() < 1e15 {
        format!("{n:.0}")
    } else if n.abs() >= 100.0 {
        format!("{n:.1}")
    } else if n.abs() >= 0.01 {
        format!("{n:.3}")
    } else {
        format!("{n:.2e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `megapak-smoke --json --require-gpu` printed on a machine without a GPU.
    pub(crate) const CPU_MACHINE: &str = include_str!("../tests/data/report-no-gpu.json");

    #[test]
    fn a_report_without_a_gpu_reads_and_does_not_pass() {
        let report = parse(CPU_MACHINE).unwrap();
        assert!(!report.all_passed());
        assert_eq!(
            report.not_passed(),
            "cuda failed (no-driver), torch failed (cuda-libraries-missing), ort failed (onnxruntime-cpu-only)"
        );
        insta::assert_snapshot!(render(&report, "this machine"));
    }

    #[test]
    fn skips_never_pass() {
        let mut report = parse(CPU_MACHINE).unwrap();
        for check in &mut report.checks {
            check.status = "skipped".into();
            check.passed = false;
        }
        assert!(!report.all_passed());
        report.checks.clear();
        assert!(!report.all_passed(), "no check at all is not a pass");
    }

    fn passing() -> Report {
        let mut report = parse(CPU_MACHINE).unwrap();
        for check in &mut report.checks {
            check.status = "passed".into();
            check.passed = true;
            check.diagnosis = None;
        }
        assert!(report.all_passed());
        report
    }

    #[test]
    fn a_missing_check_is_not_a_pass() {
        let mut report = passing();
        report.checks.retain(|c| c.name != "torch");
        assert!(!report.all_passed());
        assert_eq!(report.not_passed(), "torch missing from the report");
    }

    #[test]
    fn a_run_that_tolerated_skips_is_not_a_pass() {
        let mut report = passing();
        report.require_gpu = false;
        assert!(!report.all_passed());
        assert_eq!(
            report.not_passed(),
            "the harness ran without `--require-gpu`"
        );
    }

    #[test]
    fn other_schemas_are_refused() {
        assert!(matches!(
            parse(r#"{"schema": 2}"#),
            Err(ParseError::Schema(2))
        ));
        assert!(matches!(parse("not json"), Err(ParseError::Json(_))));
    }
}
