//! Who provides each shared library a wheel's ELF files need.
//!
//! A Nix build of a wheel runs autoPatchelf, which finds a library only in a dependency's `lib`
//! folder. So each `DT_NEEDED` soname is put in one class: the target's CUDA package set (a
//! table per CUDA major: soname, `cudaPackages` attribute, and the pip wheel that ships the same
//! library), the driver (`libcuda.so.1`: never bundled, the host's at run time), another wheel of
//! the set (`nvidia-*` wheels when they are kept, torch's libraries), this wheel itself, the C and
//! C++ runtime every build has, or unknown.

use std::collections::{BTreeMap, BTreeSet};

use megapak_plugin_abi::wire::{CudaLibrary, NativeLibraries, NvidiaWheels, WheelLibrary};
use megapak_types::PackageName;

/// `(soname pattern, cudaPackages attribute, pip wheel)`; a pattern may hold one `*`.
type CudaRow = (&'static str, &'static str, &'static str);

/// CUDA 13's libraries. cuFFT, cuSOLVER and cuSPARSE keep their CUDA 12 sonames; cuRAND its 10.
const CUDA_13: &[CudaRow] = &[
    ("libcudart.so.13", "cuda_cudart", "nvidia-cuda-runtime"),
    ("libcublas.so.13", "libcublas", "nvidia-cublas"),
    ("libcublasLt.so.13", "libcublas", "nvidia-cublas"),
    ("libcufft.so.12", "libcufft", "nvidia-cufft"),
    ("libcufftw.so.12", "libcufft", "nvidia-cufft"),
    ("libcurand.so.10", "libcurand", "nvidia-curand"),
    ("libcusolver.so.12", "libcusolver", "nvidia-cusolver"),
    ("libcusolverMg.so.12", "libcusolver", "nvidia-cusolver"),
    ("libcusparse.so.12", "libcusparse", "nvidia-cusparse"),
    ("libnvrtc.so.13", "cuda_nvrtc", "nvidia-cuda-nvrtc"),
    (
        "libnvrtc-builtins.so.13.*",
        "cuda_nvrtc",
        "nvidia-cuda-nvrtc",
    ),
    ("libnvJitLink.so.13", "libnvjitlink", "nvidia-nvjitlink"),
    ("libcupti.so.13", "cuda_cupti", "nvidia-cuda-cupti"),
    ("libnvjpeg.so.13", "libnvjpeg", "nvidia-nvjpeg"),
    ("libnpp*.so.13", "libnpp", "nvidia-npp"),
    ("libcufile.so.0", "libcufile", "nvidia-cufile"),
    ("libcudnn*.so.9", "cudnn", "nvidia-cudnn-cu13"),
    ("libnccl.so.2", "nccl", "nvidia-nccl-cu13"),
    ("libcusparseLt.so.0", "cusparselt", "nvidia-cusparselt-cu13"),
    ("libnvshmem_host.so.3", "libnvshmem", "nvidia-nvshmem-cu13"),
    ("libcutensor.so.2", "cutensor", "cutensor-cu13"),
    ("libcutensorMg.so.2", "cutensor", "cutensor-cu13"),
    ("libnvinfer.so.10", "tensorrt", "tensorrt-cu13-libs"),
    ("libnvinfer_plugin.so.10", "tensorrt", "tensorrt-cu13-libs"),
    ("libnvonnxparser.so.10", "tensorrt", "tensorrt-cu13-libs"),
];

/// CUDA 12's libraries.
const CUDA_12: &[CudaRow] = &[
    ("libcudart.so.12", "cuda_cudart", "nvidia-cuda-runtime-cu12"),
    ("libcublas.so.12", "libcublas", "nvidia-cublas-cu12"),
    ("libcublasLt.so.12", "libcublas", "nvidia-cublas-cu12"),
    ("libcufft.so.11", "libcufft", "nvidia-cufft-cu12"),
    ("libcufftw.so.11", "libcufft", "nvidia-cufft-cu12"),
    ("libcurand.so.10", "libcurand", "nvidia-curand-cu12"),
    ("libcusolver.so.11", "libcusolver", "nvidia-cusolver-cu12"),
    ("libcusolverMg.so.11", "libcusolver", "nvidia-cusolver-cu12"),
    ("libcusparse.so.12", "libcusparse", "nvidia-cusparse-cu12"),
    ("libnvrtc.so.12", "cuda_nvrtc", "nvidia-cuda-nvrtc-cu12"),
    (
        "libnvrtc-builtins.so.12.*",
        "cuda_nvrtc",
        "nvidia-cuda-nvrtc-cu12",
    ),
    (
        "libnvJitLink.so.12",
        "libnvjitlink",
        "nvidia-nvjitlink-cu12",
    ),
    ("libcupti.so.12", "cuda_cupti", "nvidia-cuda-cupti-cu12"),
    ("libnvToolsExt.so.1", "cuda_nvtx", "nvidia-nvtx-cu12"),
    ("libnvjpeg.so.12", "libnvjpeg", "nvidia-nvjpeg-cu12"),
    ("libnpp*.so.12", "libnpp", "nvidia-npp-cu12"),
    ("libcufile.so.0", "libcufile", "nvidia-cufile-cu12"),
    ("libcudnn*.so.9", "cudnn", "nvidia-cudnn-cu12"),
    ("libnccl.so.2", "nccl", "nvidia-nccl-cu12"),
    ("libcusparseLt.so.0", "cusparselt", "nvidia-cusparselt-cu12"),
    ("libcutensor.so.2", "cutensor", "cutensor-cu12"),
    ("libcutensorMg.so.2", "cutensor", "cutensor-cu12"),
    ("libnvinfer.so.10", "tensorrt", "tensorrt-cu12-libs"),
    ("libnvinfer_plugin.so.10", "tensorrt", "tensorrt-cu12-libs"),
    ("libnvonnxparser.so.10", "tensorrt", "tensorrt-cu12-libs"),
];

/// Wheels that only bring the wheels above (`cuda-toolkit[cublas,...]`).
const CUDA_META_WHEELS: &[&str] = &["cuda-toolkit"];

/// The driver's libraries: the host's at run time, never in an image.
const DRIVER: &[&str] = &[
    "libcuda.so.1",
    "libnvidia-ml.so.1",
    "libnvcuvid.so.1",
    "libnvidia-encode.so.1",
    "libnvidia-opticalflow.so.1",
    "libnvidia-ptxjitcompiler.so.1",
    "libcudadebugger.so.1",
];

/// glibc, the C++ runtime and libpython: in every Python build's closure.
const SYSTEM: &[&str] = &[
    "libc.so.6",
    "libm.so.6",
    "libdl.so.2",
    "librt.so.1",
    "libpthread.so.0",
    "libutil.so.1",
    "libresolv.so.2",
    "libgcc_s.so.1",
    "libstdc++.so.6",
    "ld-linux-x86-64.so.2",
    "ld-linux-aarch64.so.1",
    "libpython3*",
];

/// Libraries of other (non-CUDA) wheels that native extensions link against.
const OTHER_WHEELS: &[(&str, &str)] = &[
    ("libtorch.so", "torch"),
    ("libtorch_cpu.so", "torch"),
    ("libtorch_cuda.so", "torch"),
    ("libtorch_python.so", "torch"),
    ("libc10.so", "torch"),
    ("libc10_cuda.so", "torch"),
];

fn matches(pattern: &str, soname: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == soname,
        Some((prefix, suffix)) => {
            soname.len() >= prefix.len() + suffix.len()
                && soname.starts_with(prefix)
                && soname.ends_with(suffix)
        }
    }
}

