//! libtorch's error texts, read for what they mean: a GPU out of memory, a cuDNN other than
//! the one torch was built against, a GPU without kernels. Everything else is a `torch-error`
//! with the message's first line.
//!
//! The texts are torch's own (`c10/cuda/CUDACachingAllocator.cpp`, `torch/backends/cudnn`,
//! `c10/cuda/CUDAException.h`); the tests below keep recorded examples of each.

use megapak_harness::{Diagnosis, diagnosis};

/// What a libtorch error text says went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The GPU has no code for this architecture in torch's kernels.
    NoKernelImage,
    /// An allocation on the GPU failed; the detail is torch's sentence about the sizes.
    OutOfMemory { detail: String },
    /// torch found another cuDNN than the one it was built against: `9.10.2` and `9.1.0`.
    CudnnMismatch {
        built_against: String,
        found: String,
    },
    /// Anything else: the first line of the text.
    Other { first_line: String },
}

/// Reads a libtorch error text.
pub fn classify(text: &str) -> Failure {
    let first_line = text.lines().next().unwrap_or(text).trim();
    if text.contains("no kernel image is available") {
        return Failure::NoKernelImage;
    }
    if let Some(detail) = out_of_memory(text) {
        return Failure::OutOfMemory { detail };
    }
    if let Some((built_against, found)) = cudnn_mismatch(text) {
        return Failure::CudnnMismatch {
            built_against,
            found,
        };
    }
    Failure::Other {
        first_line: first_line.to_owned(),
    }
}

/// Names a libtorch failure of `what` on GPU `device`.
pub fn torch_failed(what: &str, device: i32, err: &tch::TchError) -> Diagnosis {
    let text = match err {
        tch::TchError::Torch(message) => message.clone(),
        other => other.to_string(),
    };
    match classify(&text) {
        Failure::NoKernelImage => {
            diagnosis::no_kernel_image(&format!("{what} (libtorch)"), "this GPU's architecture")
        }
        Failure::OutOfMemory { detail } => {
            diagnosis::gpu_out_of_memory_on(device, &format!("{what} (libtorch)"), &detail)
        }
        Failure::CudnnMismatch {
            built_against,
            found,
        } => diagnosis::cudnn_version_mismatch("libtorch", &built_against, &found),
        Failure::Other { first_line } => diagnosis::torch_error(what, &first_line),
    }
}

/// The sizes torch gives when an allocation fails: "Tried to allocate 20.00 GiB. GPU 0 has a
/// total capacity of 79.19 GiB of which 1.25 GiB is free" (torch 2.x's caching allocator), or
/// the bare CUDA error ("CUDA error: out of memory") where the driver itself ran out (context
/// creation, cuBLAS's workspace).
fn out_of_memory(text: &str) -> Option<String> {
    const MARKERS: &[&str] = &[
        "CUDA out of memory",
        "OutOfMemoryError",
        "CUDA error: out of memory",
        "CUBLAS_STATUS_ALLOC_FAILED",
        "CUDNN_STATUS_ALLOC_FAILED",
        "CUDA_ERROR_OUT_OF_MEMORY",
    ];
    let line = text
        .lines()
        .find(|line| MARKERS.iter().any(|m| line.contains(m)))?;
    // Torch's sentences after the sizes are advice (`PYTORCH_CUDA_ALLOC_CONF`, a link) and the
    // allocator's bookkeeping; the diagnosis gives its own advice.
    let sizes = line.find("Tried to allocate").map(|start| {
        let rest = &line[start..];
        let end = [
            " Of the allocated memory",
            " Including non-PyTorch memory",
            " If reserved",
        ]
        .iter()
        .filter_map(|m| rest.find(m))
        .min()
        .unwrap_or(rest.len());
        rest[..end].trim().trim_end_matches('.').to_owned()
    });
    Some(sizes.unwrap_or_else(|| {
        line.trim()
            .trim_start_matches("torch.OutOfMemoryError: ")
            .trim_end_matches('.')
            .to_owned()
    }))
}

/// The two versions of torch's "cuDNN version incompatibility: PyTorch was compiled against
/// (9, 10, 2) but found runtime version (9, 1, 0)", as `9.10.2` and `9.1.0`.
fn cudnn_mismatch(text: &str) -> Option<(String, String)> {
    let start = text.find("cuDNN version incompatibility")?;
    let rest = &text[start..];
    let built = rest.find("compiled")?;
    let (built_against, after) = version_tuple(&rest[built..])?;
    let runtime = after.find("runtime version")?;
    let (found, _) = version_tuple(&after[runtime..])?;
    Some((built_against, found))
}

