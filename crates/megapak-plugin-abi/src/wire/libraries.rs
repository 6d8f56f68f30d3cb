//! What the native code of a wheel needs at run time, sorted by who provides each library.
//!
//! Added in ABI 2.0 under the minor evolution rules: [`Found::libraries`](super::Found) is
//! optional, so a host or plugin that predates it reads and writes the rest unchanged. The Nix
//! emitter needs it because autoPatchelf only finds libraries in `$dep/lib`: a CUDA library must
//! come from the target's `cudaPackages`, `libcuda.so.1` from the host's driver at run time, and a
//! library another wheel ships (`nvidia/cu13/lib/...`) must be added as a search path.

use serde::{Deserialize, Serialize};

/// The shared libraries that the ELF files of a wheel name in `DT_NEEDED`, each in one class.
/// Every list is sorted and holds each soname once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NativeLibraries {
    /// What the plugin did with dependencies on `nvidia-*` wheels.
    pub nvidia_wheels: NvidiaWheels,
    /// Provided by the target's CUDA package set (`libcudart.so.13` by `cuda_cudart`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cuda: Vec<CudaLibrary>,
    /// The driver's (`libcuda.so.1`): never bundled, the host's at run time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub driver: Vec<String>,
    /// Shipped by another wheel of the set (`libcublas.so.13` in `nvidia-cublas`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wheels: Vec<WheelLibrary>,
    /// Shipped inside this wheel itself (`onnxruntime/capi/libonnxruntime.so`, `*.libs/`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bundled: Vec<String>,
    /// The C and C++ runtime every build has (`libc.so.6`, `libstdc++.so.6`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system: Vec<String>,
    /// Nobody known provides them: the build needs a hand-written dependency.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<String>,
}

/// What happens to a wheel's dependencies on `nvidia-*` wheels (`nvidia-cublas`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NvidiaWheels {
    /// They stay dependencies; their libraries are classed `wheels`.
    Keep,
    /// They are dropped; the target's CUDA package set provides their libraries (`cuda`).
    CudaPackages,
    /// A choice added by a later minor version that this side does not know.
    #[serde(other)]
    Unknown,
}

/// A library of the target's CUDA package set.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CudaLibrary {
    /// The soname, e.g. `libcublasLt.so.13`.
    pub soname: String,
    /// The attribute of nixpkgs' `cudaPackages` that provides it, e.g. `libcublas`.
    pub attribute: String,
}

/// A library another wheel ships.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct WheelLibrary {
    /// The soname, e.g. `libcublas.so.13`.
    pub soname: String,
    /// The PEP 503 name of the wheel that ships it, e.g. `nvidia-cublas`.
    pub package: String,
}
