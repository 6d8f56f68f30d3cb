//! What every GPU check of the megapak harness shares.
//!
//! Each check (`check-cuda`, `check-torch`, `check-ort`) is its own process, so that a library
//! missing for one cannot hide the others; `megapak-smoke` runs them and gathers one
//! [`SmokeReport`]. This crate holds the pieces they have in common:
//!
//! - [`report`]: the JSON contract (`name`, `status`, `passed`, `seconds`, `figures`, `diagnosis`)
//!   that `megapak verify --gpu` parses;
//! - [`diagnosis`]: every named failure mode, each with a hint;
//! - [`driver`]: a probe of the NVIDIA driver (`libcuda.so.1`) that never panics;
//! - [`preload`]: loading libraries from a Python environment with `RTLD_GLOBAL`;
//! - [`args`], [`emit`], [`table`]: the command line, output and exit statuses every check
//!   binary shares;
//! - [`sonames`], [`loaded`]: which pip package brings which library, and which file a library
//!   was really loaded from;
//! - [`gpu_lock`]: a file lock so that concurrent checks never time each other's kernels.

pub mod args;
pub mod cuda_major;
pub mod diagnosis;
pub mod driver;
pub mod emit;
pub mod gpu_lock;
pub mod loaded;
pub mod nvidia_smi;
pub mod preload;
pub mod report;
pub mod sonames;
pub mod table;

pub use cuda_major::CudaMajor;
pub use diagnosis::Diagnosis;
pub use report::{CheckReport, Figure, SmokeReport, Status};
