//! The harness's JSON report (`megapak-smoke --json`), read and shown.
//!
//! The harness is a separate workspace; the JSON is the contract. `schema` changes when a field
//! changes meaning. A check `passed` only with `status` = `passed`: a skip (no GPU) is not.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::VerifyError;

/// The report schema this megapak reads.
pub const SCHEMA: u32 = 1;

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
    /// Whether every check passed (a skip is not a pass).
    pub fn all_passed(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.passed && c.status == "passed")
    }

    /// `cuda skipped (no-driver), ort failed (onnxruntime-cpu-only)`: the checks that did not pass.
    pub fn not_passed(&self) -> String {
        self.checks
            .iter()
            .filter(|c| !(c.passed && c.status == "passed"))
            .map(|c| match &c.diagnosis {
                Some(d) => format!("{} {} ({})", c.name, c.status, d.code),
                None => format!("{} {}", c.name, c.status),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Reads the report from the harness's stdout.
pub fn parse(stdout: &str) -> Result<Report, VerifyError> {
    #[derive(Deserialize)]
    struct Version {
        schema: u32,
    }
    let version: Version =
        serde_json::from_str(stdout).map_err(|source| VerifyError::BadReport { source })?;
    if version.schema != SCHEMA {
        return Err(VerifyError::Schema {
            found: version.schema,
            expected: SCHEMA,
        });
    }
    serde_json::from_str(stdout).map_err(|source| VerifyError::BadReport { source })
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

    #[test]
    fn other_schemas_are_refused() {
        let err = parse(r#"{"schema": 2}"#).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("The harness writes report schema 2; this megapak reads schema 1"),
            "{err}"
        );
        assert!(matches!(
            parse("not json"),
            Err(VerifyError::BadReport { .. })
        ));
    }
}
