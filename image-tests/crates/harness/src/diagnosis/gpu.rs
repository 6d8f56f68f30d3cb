//! The GPU itself: its memory, its architecture, MIG, and the CUDA major and cuDNN the image
//! brings against what the check expects.

use super::Diagnosis;
use crate::cuda_major::CudaMajor;
use crate::nvidia_smi;

/// A GPU allocation failed for lack of memory. `memory` is free and total MiB, `processes`
/// who holds the memory, both from `nvidia-smi` when it could say.
pub fn gpu_out_of_memory(
    what: &str,
    detail: &str,
    memory: Option<(u64, u64)>,
    processes: &[String],
) -> Diagnosis {
    let mut message = format!("{what} ran out of GPU memory ({detail})");
    if let Some((free, total)) = memory {
        message.push_str(&format!("; {free} MiB of {total} MiB free"));
    }
    if !processes.is_empty() {
        message.push_str(&format!("; in use by {}", processes.join(", ")));
    }
    Diagnosis::new(
        "gpu-out-of-memory",
        message,
        "the GPU is shared: stop the processes holding its memory or run on a free GPU (`CUDA_VISIBLE_DEVICES`, `--device N`); the check needs about 3 GiB",
    )
}

/// [`gpu_out_of_memory`] with the free memory and the processes asked of `nvidia-smi` now.
pub fn gpu_out_of_memory_on(device: i32, what: &str, detail: &str) -> Diagnosis {
    gpu_out_of_memory(
        what,
        detail,
        nvidia_smi::memory_mib(device),
        &nvidia_smi::compute_processes(),
    )
}

/// The image's CUDA libraries are of another major than the one the check expects:
/// `found_in` says where the other major showed (`libnvrtc.so.12`, torch's `cu128`).
pub fn cuda_major_mismatch(expected: CudaMajor, found: CudaMajor, found_in: &str) -> Diagnosis {
    Diagnosis::new(
        "cuda-major-mismatch",
        format!("This check expects a CUDA {expected} image, but {found_in} is CUDA {found}"),
        format!(
            "make `[target] cuda` in megapak.toml and the image's wheels agree: CUDA {found} wheels need `--cuda-major {found}` (`MEGAPAK_CUDA_MAJOR={found}`), or install the CUDA {expected} builds (`{}`)",
            expected.pip_package("nvidia-cuda-nvrtc")
        ),
    )
}

/// The GPU is older than the image's CUDA major still supports.
pub fn gpu_arch_unsupported(name: &str, arch: i32, major: CudaMajor) -> Diagnosis {
    let min = major.min_arch();
    Diagnosis::new(
        "gpu-arch-unsupported",
        format!(
            "The GPU `{name}` is sm_{arch}; CUDA {major} supports sm_{min} and newer, so no library of this image has code for it"
        ),
        if major == CudaMajor::Thirteen {
            "CUDA 13 dropped Maxwell, Pascal and Volta (sm_50 to sm_70): build the image for CUDA 12 (`[target] cuda = \"12.8\"`, the cu128 wheels) or run it on a Turing (sm_75) or newer GPU"
        } else {
            "run the image on a newer GPU: CUDA 12 supports Maxwell (sm_50) and newer"
        },
    )
}

/// MIG is on and this process was given no instance: CUDA sees no device at all.
pub fn mig_no_instance(gpus: &[String]) -> Diagnosis {
    Diagnosis::new(
        "mig-no-instance",
        format!(
            "MIG mode is enabled on GPU {} but no MIG instance is visible here, so CUDA sees no device",
            gpus.join(", GPU ")
        ),
        "create an instance (`nvidia-smi mig -cgi 1g.10gb -C`) and give it to the container (`NVIDIA_VISIBLE_DEVICES=MIG-<uuid>`; Kubernetes: `nvidia.com/mig-1g.10gb: 1`), or disable MIG (`nvidia-smi -mig 0`)",
    )
}

/// The cuDNN loaded is not the one the library was built against.
pub fn cudnn_version_mismatch(what: &str, built_against: &str, found: &str) -> Diagnosis {
    Diagnosis::new(
        "cudnn-version-mismatch",
        format!("{what} was built against cuDNN {built_against} but loaded cuDNN {found}"),
        format!(
            "install the cuDNN the library pins (`pip install nvidia-cudnn-cu13=={built_against}.*` or `-cu12`) and make sure no other `libcudnn.so.*` comes first on `LD_LIBRARY_PATH` or in `/etc/ld.so.cache`"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_memory_says_who_holds_the_memory() {
        let d = gpu_out_of_memory(
            "`cuMemAlloc` of 1024 MiB",
            "CUDA_ERROR_OUT_OF_MEMORY",
            Some((312, 81559)),
            &["pid 4242 python (80000 MiB)".to_owned()],
        );
        assert_eq!(d.code, "gpu-out-of-memory");
        assert_eq!(
            d.message,
            "`cuMemAlloc` of 1024 MiB ran out of GPU memory (CUDA_ERROR_OUT_OF_MEMORY); 312 MiB of 81559 MiB free; in use by pid 4242 python (80000 MiB)"
        );
        let bare = gpu_out_of_memory("x", "y", None, &[]);
        assert_eq!(bare.message, "x ran out of GPU memory (y)");
    }

    #[test]
    fn arch_and_major_name_the_numbers() {
        let d = gpu_arch_unsupported("Tesla V100-SXM2-16GB", 70, CudaMajor::Thirteen);
        assert!(
            d.message.contains("sm_70") && d.message.contains("sm_75"),
            "{}",
            d.message
        );
        let d = cuda_major_mismatch(CudaMajor::Thirteen, CudaMajor::Twelve, "`libnvrtc.so.12`");
        assert_eq!(
            d.message,
            "This check expects a CUDA 13 image, but `libnvrtc.so.12` is CUDA 12"
        );
        assert!(
            mig_no_instance(&["0 NVIDIA A100".into()])
                .message
                .contains("GPU 0 NVIDIA A100")
        );
    }
}
