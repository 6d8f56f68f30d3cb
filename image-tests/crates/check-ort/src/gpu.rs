//! The CUDA part: the model on the CUDA provider (CPU fallback disabled), its result against the
//! CPU provider's within the rounding bound, and its profile proving where each node ran.

use std::time::Instant;

use megapak_harness::{CheckReport, Diagnosis, diagnosis};
use ort::environment::Environment;

use crate::classify::Context;
use crate::compare;
use crate::onnx::{COMPUTE_NODES, Model};
use crate::profile;
use crate::session::{self, Provider};

/// What the GPU parts compare against: the model, its input, the CPU provider's result and the
/// size of each element's terms.
#[derive(Debug)]
pub struct Baseline<'a> {
    pub env: &'a Environment,
    pub model: &'a Model,
    pub x: &'a [f32],
    pub on_cpu: &'a [f32],
    pub magnitude: &'a [f64],
    pub context: &'a Context,
}

impl Baseline<'_> {
    /// The CPU result in f64, what GPU results are judged against.
    pub fn cpu_as_f64(&self) -> Vec<f64> {
        self.on_cpu.iter().map(|&v| f64::from(v)).collect()
    }
}

/// Runs the CUDA part, recording `cuda_vs_cpu_max_err`, `cuda_nodes` and `cpu_nodes`.
pub fn cuda(report: &mut CheckReport, base: &Baseline<'_>) -> Result<(), Diagnosis> {
    let dir = tempfile::tempdir().map_err(|e| {
        diagnosis::onnxruntime_error("Creating a folder for the profile", &e.to_string())
    })?;
    let timer = Instant::now();
    let mut gpu = session::session(
        base.env,
        base.model,
        Provider::Cuda,
        Some(&dir.path().join("cuda")),
        base.context,
    )?;
    report.phase_since("session_cuda", timer);
    let timer = Instant::now();
    let on_gpu = session::run(&mut gpu, base.model, base.x, Provider::Cuda, base.context)?;
    report.phase_since("first_cuda_run", timer);
    report.number("cuda_first_run_ms", timer.elapsed().as_secs_f64() * 1e3);

    let k = base.model.dims.k;
    let judged = compare::judge(&on_gpu, &base.cpu_as_f64(), base.magnitude, |s| {
        compare::two_sided(k, s)
    });
    report.number("cuda_vs_cpu_max_err", judged.max_err);
    report.number("cuda_vs_cpu_bound", judged.max_bound);
    if !judged.passed() {
        return Err(diagnosis::wrong_result(
            "onnxruntime's CUDA provider",
            &format!("against the CPU provider, {}", judged.describe()),
        ));
    }

    let timer = Instant::now();
    let text = session::end_profiling(&mut gpu)?;
    let counts = judge_profile(report, &text);
    report.phase_since("profile_read", timer);
    let counts = counts?;
    report.step(format!(
        "the same model on CUDA (CPU fallback disabled) matched the CPU provider within rounding ({}); the profile shows its {} nodes on `CUDAExecutionProvider`",
        judged.describe(),
        counts.cuda
    ));
    Ok(())
}

/// Reads the CUDA session's profile: records `cuda_nodes`, `cpu_nodes` and `memcpy_nodes`, and
/// names a compute node off CUDA `onnxruntime-cpu-fallback`.
pub fn judge_profile(
    report: &mut CheckReport,
    text: &str,
) -> Result<profile::NodeCounts, Diagnosis> {
    let counts = profile::count_nodes(text, profile::CUDA).map_err(|e| {
        diagnosis::onnxruntime_error("Reading the CUDA session's profile", &e.to_string())
    })?;
    report.number("cuda_nodes", counts.cuda as f64);
    report.number("cpu_nodes", counts.cpu as f64);
    report.number("memcpy_nodes", counts.transfers as f64);
    profile::judge(&counts, profile::CUDA, COMPUTE_NODES)
        .map_err(|e| diagnosis::onnxruntime_profile_off_provider(profile::CUDA, &e))?;
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use megapak_harness::Figure;

    #[test]
    fn a_profile_with_a_node_on_the_cpu_is_a_cpu_fallback() {
        let mut report = CheckReport::new("ort");
        let text = include_str!("../tests/fixtures/profile_fallback.json");
        let d = judge_profile(&mut report, text).unwrap_err();
        assert_eq!(d.code, "onnxruntime-cpu-fallback");
        assert!(
            d.message.contains("tanh (Tanh on CPUExecutionProvider)"),
            "{}",
            d.message
        );
        assert_eq!(report.figures["cpu_nodes"], Figure::Number(1.0));
        assert_eq!(report.figures["cuda_nodes"], Figure::Number(2.0));
    }

    #[test]
    fn a_profile_with_every_node_on_cuda_passes_with_its_figures() {
        let mut report = CheckReport::new("ort");
        let text = include_str!("../tests/fixtures/profile_cuda.json");
        assert_eq!(
            judge_profile(&mut report, text).unwrap().cuda,
            COMPUTE_NODES
        );
        assert_eq!(report.figures["memcpy_nodes"], Figure::Number(1.0));
        // With the other required figure, the GPU pass stands.
        report.number("cuda_vs_cpu_max_err", 1e-6);
        report.require_gpu_figures();
        assert!(report.passed);
        // Without the profile's figure, it does not.
        let mut bare = CheckReport::new("ort");
        bare.number("cuda_vs_cpu_max_err", 1e-6);
        bare.require_gpu_figures();
        assert_eq!(bare.diagnosis.unwrap().code, "figure-missing");
    }
}
