//! Naming onnxruntime's CUDA errors: its messages are the only account of what went wrong in
//! the CUDA provider, so they are read here, one pattern per diagnosis.

use megapak_harness::{CudaMajor, Diagnosis, diagnosis, loaded, sonames};

/// What the check knows around an error: which GPU, which CUDA major, which cuDNN the CUDA
/// provider was built against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// The device the session ran on.
    pub device: i32,
    /// The CUDA major of the onnxruntime build, when known.
    pub major: Option<CudaMajor>,
    /// The cuDNN major the CUDA provider library needs (`9` from `libcudnn.so.9`), when known.
    pub cudnn_needed: Option<String>,
}

/// Names a failure to register the CUDA provider or to run on it.
pub fn cuda_failed(message: &str, context: &Context) -> Diagnosis {
    if message.contains("not enabled in this build") {
        return diagnosis::onnxruntime_cpu_only(&format!(
            "registering CUDA: {}",
            message.trim_end_matches('.')
        ));
    }
    let missing = sonames::missing_in(message);
    if !missing.is_empty() {
        return libraries_missing("onnxruntime's CUDA provider", &missing, context);
    }
    if let Some(d) = out_of_memory(message, context) {
        return d;
    }
    if let Some(d) = cudnn_mismatch(message, context) {
        return d;
    }
    match context.major {
        Some(major) => diagnosis::onnxruntime_cuda_failed_for(message, major),
        None => diagnosis::onnxruntime_cuda_failed(message),
    }
}

/// Names a failure to create the CUDA session: with fallback disabled, a node that would land
/// on the CPU makes the session fail.
pub fn committed_failed(message: &str, context: &Context) -> Diagnosis {
    let lower = message.to_lowercase();
    if lower.contains("fallback")
        || lower.contains("cpuexecutionprovider")
        || lower.contains("assigned")
    {
        diagnosis::onnxruntime_cpu_fallback(message)
    } else {
        cuda_failed(message, context)
    }
}

/// Names a failure of the TensorRT provider (registering it, building its engine, running):
/// a build or an image without TensorRT is `onnxruntime-tensorrt-missing`, the rest as for CUDA
/// where the cause is shared (libraries, memory, a refused fallback), else
/// `onnxruntime-tensorrt-failed`.
pub fn tensorrt_failed(message: &str, context: &Context) -> Diagnosis {
    if message.contains("not enabled in this build") {
        return diagnosis::onnxruntime_tensorrt_missing(&format!(
            "this onnxruntime build has no TensorRT provider ({})",
            message.trim_end_matches('.')
        ));
    }
    let missing = sonames::missing_in(message);
    if let Some(nvinfer) = missing.iter().find(|l| l.starts_with("libnvinfer")) {
        return diagnosis::onnxruntime_tensorrt_missing(&format!(
            "TensorRT's `{nvinfer}` cannot be loaded"
        ));
    }
    if !missing.is_empty() {
        return libraries_missing("onnxruntime's TensorRT provider", &missing, context);
    }
    if let Some(d) = out_of_memory(message, context) {
        return d;
    }
    if message.to_lowercase().contains("fallback") {
        return diagnosis::onnxruntime_cpu_fallback(message);
    }
    diagnosis::onnxruntime_tensorrt_failed(message)
}

/// Missing libraries, with the pip packages of the build's CUDA major when known.
fn libraries_missing(what: &str, missing: &[String], context: &Context) -> Diagnosis {
    match context.major {
        Some(major) => diagnosis::cuda_libraries_missing_for(what, missing, major),
        None => diagnosis::cuda_libraries_missing(what, missing),
    }
}