/// The first `(9, 10, 2)` (or a bare `91002`) in `text` as `9.10.2`, and the text after it.
fn version_tuple(text: &str) -> Option<(String, &str)> {
    let start = text.find(|c: char| c == '(' || c.is_ascii_digit())?;
    if text[start..].starts_with('(') {
        let end = start + text[start..].find(')')?;
        let parts: Vec<&str> = text[start + 1..end].split(',').map(str::trim).collect();
        if parts.is_empty() || parts.iter().any(|p| p.parse::<u32>().is_err()) {
            return None;
        }
        return Some((parts.join("."), &text[end + 1..]));
    }
    let digits: String = text[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let number: i64 = digits.parse().ok()?;
    Some((
        crate::work::cudnn_version_text(number),
        &text[start + digits.len()..],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// torch 2.11's caching allocator, as `at::Tensor` creation reports it through tch.
    const OOM_ALLOCATOR: &str = "CUDA out of memory. Tried to allocate 20.00 GiB. GPU 0 has a total capacity of 79.19 GiB of which 1.25 GiB is free. Process 48213 has 77.92 GiB memory in use. Of the allocated memory 76.50 GiB is allocated by PyTorch, and 12.34 MiB is reserved by PyTorch but unallocated. If reserved but unallocated memory is large try setting PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.  See documentation for Memory Management  (https://pytorch.org/docs/stable/notes/cuda.html#environment-variables)
Exception raised from malloc at /pytorch/c10/cuda/CUDACachingAllocator.cpp:1360 (most recent call first):
frame #0: c10::Error::Error(c10::SourceLocation, std::string) + 0x98 (0x7f3c2c1a1e28 in /usr/lib/python3/site-packages/torch/lib/libc10.so)";

    /// The same as Python prints it.
    const OOM_PYTHON: &str = "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 512.00 MiB. GPU 0 has a total capacity of 15.77 GiB of which 98.12 MiB is free. Including non-PyTorch memory, this process has 15.67 GiB memory in use. Of the allocated memory 15.10 GiB is allocated by PyTorch, and 170.00 MiB is reserved by PyTorch but unallocated.";

    /// The driver itself out of memory (context creation, a cuBLAS handle).
    const OOM_DRIVER: &str = "CUDA error: out of memory
CUDA kernel errors might be asynchronously reported at some other API call, so the stacktrace below might be incorrect.
For debugging consider passing CUDA_LAUNCH_BLOCKING=1
Compile with `TORCH_USE_CUDA_DSA` to enable device-side assertions.
";

    const OOM_CUBLAS: &str =
        "CUDA error: CUBLAS_STATUS_ALLOC_FAILED when calling `cublasCreate(handle)`";

    /// `torch/backends/cudnn/__init__.py` (its double space included).
    const CUDNN_MISMATCH: &str = "RuntimeError: cuDNN version incompatibility: PyTorch was compiled  against (9, 10, 2) but found runtime version (9, 1, 0). PyTorch already comes bundled with cuDNN. One option to resolving this error is to ensure PyTorch can find the bundled cuDNN. Looks like your LD_LIBRARY_PATH contains incompatible version of cudnn. Please either remove it from the path or install cudnn (9, 10, 2)";

    #[test]
    fn out_of_memory_texts_keep_the_sizes() {
        assert_eq!(
            classify(OOM_ALLOCATOR),
            Failure::OutOfMemory {
                detail: "Tried to allocate 20.00 GiB. GPU 0 has a total capacity of 79.19 GiB of which 1.25 GiB is free. Process 48213 has 77.92 GiB memory in use".into()
            }
        );
        assert_eq!(
            classify(OOM_PYTHON),
            Failure::OutOfMemory {
                detail: "Tried to allocate 512.00 MiB. GPU 0 has a total capacity of 15.77 GiB of which 98.12 MiB is free".into()
            }
        );
        assert_eq!(
            classify(OOM_DRIVER),
            Failure::OutOfMemory {
                detail: "CUDA error: out of memory".into()
            }
        );
        assert!(matches!(classify(OOM_CUBLAS), Failure::OutOfMemory { .. }));
    }

    #[test]
    fn out_of_memory_is_a_diagnosis_of_its_own() {
        let d = torch_failed(
            "The bf16 matmul",
            0,
            &tch::TchError::Torch(OOM_ALLOCATOR.into()),
        );
        assert_eq!(d.code, "gpu-out-of-memory");
        assert!(
            d.message.starts_with(
                "The bf16 matmul (libtorch) ran out of GPU memory (Tried to allocate 20.00 GiB."
            ),
            "{}",
            d.message
        );
    }

    #[test]
    fn a_cudnn_mismatch_names_both_versions() {
        assert_eq!(
            classify(CUDNN_MISMATCH),
            Failure::CudnnMismatch {
                built_against: "9.10.2".into(),
                found: "9.1.0".into()
            }
        );
        let d = torch_failed("cuDNN", 0, &tch::TchError::Torch(CUDNN_MISMATCH.into()));
        assert_eq!(d.code, "cudnn-version-mismatch");
        assert_eq!(
            d.message,
            "libtorch was built against cuDNN 9.10.2 but loaded cuDNN 9.1.0"
        );
        assert_eq!(
            cudnn_mismatch(
                "cuDNN version incompatibility: compiled against 91002 but found runtime version 90100"
            ),
            Some(("9.10.2".into(), "9.1.0".into()))
        );
    }

    #[test]
    fn no_kernel_image_and_others() {
        let err = tch::TchError::Torch("CUDA error: no kernel image is available for execution on the device\nCUDA kernel errors might be asynchronously reported".into());
        assert_eq!(
            torch_failed("The bf16 matmul", 0, &err).code,
            "no-kernel-image"
        );
        let other = tch::TchError::Torch(
            "CUDA error: an illegal memory access was encountered\nCUDA kernel errors".into(),
        );
        let d = torch_failed("The bf16 matmul", 0, &other);
        assert_eq!(
            (d.code.as_str(), d.message.as_str()),
            (
                "torch-error",
                "The bf16 matmul failed in libtorch: CUDA error: an illegal memory access was encountered"
            )
        );
    }
}
