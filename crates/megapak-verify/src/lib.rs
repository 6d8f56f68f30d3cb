//! Everything `megapak verify --gpu` needs around the GPU harness (`image-tests/`), which is a
//! workspace of its own because it links libtorch:
//!
//! - [`harness`]: finding `megapak-smoke` and its check binaries;
//! - [`pyenv`]: finding torch's, NVIDIA's and onnxruntime's libraries in a Python environment;
//! - [`environment`]: the variables the harness runs with on a host (`LD_LIBRARY_PATH`,
//!   `ORT_DYLIB_PATH`, NVRTC to preload);
//! - [`container`]: docker (`--gpus all`) and podman (CDI) command lines;
//! - [`container_failure`]: what a runtime's failure to start the harness means;
//! - [`cuda_major`]: the image's CUDA major, for the harness (`MEGAPAK_CUDA_MAJOR`);
//! - [`k8s`]: a Kubernetes Job that runs the harness on a GPU node;
//! - [`report`]: reading the harness's JSON report and showing it;
//! - [`run`]: running the harness and telling its failures apart from the checks'.
//!
//! Nothing here links CUDA or torch: the harness does that, in its own processes.

pub mod container;
pub mod container_failure;
pub mod cuda_major;
pub mod environment;
pub mod error;
pub mod harness;
pub mod k8s;
pub mod pyenv;
pub mod report;
pub mod run;

pub use error::VerifyError;

/// The arguments every harness run gets from `megapak verify --gpu`: a report for machines, and
/// a missing GPU counted as a failure (a skip is never a pass).
pub fn smoke_args() -> Vec<String> {
    vec!["--json".to_owned(), "--require-gpu".to_owned()]
}
