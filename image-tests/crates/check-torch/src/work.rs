//! What `check-torch` computes: matmuls checked against references, and a cuDNN convolution.

use std::time::Instant;

use megapak_harness::{Diagnosis, diagnosis};
use tch::{Cuda, Device, Kind, Tensor};

/// `‖got − want‖ / ‖want‖` (Frobenius), in fp32.
fn relative_error(got: &Tensor, want: &Tensor) -> Result<f64, tch::TchError> {
    let got = got.f_to_kind(Kind::Float)?;
    let want = want.f_to_kind(Kind::Float)?;
    let diff = got.f_sub(&want)?.f_norm()?.f_double_value(&[])?;
    let norm = want.f_norm()?.f_double_value(&[])?;
    Ok(if norm == 0.0 { diff } else { diff / norm })
}

/// Names a libtorch failure; "no kernel image" gets its own diagnosis.
pub fn torch_failed(what: &str, err: &tch::TchError) -> Diagnosis {
    let text = match err {
        tch::TchError::Torch(message) => message.clone(),
        other => other.to_string(),
    };
    if text.contains("no kernel image is available") {
        return diagnosis::no_kernel_image(
            &format!("{what} (libtorch)"),
            "this GPU's architecture",
        );
    }
    let first_line = text.lines().next().unwrap_or(&text);
    diagnosis::torch_error(what, first_line)
}

/// An fp32 matmul on the CPU against an fp64 reference: the tch path works at all.
pub fn cpu_matmul(n: i64) -> Result<f64, Diagnosis> {
    let run = || -> Result<f64, tch::TchError> {
        let a = Tensor::f_randn([n, n], (Kind::Float, Device::Cpu))?;
        let b = Tensor::f_randn([n, n], (Kind::Float, Device::Cpu))?;
        let got = a.f_matmul(&b)?;
        let want = a
            .f_to_kind(Kind::Double)?
            .f_matmul(&b.f_to_kind(Kind::Double)?)?;
        relative_error(&got, &want)
    };
    let err = run().map_err(|e| torch_failed("A CPU matmul", &e))?;
    if err.is_nan() || err > 1e-4 {
        return Err(diagnosis::wrong_result(
            "libtorch's CPU matmul",
            &format!("relative error {err:.2e} against fp64 (limit 1e-4)"),
        ));
    }
    Ok(err)
}

/// The result of the bf16 matmul benchmark.
#[derive(Debug, Clone, Copy)]
pub struct Matmul {
    pub tflops: f64,
    pub relative_error: f64,
    pub iterations: u32,
}

/// The largest relative error accepted for the bf16 product against fp32.
pub const MATMUL_TOLERANCE: f64 = 1e-2;

/// Creates the CUDA context and the cuBLAS and cuDNN handles with work too small to disturb
/// another check's timing, so that the GPU lock is later held for real work only.
pub fn warm_up(device: Device) -> Result<(), Diagnosis> {
    let run = || -> Result<(), tch::TchError> {
        let a = Tensor::f_ones([64, 64], (Kind::BFloat16, device))?;
        a.f_matmul(&a)?.f_sum(Kind::Float)?.f_double_value(&[])?;
        if Cuda::cudnn_is_available() {
            let x = Tensor::f_ones([1, 1, 8, 8], (Kind::Float, device))?;
            let w = Tensor::f_ones([1, 1, 3, 3], (Kind::Float, device))?;
            x.f_conv2d(&w, None::<Tensor>, [1, 1], [1, 1], [1, 1], 1)?
                .f_sum(Kind::Float)?
                .f_double_value(&[])?;
        }
        Ok(())
    };
    run().map_err(|e| torch_failed("Starting CUDA in libtorch", &e))
}