/// The CUDA table of a target's CUDA major; empty for a CPU target or an unknown major.
fn cuda_table(cuda_major: Option<u32>) -> &'static [CudaRow] {
    match cuda_major {
        Some(13) => CUDA_13,
        Some(12) => CUDA_12,
        _ => &[],
    }
}

/// Whether `name` is a wheel of CUDA libraries (`nvidia-cublas`, `cutensor-cu13`,
/// `cuda-toolkit`) that the target's CUDA package set replaces.
pub fn is_cuda_wheel(name: &str) -> bool {
    CUDA_META_WHEELS.contains(&name)
        || CUDA_13
            .iter()
            .chain(CUDA_12)
            .any(|(_, _, wheel)| *wheel == name)
}

/// What the ELF files of one wheel need, with what the wheel itself holds.
#[derive(Debug, Default)]
pub struct Needs {
    /// Every `DT_NEEDED` soname.
    pub needed: BTreeSet<String>,
    /// File names and sonames of the wheel's own libraries.
    pub own: BTreeSet<String>,
}

/// Sorts `needs` into classes for a target of CUDA major `cuda_major`, whose dependencies
/// (`Requires-Dist`, normalized names) are `dependencies`.
pub fn classify(
    needs: &Needs,
    cuda_major: Option<u32>,
    dependencies: &BTreeSet<PackageName>,
    nvidia_wheels: NvidiaWheels,
) -> NativeLibraries {
    let mut libraries = NativeLibraries {
        nvidia_wheels,
        cuda: Vec::new(),
        driver: Vec::new(),
        wheels: Vec::new(),
        bundled: Vec::new(),
        system: Vec::new(),
        unknown: Vec::new(),
    };
    let depends_on = |wheel: &str| dependencies.iter().any(|name| name.as_str() == wheel);
    let mut wheels = BTreeMap::new();
    for soname in &needs.needed {
        let soname = soname.clone();
        if needs.own.contains(&soname) {
            libraries.bundled.push(soname);
        } else if DRIVER.contains(&soname.as_str()) {
            libraries.driver.push(soname);
        } else if SYSTEM.iter().any(|pattern| matches(pattern, &soname)) {
            libraries.system.push(soname);
        } else if let Some((_, attribute, wheel)) = cuda_table(cuda_major)
            .iter()
            .find(|(pattern, ..)| matches(pattern, &soname))
        {
            if nvidia_wheels == NvidiaWheels::Keep && depends_on(wheel) {
                wheels.insert(soname, (*wheel).to_owned());
            } else {
                libraries.cuda.push(CudaLibrary {
                    soname,
                    attribute: (*attribute).to_owned(),
                });
            }
        } else if let Some((_, wheel)) = OTHER_WHEELS
            .iter()
            .find(|(pattern, _)| matches(pattern, &soname))
        {
            wheels.insert(soname, (*wheel).to_owned());
        } else {
            libraries.unknown.push(soname);
        }
    }
    libraries.wheels = wheels
        .into_iter()
        .map(|(soname, package)| WheelLibrary { soname, package })
        .collect();
    libraries
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needs(needed: &[&str], own: &[&str]) -> Needs {
        Needs {
            needed: needed.iter().map(|s| (*s).to_owned()).collect(),
            own: own.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn classifies_the_cuda_provider_of_onnxruntime_gpu_both_ways() {
        let provider = needs(
            &[
                "libcublasLt.so.13",
                "libcublas.so.13",
                "libcurand.so.10",
                "libcudart.so.13",
                "libcuda.so.1",
                "libonnxruntime_providers_shared.so",
                "libstdc++.so.6",
                "libc.so.6",
                "libcudnn.so.9",
                "libtorch_cpu.so",
                "libfoo.so.3",
            ],
            &["libonnxruntime_providers_shared.so"],
        );
        let dependencies: BTreeSet<PackageName> = ["nvidia-cuda-runtime", "nvidia-cudnn-cu13"]
            .iter()
            .map(|name| name.parse().unwrap())
            .collect();
        let replaced = classify(
            &provider,
            Some(13),
            &dependencies,
            NvidiaWheels::CudaPackages,
        );
        let kept = classify(&provider, Some(13), &dependencies, NvidiaWheels::Keep);
        insta::assert_json_snapshot!([replaced, kept]);
    }

    #[test]
    fn a_cpu_target_knows_no_cuda_library_and_cuda_12_has_its_own_sonames() {
        let wanted = needs(&["libcudart.so.12", "libcufft.so.11"], &[]);
        let none = BTreeSet::new();
        let cpu = classify(&wanted, None, &none, NvidiaWheels::CudaPackages);
        assert_eq!(cpu.unknown, ["libcudart.so.12", "libcufft.so.11"]);
        let cuda12 = classify(&wanted, Some(12), &none, NvidiaWheels::CudaPackages);
        assert_eq!(
            cuda12
                .cuda
                .iter()
                .map(|l| l.attribute.as_str())
                .collect::<Vec<_>>(),
            ["cuda_cudart", "libcufft"]
        );
        assert!(is_cuda_wheel("nvidia-cublas") && !is_cuda_wheel("nvidia-ml-py"));
    }
}