/// onnxruntime's ways of saying the GPU had no memory left: its arena (`BFCArena`) "Failed to
/// allocate memory for requested buffer of size N", a CUDA call's "CUDA failure 2: out of
/// memory" (`cudaErrorMemoryAllocation`), cuBLAS's or cuDNN's allocation failures.
fn out_of_memory(message: &str, context: &Context) -> Option<Diagnosis> {
    const SIGNS: &[&str] = &[
        "Failed to allocate memory for requested buffer",
        "CUDA failure 2:",
        "out of memory",
        "cudaErrorMemoryAllocation",
        "CUDA_ERROR_OUT_OF_MEMORY",
        "CUBLAS_STATUS_ALLOC_FAILED",
        "CUDNN_STATUS_ALLOC_FAILED",
    ];
    SIGNS.iter().any(|s| message.contains(s)).then(|| {
        let what = match requested_bytes(message) {
            Some(bytes) => format!(
                "onnxruntime's CUDA provider, allocating {:.1} MiB,",
                bytes as f64 / f64::from(1u32 << 20)
            ),
            None => "onnxruntime's CUDA provider".to_owned(),
        };
        diagnosis::gpu_out_of_memory_on(context.device, &what, message.trim())
    })
}

/// The `N` of "requested buffer of size N".
fn requested_bytes(message: &str) -> Option<u64> {
    let rest = message.split("buffer of size ").nth(1)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// cuDNN refusing to work with the libraries beside it: `CUDNN_STATUS_VERSION_MISMATCH` (1003
/// in cuDNN 9: the cuDNN loaded is not the one the caller was built against) and
/// `CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH` (cuDNN 9's sub-libraries of different releases).
fn cudnn_mismatch(message: &str, context: &Context) -> Option<Diagnosis> {
    if !(message.contains("VERSION_MISMATCH") && message.to_uppercase().contains("CUDNN")) {
        return None;
    }
    let found = loaded::loaded_library("libcudnn")
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .and_then(|name| name.split(".so.").nth(1).map(str::to_owned))
        .unwrap_or_else(|| format!("of another release ({})", first_line(message)));
    let built = context.cudnn_needed.as_deref().unwrap_or("9");
    Some(diagnosis::cudnn_version_mismatch(
        "onnxruntime's CUDA provider",
        built,
        &found,
    ))
}

fn first_line(message: &str) -> &str {
    message.split([';', '\n']).next().unwrap_or(message).trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> Context {
        Context {
            device: 0,
            major: Some(CudaMajor::Thirteen),
            cudnn_needed: Some("9".into()),
        }
    }

    #[test]
    fn missing_cuda_libraries_name_their_package() {
        let d = cuda_failed(
            "Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.13: cannot open shared object file: No such file or directory",
            &context(),
        );
        assert_eq!(d.code, "cuda-libraries-missing");
        assert!(
            d.hint
                .starts_with("install `nvidia-cublas` (for `libcublasLt.so.13`)"),
            "{}",
            d.hint
        );
        // cuDNN 8 present where the provider needs 9: the loader names the missing one.
        let d = cuda_failed(
            "Failed to load library libonnxruntime_providers_cuda.so with error: libcudnn.so.9: cannot open shared object file: No such file or directory",
            &context(),
        );
        assert_eq!(d.code, "cuda-libraries-missing");
        assert!(d.message.contains("`libcudnn.so.9`"), "{}", d.message);
    }

    #[test]
    fn a_refused_fallback_is_named() {
        let c = context();
        let d = committed_failed(
            "This session contains graph nodes that are assigned to the default CPU EP, but fallback to CPU EP has been explicitly disabled by the user.",
            &c,
        );
        assert_eq!(d.code, "onnxruntime-cpu-fallback");
        assert_eq!(
            committed_failed("CUDA failure 35: CUDA driver version is insufficient", &c).code,
            "onnxruntime-cuda-failed"
        );
        assert_eq!(
            cuda_failed("CUDA execution provider is not enabled in this build.", &c).code,
            "onnxruntime-cpu-only"
        );
    }

    #[test]
    fn a_cudnn_of_another_release_is_a_version_mismatch() {
        let message = "[ONNXRuntimeError] : 1 : FAIL : CUDNN failure 1003: CUDNN_STATUS_VERSION_MISMATCH ; GPU=0 ; hostname=gpu-1 ; file=/onnxruntime_src/onnxruntime/core/providers/cuda/cuda_execution_provider.cc ; line=182 ; expr=cudnnCreate(&cudnn_handle_);";
        let d = cuda_failed(message, &context());
        assert_eq!(d.code, "cudnn-version-mismatch", "{d:?}");
        assert!(
            d.message
                .starts_with("onnxruntime's CUDA provider was built against cuDNN 9"),
            "{}",
            d.message
        );
        let sub = "CUDNN failure 1004: CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH ; GPU=0";
        assert_eq!(
            committed_failed(sub, &context()).code,
            "cudnn-version-mismatch"
        );
    }

    #[test]
    fn onnxruntimes_out_of_memory_messages_are_named() {
        let arena = "[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : Non-zero status code returned while running MatMul node. Name:'matmul' Status Message: /onnxruntime_src/onnxruntime/core/framework/bfc_arena.cc:376 void* onnxruntime::BFCArena::AllocateRawInternal(size_t, bool, onnxruntime::Stream*, bool, onnxruntime::WaitNotificationFn) Failed to allocate memory for requested buffer of size 1073741824";
        let d = cuda_failed(arena, &context());
        assert_eq!(d.code, "gpu-out-of-memory");
        assert!(
            d.message.starts_with(
                "onnxruntime's CUDA provider, allocating 1024.0 MiB, ran out of GPU memory"
            ),
            "{}",
            d.message
        );
        let cuda = "CUDA failure 2: out of memory ; GPU=0 ; hostname=gpu-1 ; file=/onnxruntime_src/onnxruntime/core/providers/cuda/cuda_allocator.cc ; line=52 ; expr=cudaMalloc((void**)&p, size);";
        assert_eq!(committed_failed(cuda, &context()).code, "gpu-out-of-memory");
    }

    #[test]
    fn other_failures_name_the_cuda_major_of_the_build() {
        let twelve = Context {
            major: Some(CudaMajor::Twelve),
            ..context()
        };
        let d = cuda_failed("CUDA failure 999: unknown error", &twelve);
        assert_eq!(d.code, "onnxruntime-cuda-failed");
        assert!(d.hint.contains("nvidia-cublas-cu12"), "{}", d.hint);
        let d = cuda_failed("CUDA failure 999: unknown error", &context());
        assert!(d.hint.contains("`nvidia-cudnn-cu13`"), "{}", d.hint);
        let d = cuda_failed(
            "Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.12: cannot open shared object file: No such file or directory",
            &twelve,
        );
        assert_eq!(d.code, "cuda-libraries-missing");
        assert!(
            d.hint
                .starts_with("install `nvidia-cublas-cu12` (for `libcublasLt.so.12`)"),
            "{}",
            d.hint
        );
    }

    #[test]
    fn tensorrt_failures_say_whether_tensorrt_is_there_at_all() {
        let c = context();
        let absent = tensorrt_failed(
            "TensorRT execution provider is not enabled in this build.",
            &c,
        );
        assert_eq!(absent.code, "onnxruntime-tensorrt-missing");
        let no_nvinfer = tensorrt_failed(
            "Failed to load library libonnxruntime_providers_tensorrt.so with error: libnvinfer.so.10: cannot open shared object file: No such file or directory",
            &c,
        );
        assert_eq!(no_nvinfer.code, "onnxruntime-tensorrt-missing");
        assert!(
            no_nvinfer.message.contains("`libnvinfer.so.10`"),
            "{}",
            no_nvinfer.message
        );
        let engine = tensorrt_failed(
            "[TensorRT EP] TensorRT EP failed to create engine from network for fused node: TensorrtExecutionProvider_TRTKernel_graph_megapak_0",
            &c,
        );
        assert_eq!(engine.code, "onnxruntime-tensorrt-failed");
    }
}
