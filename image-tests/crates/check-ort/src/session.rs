//! The model on one provider: a session (optionally profiled), a run.

use std::path::Path;

use megapak_harness::{Diagnosis, diagnosis};
use ort::environment::Environment;
use ort::ep;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::Tensor;

use crate::classify::{self, Context};
use crate::onnx::Model;

/// Where to run the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Cpu,
    /// CUDA with failure as an error and CPU fallback disabled.
    Cuda,
    /// TensorRT, then CUDA, with failure as an error and CPU fallback disabled.
    TensorRt,
}

impl Provider {
    /// The name onnxruntime gives it, as in profiles.
    pub fn ort_name(self) -> &'static str {
        match self {
            Self::Cpu => "CPUExecutionProvider",
            Self::Cuda => "CUDAExecutionProvider",
            Self::TensorRt => "TensorrtExecutionProvider",
        }
    }

    fn running(self) -> &'static str {
        match self {
            Self::Cpu => "Running the model on the CPU provider",
            Self::Cuda => "Running the model on the CUDA provider",
            Self::TensorRt => "Running the model on the TensorRT provider",
        }
    }
}

/// A session for `model` on `provider`. Graph optimisations are off, so that the nodes that
/// run are the model's own (no MatMul + Add fused into a Gemm) on every provider. With
/// `profile`, onnxruntime writes its profile under that path prefix (see [`end_profiling`]).
pub fn session(
    env: &Environment,
    model: &Model,
    provider: Provider,
    profile: Option<&Path>,
    context: &Context,
) -> Result<Session, Diagnosis> {
    let builder = Session::builder(env)
        .map_err(|e| diagnosis::onnxruntime_error("Creating a session builder", &e.to_string()))?
        .with_optimization_level(GraphOptimizationLevel::Disable)
        .map_err(|e| {
            diagnosis::onnxruntime_error("Disabling graph optimisations", &e.to_string())
        })?;
    let builder = match profile {
        Some(path) => builder
            .with_profiling(path)
            .map_err(|e| diagnosis::onnxruntime_error("Enabling profiling", &e.to_string()))?,
        None => builder,
    };
    // TF32 off: the result must match the CPU provider within fp32 rounding.
    let cuda = || {
        ep::CUDA::default()
            .with_device_id(context.device)
            .with_tf32(false)
            .build()
            .error_on_failure()
    };
    let builder = match provider {
        Provider::Cpu => builder,
        Provider::Cuda => builder
            .with_execution_providers([cuda()])
            .map_err(|e| classify::cuda_failed(&e.to_string(), context))?,
        // TensorRT builds engines for the subgraphs it takes; CUDA gets whatever it leaves.
        Provider::TensorRt => builder
            .with_execution_providers([
                ep::TensorRT::default()
                    .with_device_id(context.device)
                    .with_fp16(false)
                    .build()
                    .error_on_failure(),
                cuda(),
            ])
            .map_err(|e| classify::tensorrt_failed(&e.to_string(), context))?,
    };
    let mut builder = match provider {
        Provider::Cpu => builder,
        _ => builder
            .with_disable_cpu_fallback()
            .map_err(|e| diagnosis::onnxruntime_error("Disabling CPU fallback", &e.to_string()))?,
    };
    builder
        .commit_from_memory(&model.bytes)
        .map_err(|e| match provider {
            Provider::Cpu => diagnosis::onnxruntime_error(
                "Loading the model on the CPU provider",
                &e.to_string(),
            ),
            Provider::Cuda => classify::committed_failed(&e.to_string(), context),
            Provider::TensorRt => classify::tensorrt_failed(&e.to_string(), context),
        })
}

/// Runs the model once; returns `Y`.
pub fn run(
    session: &mut Session,
    model: &Model,
    x: &[f32],
    provider: Provider,
    context: &Context,
) -> Result<Vec<f32>, Diagnosis> {
    let what = provider.running();
    let failed = |message: String| match provider {
        Provider::Cpu => diagnosis::onnxruntime_error(what, &message),
        Provider::Cuda => classify::cuda_failed(&message, context),
        Provider::TensorRt => classify::tensorrt_failed(&message, context),
    };
    let input = Tensor::from_array(([model.dims.m, model.dims.k], x.to_vec()))
        .map_err(|e| diagnosis::onnxruntime_error(what, &e.to_string()))?;
    let outputs = session
        .run(ort::inputs!["X" => input])
        .map_err(|e| failed(e.to_string()))?;
    let (_, y) = outputs["Y"]
        .try_extract_tensor::<f32>()
        .map_err(|e| diagnosis::onnxruntime_error(what, &e.to_string()))?;
    Ok(y.to_vec())
}

/// Ends profiling and reads the profile onnxruntime wrote (it names the file itself: the
/// prefix given to [`session`] plus a timestamp).
pub fn end_profiling(session: &mut Session) -> Result<String, Diagnosis> {
    let path = session
        .end_profiling()
        .map_err(|e| diagnosis::onnxruntime_error("Ending profiling", &e.to_string()))?;
    std::fs::read_to_string(&path).map_err(|e| {
        diagnosis::onnxruntime_error(&format!("Reading the profile `{path}`"), &e.to_string())
    })
}