/// A bf16 `n×n×n` matmul on `device`, checked against fp32. The caller holds the GPU lock.
pub fn gpu_matmul(device: Device, n: i64, iterations: u32) -> Result<Matmul, Diagnosis> {
    let index = match device {
        Device::Cuda(i) => i as i64,
        _ => 0,
    };
    let run = || -> Result<Matmul, tch::TchError> {
        let a = Tensor::f_randn([n, n], (Kind::BFloat16, device))?;
        let b = Tensor::f_randn([n, n], (Kind::BFloat16, device))?;
        let mut c = a.f_matmul(&b)?;
        for _ in 0..3 {
            c = a.f_matmul(&b)?;
        }
        Cuda::synchronize(index);
        let start = Instant::now();
        for _ in 0..iterations {
            c = a.f_matmul(&b)?;
        }
        Cuda::synchronize(index);
        let seconds = start.elapsed().as_secs_f64();
        let tflops = 2.0 * (n as f64).powi(3) * f64::from(iterations) / seconds / 1e12;
        // The reference: the same bf16 inputs, multiplied in fp32 (TF32 is off by default).
        let want = a
            .f_to_kind(Kind::Float)?
            .f_matmul(&b.f_to_kind(Kind::Float)?)?;
        let relative_error = relative_error(&c, &want)?;
        Ok(Matmul {
            tflops,
            relative_error,
            iterations,
        })
    };
    let result = run().map_err(|e| torch_failed("The bf16 matmul", &e))?;
    // NaN must fail too: hence "not below" rather than "above".
    if result.relative_error.is_nan() || result.relative_error >= MATMUL_TOLERANCE {
        return Err(diagnosis::wrong_result(
            "The bf16 matmul",
            &format!(
                "relative error {:.2e} against the fp32 product (limit {MATMUL_TOLERANCE:.0e})",
                result.relative_error
            ),
        ));
    }
    Ok(result)
}

/// A convolution through cuDNN, checked against the CPU; returns the relative error. The
/// caller holds the GPU lock.
pub fn cudnn_convolution(device: Device) -> Result<f64, Diagnosis> {
    if !Cuda::cudnn_is_available() {
        return Err(diagnosis::cudnn_unavailable());
    }
    let run = || -> Result<f64, tch::TchError> {
        let input = Tensor::f_randn([4, 32, 32, 32], (Kind::Float, Device::Cpu))?;
        let weight = Tensor::f_randn([32, 32, 3, 3], (Kind::Float, Device::Cpu))?;
        let want = input.f_conv2d(&weight, None::<Tensor>, [1, 1], [1, 1], [1, 1], 1)?;
        let got = input
            .f_to(device)?
            .f_conv2d(
                &weight.f_to(device)?,
                None::<Tensor>,
                [1, 1],
                [1, 1],
                [1, 1],
                1,
            )?
            .f_to(Device::Cpu)?;
        relative_error(&got, &want)
    };
    let err = run().map_err(|e| torch_failed("The cuDNN convolution", &e))?;
    // cuDNN may use TF32 for fp32 convolutions (PyTorch's default), hence 1e-2.
    if err.is_nan() || err > 1e-2 {
        return Err(diagnosis::wrong_result(
            "The cuDNN convolution",
            &format!("relative error {err:.2e} against the CPU (limit 1e-2)"),
        ));
    }
    Ok(err)
}

/// `91900` → `9.19.0`.
pub fn cudnn_version_text(version: i64) -> String {
    format!(
        "{}.{}.{}",
        version / 10000,
        (version % 10000) / 100,
        version % 100
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cudnn_versions_read_as_released() {
        assert_eq!(cudnn_version_text(91900), "9.19.0");
    }

    #[test]
    fn no_kernel_image_is_recognised_in_torch_errors() {
        let err = tch::TchError::Torch("CUDA error: no kernel image is available for execution on the device\nCUDA kernel errors might be asynchronously reported".into());
        assert_eq!(
            torch_failed("The bf16 matmul", &err).code,
            "no-kernel-image"
        );
        let other = tch::TchError::Torch("CUDA out of memory. Tried to allocate 2.00 GiB".into());
        let d = torch_failed("The bf16 matmul", &other);
        assert_eq!(
            (d.code.as_str(), d.message.as_str()),
            (
                "torch-error",
                "The bf16 matmul failed in libtorch: CUDA out of memory. Tried to allocate 2.00 GiB"
            )
        );
    }
}
