//! Every failure mode the harness knows, by name, each with a hint.
//!
//! A diagnosis names what is wrong (`code`, stable, for machines and tests), says it in a
//! sentence (`message`) and says what to do (`hint`: which variable, which path, which package).
//! The constructors here are the only place these words are written.

use serde::{Deserialize, Serialize};

/// A named failure with a hint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// Stable kebab-case name, e.g. `no-driver`.
    pub code: String,
    /// What is wrong, in one sentence.
    pub message: String,
    /// The obvious next step.
    pub hint: String,
}

impl Diagnosis {
    pub(crate) fn new(code: &str, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
            hint: hint.into(),
        }
    }
}

pub(crate) const PASS_THE_GPU: &str = "pass the GPU to the container (`docker run --gpus all`, `podman run \
     --device nvidia.com/gpu=all`, Kubernetes `resources.limits: nvidia.com/gpu: 1`); on a host, \
     install the NVIDIA driver";

mod cuda;
mod gpu;
mod libraries;
mod runs;

pub use cuda::*;
pub use gpu::*;
pub use libraries::*;
pub use runs::*;

/// An error and its causes on one line: `libloading`'s errors say "dlopen failed" and keep the
/// loader's words in their source.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// `13000` → `13.0`.
pub fn cuda_version_text(version: i32) -> String {
    format!("{}.{}", version / 1000, (version % 1000) / 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_read_as_people_write_them() {
        assert_eq!(cuda_version_text(13000), "13.0");
        assert_eq!(cuda_version_text(12080), "12.8");
    }

    #[test]
    fn missing_libraries_name_their_packages() {
        let d = cuda_libraries_missing("`libtorch_cuda.so`", &["libcudnn.so.9".to_owned()]);
        assert_eq!(d.code, "cuda-libraries-missing");
        assert_eq!(
            d.message,
            "`libtorch_cuda.so` needs `libcudnn.so.9`, which the dynamic loader cannot find"
        );
        assert!(
            d.hint.starts_with("install `nvidia-cudnn-cu13`"),
            "{}",
            d.hint
        );
    }

    #[test]
    fn a_missing_libtorch_is_named_as_such() {
        let d = shared_library_missing("check-torch", &["libtorch_cpu.so".to_owned()]);
        assert_eq!(d.code, "libtorch-missing");
        let d = shared_library_missing("check-ort", &["libcublasLt.so.13".to_owned()]);
        assert_eq!(d.code, "cuda-libraries-missing");
    }

    #[test]
    fn a_driver_mismatch_gets_its_own_hint() {
        let d = driver_init_failed("CUDA_ERROR_SYSTEM_DRIVER_MISMATCH");
        assert!(
            d.hint.contains("never install a driver package"),
            "{}",
            d.hint
        );
    }
}
