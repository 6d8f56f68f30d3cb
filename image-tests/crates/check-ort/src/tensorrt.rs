//! The TensorRT part, where the image has TensorRT: the same model through onnxruntime's
//! TensorRT provider, judged like the CUDA part but apart from it. A TensorRT failure fails the
//! check only with `--require-tensorrt`; otherwise it is the figure `tensorrt` = `failed: ...`.
//!
//! TensorRT builds fp32 layers with TF32 by default on Ampere and newer (the onnxruntime
//! provider has no option to turn that off), so its bound adds TF32's input rounding: each
//! input rounded to 11 significant bits moves each product by at most `2⁻¹⁰·|xₖ·wₖ|`.

use std::path::Path;

use megapak_harness::{CheckReport, Diagnosis, diagnosis};

use crate::compare;
use crate::cuda_build::{self, TENSORRT_PROVIDER};
use crate::gpu::Baseline;
use crate::profile;
use crate::session::{self, Provider};

/// TF32's rounding of each product, relative.
pub const TF32_PRODUCT: f64 = 1.0 / 1024.0;

/// Why TensorRT is not there to run, or `None` when it is: the provider must be compiled in
/// and its library beside onnxruntime.
pub fn absent(dylib: &Path, providers: &[String]) -> Option<String> {
    let provider = Provider::TensorRt.ort_name();
    if !providers.iter().any(|p| p == provider) {
        return Some(format!("onnxruntime offers no `{provider}`"));
    }
    let library = cuda_build::beside(dylib, TENSORRT_PROVIDER);
    (!library.exists()).then(|| format!("no `{TENSORRT_PROVIDER}` beside onnxruntime"))
}

/// Runs the TensorRT part when TensorRT is there, recording `tensorrt` and `tensorrt_*`.
/// `Err` only with `require`.
pub fn run(
    report: &mut CheckReport,
    base: &Baseline<'_>,
    absent_because: Option<String>,
    require: bool,
) -> Result<(), Diagnosis> {
    let outcome = match absent_because {
        Some(why) => Err(diagnosis::onnxruntime_tensorrt_missing(&why)),
        None => attempt(report, base),
    };
    settle(report, outcome, require)
}

/// Records how the TensorRT part ended: `tensorrt` = `passed`, `absent` (TensorRT not in the
/// build or not installed) or `failed: <message>`; the outcome fails the check only with
/// `require`.
pub fn settle(
    report: &mut CheckReport,
    outcome: Result<String, Diagnosis>,
    require: bool,
) -> Result<(), Diagnosis> {
    let d = match outcome {
        Ok(line) => {
            report.text("tensorrt", "passed");
            report.step(line);
            return Ok(());
        }
        Err(d) if d.code == "onnxruntime-tensorrt-missing" => {
            report.text("tensorrt", "absent");
            report.step(format!("no TensorRT part: {}", d.message));
            d
        }
        Err(d) => {
            report.text("tensorrt", format!("failed: {}", d.message));
            report.text("tensorrt_diagnosis", d.code.clone());
            d
        }
    };
    if require { Err(d) } else { Ok(()) }
}

fn attempt(report: &mut CheckReport, base: &Baseline<'_>) -> Result<String, Diagnosis> {
    let dir = tempfile::tempdir().map_err(|e| {
        diagnosis::onnxruntime_error("Creating a folder for the profile", &e.to_string())
    })?;
    let mut trt = session::session(
        base.env,
        base.model,
        Provider::TensorRt,
        Some(&dir.path().join("tensorrt")),
        base.context,
    )?;
    let on_trt = session::run(
        &mut trt,
        base.model,
        base.x,
        Provider::TensorRt,
        base.context,
    )?;
    let k = base.model.dims.k;
    let judged = compare::judge(&on_trt, &base.cpu_as_f64(), base.magnitude, |s| {
        compare::two_sided(k, s) + TF32_PRODUCT * s
    });
    report.number("tensorrt_vs_cpu_max_err", judged.max_err);
    report.number("tensorrt_vs_cpu_bound", judged.max_bound);
    if !judged.passed() {
        return Err(diagnosis::wrong_result(
            "onnxruntime's TensorRT provider",
            &format!("against the CPU provider, {}", judged.describe()),
        ));
    }
    let text = session::end_profiling(&mut trt)?;
    let counts = profile::count_nodes(&text, Provider::TensorRt.ort_name()).map_err(|e| {
        diagnosis::onnxruntime_error("Reading the TensorRT session's profile", &e.to_string())
    })?;
    let on_trt = counts.on(Provider::TensorRt.ort_name());
    report.number("tensorrt_nodes", on_trt as f64);
    report.number("tensorrt_cpu_nodes", counts.cpu as f64);
    // TensorRT fuses what it takes into one node per engine; what it leaves may run on CUDA,
    // never on the CPU.
    if on_trt == 0 || counts.cpu > 0 {
        return Err(diagnosis::onnxruntime_profile_off_provider(
            Provider::TensorRt.ort_name(),
            &format!(
                "{on_trt} engine nodes on TensorRT, {} nodes on the CPU provider",
                counts.cpu
            ),
        ));
    }
    Ok(format!(
        "the same model through TensorRT ({on_trt} engine nodes) matched the CPU provider within rounding and TF32 ({})",
        judged.describe()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use megapak_harness::Figure;

    fn text(report: &CheckReport, key: &str) -> String {
        match &report.figures[key] {
            Figure::Text(t) => t.clone(),
            other => panic!("{key} is {other:?}"),
        }
    }

    #[test]
    fn a_failure_is_a_figure_unless_tensorrt_is_required() {
        let failure = || {
            Err(diagnosis::onnxruntime_tensorrt_failed(
                "engine build failed",
            ))
        };
        let mut report = CheckReport::new("ort");
        assert_eq!(settle(&mut report, failure(), false), Ok(()));
        assert_eq!(
            text(&report, "tensorrt"),
            "failed: onnxruntime's TensorRT execution provider failed: engine build failed"
        );
        assert_eq!(
            text(&report, "tensorrt_diagnosis"),
            "onnxruntime-tensorrt-failed"
        );
        let mut report = CheckReport::new("ort");
        let d = settle(&mut report, failure(), true).unwrap_err();
        assert_eq!(d.code, "onnxruntime-tensorrt-failed");
    }

    #[test]
    fn a_pass_and_an_absence_are_named() {
        let mut report = CheckReport::new("ort");
        assert_eq!(settle(&mut report, Ok("ran".into()), true), Ok(()));
        assert_eq!(text(&report, "tensorrt"), "passed");
        let absent = || Err(diagnosis::onnxruntime_tensorrt_missing("no provider"));
        let mut report = CheckReport::new("ort");
        assert_eq!(settle(&mut report, absent(), false), Ok(()));
        assert_eq!(text(&report, "tensorrt"), "absent");
        assert!(settle(&mut report, absent(), true).is_err());
    }
}
