//! The report of one check and of a whole run: the JSON contract with `megapak verify`.
//!
//! A skip is never a pass: `passed` is true only for [`Status::Passed`]. `megapak verify --gpu`
//! (and `megapak-smoke --require-gpu`) turn every skip into a failure.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::Diagnosis;

/// The version of the JSON layout; bumped when a field changes meaning.
pub const SCHEMA: u32 = 1;

/// How a check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Everything requested ran and was verified.
    Passed,
    /// Something requested ran and was wrong, or could not run although it should have.
    Failed,
    /// The GPU part could not run because there is no GPU or driver; the CPU part passed.
    Skipped,
}

impl Status {
    /// The word shown in tables.
    pub fn label(self) -> &'static str {
        match self {
            Self::Passed => "pass",
            Self::Failed => "FAIL",
            Self::Skipped => "skip",
        }
    }
}

/// A measured figure: a number or a short text (a version, a device name).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Figure {
    Number(f64),
    Text(String),
}

impl std::fmt::Display for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // Figures are rates and errors: four significant digits are plenty for people.
            Self::Number(n) if *n == n.trunc() && n.abs() < 1e15 => write!(f, "{n:.0}"),
            Self::Number(n) if n.abs() >= 100.0 => write!(f, "{n:.1}"),
            Self::Number(n) if n.abs() >= 0.01 => write!(f, "{n:.3}"),
            Self::Number(n) => write!(f, "{n:.2e}"),
            Self::Text(t) => f.write_str(t),
        }
    }
}

/// The report of one check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    /// `cuda`, `torch` or `ort`.
    pub name: String,
    pub status: Status,
    /// True only when `status` is `passed`.
    pub passed: bool,
    /// Wall time of the check, process start to report where the driver measured it.
    pub seconds: f64,
    /// What was measured: versions, rates, errors against the reference.
    pub figures: BTreeMap<String, Figure>,
    /// What was done, one short line each, in order.
    pub steps: Vec<String>,
    /// Why the check failed or skipped; `null` when it passed.
    pub diagnosis: Option<Diagnosis>,
}

impl CheckReport {
    /// Runs one check: a report named `name` that `check` fills, failed with the diagnosis
    /// `check` returns, finished (a skip fails with `require_gpu`) and timed from `started`.
    pub fn run(
        name: &str,
        require_gpu: bool,
        started: Instant,
        check: impl FnOnce(&mut Self) -> Result<(), Diagnosis>,
    ) -> Self {
        let mut report = Self::new(name);
        if let Err(d) = check(&mut report) {
            report.fail(d);
        }
        report.finish(require_gpu, started)
    }

    /// A report that passes until something says otherwise.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            status: Status::Passed,
            passed: true,
            seconds: 0.0,
            figures: BTreeMap::new(),
            steps: Vec::new(),
            diagnosis: None,
        }
    }

    /// Records a number. A NaN or an infinity (a GPU computing garbage) is recorded as text
    /// (`NaN`, `inf`): JSON has no such numbers, and `null` would make the report unreadable
    /// exactly when it matters.
    pub fn number(&mut self, key: &str, value: f64) {
        let figure = if value.is_finite() {
            Figure::Number(value)
        } else {
            Figure::Text(value.to_string())
        };
        self.figures.insert(key.to_owned(), figure);
    }

    /// Records a text figure.
    pub fn text(&mut self, key: &str, value: impl Into<String>) {
        self.figures
            .insert(key.to_owned(), Figure::Text(value.into()));
    }

    /// Records how long a phase of the check took, from `since` to now, as the figure
    /// `seconds_<phase>` (`seconds_context`, `seconds_cublas_init`, `seconds_session`, ...):
    /// where the time of a run goes.
    pub fn phase_since(&mut self, phase: &str, since: Instant) {
        self.number(&format!("seconds_{phase}"), since.elapsed().as_secs_f64());
    }

    /// The figures of [`required_gpu_figures`] this report lacks.
    pub fn missing_gpu_figures(&self) -> Vec<&'static str> {
        required_gpu_figures(&self.name)
            .iter()
            .copied()
            .filter(|key| !matches!(self.figures.get(*key), Some(Figure::Number(_))))
            .collect()
    }

    /// A pass of the GPU part needs every GPU figure: a passing report without one of them
    /// fails with `figure-missing` (a number recorded as `NaN` text counts as missing).
    pub fn require_gpu_figures(&mut self) {
        let missing = self.missing_gpu_figures();
        if self.status == Status::Passed && !missing.is_empty() {
            self.fail(crate::diagnosis::figures_missing(&self.name, &missing));
        }
    }

    /// Records what was done.
    pub fn step(&mut self, line: impl Into<String>) {
        self.steps.push(line.into());
    }

    /// Ends the check as failed. The first failure is the one reported.
    pub fn fail(&mut self, diagnosis: Diagnosis) {
        if self.status != Status::Failed {
            self.status = Status::Failed;
            self.diagnosis = Some(diagnosis);
        }
        self.passed = false;
    }

    /// Ends the check as skipped (no GPU), unless it already failed.
    pub fn skip(&mut self, diagnosis: Diagnosis) {
        if self.status == Status::Passed {
            self.status = Status::Skipped;
            self.diagnosis = Some(diagnosis);
        }
        self.passed = false;
    }

    /// Applies `--require-gpu` (a skip becomes a failure) and stamps the time.
    pub fn finish(mut self, require_gpu: bool, started: Instant) -> Self {
        if require_gpu && self.status == Status::Skipped {
            self.status = Status::Failed;
        }
        self.passed = self.status == Status::Passed;
        self.seconds = started.elapsed().as_secs_f64();
        self
    }
}

