//! The model on one provider: a session, a run, the result against the reference.

use megapak_harness::{Diagnosis, diagnosis, sonames};
use ort::environment::Environment;
use ort::ep;
use ort::session::Session;
use ort::value::Tensor;

use crate::onnx::Model;

/// Where to run the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Cpu,
    /// CUDA with failure as an error and CPU fallback disabled.
    Cuda,
}

/// A session for `model` on `provider`.
pub fn session(env: &Environment, model: &Model, provider: Provider) -> Result<Session, Diagnosis> {
    let builder = Session::builder(env)
        .map_err(|e| diagnosis::onnxruntime_error("Creating a session builder", &e.to_string()))?;
    let builder = match provider {
        Provider::Cpu => builder,
        Provider::Cuda => builder
            // TF32 off: the result must match the CPU provider within fp32 rounding.
            .with_execution_providers([ep::CUDA::default()
                .with_tf32(false)
                .build()
                .error_on_failure()])
            .map_err(|e| cuda_failed(&e.to_string()))?
            .with_disable_cpu_fallback()
            .map_err(|e| diagnosis::onnxruntime_error("Disabling CPU fallback", &e.to_string()))?,
    };
    let mut builder = builder;
    builder
        .commit_from_memory(&model.bytes)
        .map_err(|e| match provider {
            Provider::Cpu => diagnosis::onnxruntime_error(
                "Loading the model on the CPU provider",
                &e.to_string(),
            ),
            Provider::Cuda => committed_failed(&e.to_string()),
        })
}

/// Runs the model once; returns `Y`.
pub fn run(
    session: &mut Session,
    model: &Model,
    x: &[f32],
    provider: Provider,
) -> Result<Vec<f32>, Diagnosis> {
    let what = match provider {
        Provider::Cpu => "Running the model on the CPU provider",
        Provider::Cuda => "Running the model on the CUDA provider",
    };
    let input = Tensor::from_array(([model.dims.m, model.dims.k], x.to_vec()))
        .map_err(|e| diagnosis::onnxruntime_error(what, &e.to_string()))?;
    let outputs = session
        .run(ort::inputs!["X" => input])
        .map_err(|e| diagnosis::onnxruntime_error(what, &e.to_string()))?;
    let (_, y) = outputs["Y"]
        .try_extract_tensor::<f32>()
        .map_err(|e| diagnosis::onnxruntime_error(what, &e.to_string()))?;
    Ok(y.to_vec())
}

/// The largest `|got − want| / max(1, |want|)`; NaN if any element is NaN.
pub fn max_error(got: &[f32], want: &[f64]) -> f64 {
    got.iter()
        .zip(want)
        .map(|(&g, &w)| (f64::from(g) - w).abs() / w.abs().max(1.0))
        .fold(0.0, |worst, e| {
            if e.is_nan() || worst.is_nan() {
                f64::NAN
            } else {
                worst.max(e)
            }
        })
}

/// Names a failure to register the CUDA provider.
pub fn cuda_failed(message: &str) -> Diagnosis {
    if message.contains("not enabled in this build") {
        return diagnosis::onnxruntime_cpu_only(&format!(
            "registering CUDA: {}",
            message.trim_end_matches('.')
        ));
    }
    let missing = sonames::missing_in(message);
    if missing.is_empty() {
        diagnosis::onnxruntime_cuda_failed(message)
    } else {
        diagnosis::cuda_libraries_missing("onnxruntime's CUDA provider", &missing)
    }
}

/// Names a failure to create the CUDA session: with fallback disabled, a node that would land
/// on the CPU makes the session fail.
pub fn committed_failed(message: &str) -> Diagnosis {
    let lower = message.to_lowercase();
    if lower.contains("fallback")
        || lower.contains("cpuexecutionprovider")
        || lower.contains("assigned")
    {
        diagnosis::onnxruntime_cpu_fallback(message)
    } else {
        cuda_failed(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_cuda_libraries_name_their_package() {
        let d = cuda_failed(
            "Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.13: cannot open shared object file: No such file or directory",
        );
        assert_eq!(d.code, "cuda-libraries-missing");
        assert!(
            d.hint
                .starts_with("install `nvidia-cublas` (for `libcublasLt.so.13`)"),
            "{}",
            d.hint
        );
    }

    #[test]
    fn a_refused_fallback_is_named() {
        let d = committed_failed(
            "This session contains graph nodes that are assigned to the default CPU EP, but fallback to CPU EP has been explicitly disabled by the user.",
        );
        assert_eq!(d.code, "onnxruntime-cpu-fallback");
        assert_eq!(
            committed_failed("CUDA failure 35: CUDA driver version is insufficient").code,
            "onnxruntime-cuda-failed"
        );
        assert_eq!(
            cuda_failed("CUDA execution provider is not enabled in this build.").code,
            "onnxruntime-cpu-only"
        );
    }

    #[test]
    fn errors_are_relative_above_one() {
        assert_eq!(
            max_error(&[0.5, 101.0], &[0.25, 100.0]),
            0.25,
            "absolute below 1, relative above"
        );
    }
}