/// The figures a check's GPU part must report for a pass: the proof that the work ran on the
/// GPU and was checked against a reference computed elsewhere.
///
/// - `cuda`: every element of `mix` verified, copy bandwidth, and the bytes of the copy the
///   checksum kernel verified on the GPU;
/// - `torch`: matmul rate, its largest element-wise error against an fp32 CPU reference, and
///   the cuDNN convolution's error;
/// - `ort`: the largest difference from the CPU provider, and how many nodes the profile shows
///   on the CUDA provider.
pub fn required_gpu_figures(check: &str) -> &'static [&'static str] {
    match check {
        "cuda" => &["verified_elements", "copy_gb_per_s", "copy_verified_bytes"],
        "torch" => &["matmul_tflops", "matmul_max_abs_err", "conv_rel_err"],
        "ort" => &["cuda_vs_cpu_max_err", "cuda_nodes"],
        _ => &[],
    }
}

/// The report of a whole run of `megapak-smoke`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SmokeReport {
    pub schema: u32,
    /// `megapak-smoke <version>`.
    pub harness: String,
    /// `passed` only when every requested check passed.
    pub status: Status,
    pub passed: bool,
    /// Whether a skip counted as a failure.
    pub require_gpu: bool,
    /// Wall time from the driver's start to the report.
    pub seconds: f64,
    pub checks: Vec<CheckReport>,
}

impl SmokeReport {
    /// Gathers check reports: failed if any failed, else skipped if any skipped.
    pub fn gather(checks: Vec<CheckReport>, require_gpu: bool, seconds: f64) -> Self {
        let status = overall(checks.iter().map(|c| c.status));
        Self {
            schema: SCHEMA,
            harness: format!("megapak-smoke {}", env!("CARGO_PKG_VERSION")),
            status,
            passed: status == Status::Passed,
            require_gpu,
            seconds,
            checks,
        }
    }
}

/// The status of several checks together.
pub fn overall(statuses: impl IntoIterator<Item = Status>) -> Status {
    let mut result = Status::Passed;
    for status in statuses {
        match status {
            Status::Failed => return Status::Failed,
            Status::Skipped => result = Status::Skipped,
            Status::Passed => {}
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis;

    #[test]
    fn non_finite_figures_survive_the_json_round_trip() {
        let mut report = CheckReport::new("ort");
        report.number("cuda_vs_cpu_max_err", f64::NAN);
        report.number("tflops", f64::INFINITY);
        report.number("copy_gb_per_s", 2900.5);
        let json = serde_json::to_string(&report).unwrap();
        let back: CheckReport = serde_json::from_str(&json).unwrap();
        assert_eq!(
            back.figures["cuda_vs_cpu_max_err"],
            Figure::Text("NaN".into())
        );
        assert_eq!(back.figures["tflops"], Figure::Text("inf".into()));
        assert_eq!(back.figures["copy_gb_per_s"], Figure::Number(2900.5));
    }

    #[test]
    fn a_failure_is_not_overwritten_by_a_later_skip() {
        let mut report = CheckReport::new("cuda");
        report.fail(diagnosis::nvrtc_missing(
            "libnvrtc.so.13: cannot open shared object file",
            crate::CudaMajor::Thirteen,
        ));
        report.skip(diagnosis::no_driver(
            "libcuda.so.1: cannot open shared object file",
        ));
        let report = report.finish(false, Instant::now());
        assert_eq!(report.status, Status::Failed);
        assert_eq!(report.diagnosis.unwrap().code, "nvrtc-missing");
    }

    #[test]
    fn require_gpu_turns_a_skip_into_a_failure() {
        let mut report = CheckReport::new("torch");
        report.skip(diagnosis::no_driver("gone"));
        let relaxed = report.clone().finish(false, Instant::now());
        let strict = report.finish(true, Instant::now());
        assert_eq!((relaxed.status, relaxed.passed), (Status::Skipped, false));
        assert_eq!((strict.status, strict.passed), (Status::Failed, false));
    }

    /// The contract with `megapak verify` (a separate workspace): its test fixture, a real
    /// report of this harness, must read and write back unchanged.
    #[test]
    fn the_report_megapak_reads_round_trips() {
        let text = include_str!("../../../../crates/megapak-verify/tests/data/report-no-gpu.json");
        let report: SmokeReport = serde_json::from_str(text).unwrap();
        assert_eq!((report.schema, report.checks.len()), (SCHEMA, 3));
        let original: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_value(&report).unwrap(), original);
    }

    #[test]
    fn a_pass_without_its_gpu_figures_fails() {
        let mut report = CheckReport::new("cuda");
        report.number("verified_elements", 16.0);
        report.number("copy_gb_per_s", f64::NAN);
        report.require_gpu_figures();
        assert_eq!(report.status, Status::Failed);
        let d = report.diagnosis.clone().unwrap();
        assert_eq!(d.code, "figure-missing");
        assert!(
            d.message.contains("`copy_gb_per_s`, `copy_verified_bytes`"),
            "{}",
            d.message
        );
        let mut full = CheckReport::new("ort");
        full.number("cuda_vs_cpu_max_err", 1e-6);
        full.number("cuda_nodes", 3.0);
        full.require_gpu_figures();
        assert_eq!(full.status, Status::Passed);
    }

    #[test]
    fn overall_status_prefers_failure_then_skip() {
        use Status::*;
        assert_eq!(overall([Passed, Skipped, Passed]), Skipped);
        assert_eq!(overall([Skipped, Failed]), Failed);
        assert_eq!(overall([Passed]), Passed);
    }
}
