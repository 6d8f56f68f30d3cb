//! What `check-torch` computes: matmuls checked against references, and a cuDNN convolution.

use std::time::Instant;

use megapak_harness::{CheckReport, Diagnosis, diagnosis};
use tch::{Cuda, Device, Kind, Tensor};

use crate::accuracy::{self, Comparison, RTOL};
pub use crate::errors::torch_failed;

/// `‖got − want‖ / ‖want‖` (Frobenius), in fp32.
fn relative_error(got: &Tensor, want: &Tensor) -> Result<f64, tch::TchError> {
    let got = got.f_to_kind(Kind::Float)?;
    let want = want.f_to_kind(Kind::Float)?;
    let diff = got.f_sub(&want)?.f_norm()?.f_double_value(&[])?;
    let norm = want.f_norm()?.f_double_value(&[])?;
    Ok(if norm == 0.0 { diff } else { diff / norm })
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
    let err = run().map_err(|e| torch_failed("A CPU matmul", 0, &e))?;
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
    pub iterations: u32,
    /// The sampled rows against their fp32 CPU reference.
    pub accuracy: Comparison,
    /// How many rows were sampled.
    pub rows: usize,
}

/// The GPU's index of `device`, for `nvidia-smi` and `Cuda::synchronize`.
pub fn index_of(device: Device) -> i64 {
    match device {
        Device::Cuda(i) => i as i64,
        _ => 0,
    }
}

/// Creates the CUDA context, then the cuBLAS and cuDNN handles, each a phase of its own
/// (`seconds_context`, `seconds_cublas_init`, `seconds_cudnn_init`), with work too small to
/// disturb another check's timing: the GPU lock is later held for real work only.
pub fn warm_up(report: &mut CheckReport, device: Device) -> Result<(), Diagnosis> {
    let index = index_of(device);
    let mut run = || -> Result<(), tch::TchError> {
        let started = Instant::now();
        let a = Tensor::f_ones([64, 64], (Kind::BFloat16, device))?;
        Cuda::synchronize(index);
        report.phase_since("context", started);
        let started = Instant::now();
        a.f_matmul(&a)?.f_sum(Kind::Float)?.f_double_value(&[])?;
        report.phase_since("cublas_init", started);
        if Cuda::cudnn_is_available() {
            let started = Instant::now();
            let x = Tensor::f_ones([1, 1, 8, 8], (Kind::Float, device))?;
            let w = Tensor::f_ones([1, 1, 3, 3], (Kind::Float, device))?;
            x.f_conv2d(&w, None::<Tensor>, [1, 1], [1, 1], [1, 1], 1)?
                .f_sum(Kind::Float)?
                .f_double_value(&[])?;
            report.phase_since("cudnn_init", started);
        }
        Ok(())
    };
    run().map_err(|e| torch_failed("Starting CUDA in libtorch", index as i32, &e))
}

/// A bf16 `n×n×n` matmul on `device`, timed, with what its check needs gathered to the CPU
/// ([`Gathered`]). Phases: `allocations`, `matmul_warmup`, `matmul`, `gather`. The caller holds
/// the GPU lock; the CPU reference ([`judge_matmul`]) runs after it is released, so another
/// check's GPU work need not wait for the CPU.
pub fn gpu_matmul(
    report: &mut CheckReport,
    device: Device,
    n: i64,
    iterations: u32,
) -> Result<TimedMatmul, Diagnosis> {
    let index = index_of(device);
    let mut run = || -> Result<TimedMatmul, tch::TchError> {
        let started = Instant::now();
        let a = Tensor::f_randn([n, n], (Kind::BFloat16, device))?;
        let b = Tensor::f_randn([n, n], (Kind::BFloat16, device))?;
        let mut c = a.f_matmul(&b)?;
        Cuda::synchronize(index);
        report.phase_since("allocations", started);
        let started = Instant::now();
        for _ in 0..3 {
            c = a.f_matmul(&b)?;
        }
        Cuda::synchronize(index);
        report.phase_since("matmul_warmup", started);
        let start = Instant::now();
        for _ in 0..iterations {
            c = a.f_matmul(&b)?;
        }
        Cuda::synchronize(index);
        report.phase_since("matmul", start);
        let seconds = start.elapsed().as_secs_f64();
        let tflops = 2.0 * (n as f64).powi(3) * f64::from(iterations) / seconds / 1e12;
        let started = Instant::now();
        let gathered = gather(&a, &b, &c)?;
        report.phase_since("gather", started);
        Ok(TimedMatmul {
            tflops,
            iterations,
            gathered,
        })
    };
    run().map_err(|e| torch_failed("The bf16 matmul", index as i32, &e))
}

/// The timed matmul, its check still to do.
#[derive(Debug)]
pub struct TimedMatmul {
    pub tflops: f64,
    pub iterations: u32,
    pub gathered: Gathered,
}

/// Computes the fp32 CPU reference of the sampled rows (phase `cpu_reference`) and judges the
/// product element by element: `wrong-result` naming the worst element when it is off.
pub fn judge_matmul(
    report: &mut CheckReport,
    timed: TimedMatmul,
    device: Device,
) -> Result<Matmul, Diagnosis> {
    let started = Instant::now();
    let sample = timed
        .gathered
        .reference()
        .map_err(|e| torch_failed("The matmul's CPU reference", index_of(device) as i32, &e))?;
    report.phase_since("cpu_reference", started);
    let result = Matmul {
        tflops: timed.tflops,
        iterations: timed.iterations,
        accuracy: sample.compare(),
        rows: sample.rows.len(),
    };
    if !result.accuracy.within() {
        return Err(diagnosis::wrong_result(
            "The bf16 matmul",
            &format!(
                "{} (|err| ≤ {RTOL:.4}·|ref| + {:.3}, {} sampled rows)",
                result.accuracy.worst_text(),
                result.accuracy.atol,
                result.rows
            ),
        ));
    }
    Ok(result)
}

/// The sampled rows of a product and their reference, row after row.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The rows of the output sampled ([`accuracy::sample_rows`]).
    pub rows: Vec<i64>,
    /// Those rows of the product under test, as f32.
    pub got: Vec<f32>,
    /// The same rows computed in fp32 on the CPU.
    pub want: Vec<f32>,
    /// Columns of the output.
    pub cols: usize,
}

impl Sample {
    /// The element-wise comparison of [`accuracy::compare`].
    pub fn compare(&self) -> Comparison {
        accuracy::compare(&self.got, &self.want, &self.rows, self.cols)
    }
}

/// What the check of `c = a·b` needs, on the CPU: the sampled rows of `a` and `c` (selected
/// where the tensors are, so only those rows cross the bus) and all of `b`.
#[derive(Debug)]
pub struct Gathered {
    rows: Vec<i64>,
    a_rows: Tensor,
    b: Tensor,
    got: Tensor,
    cols: usize,
}

/// Selects the sampled rows of `a` and `c` on their device and copies them and `b` to the CPU.
pub fn gather(a: &Tensor, b: &Tensor, c: &Tensor) -> Result<Gathered, tch::TchError> {
    let size = c.size();
    let rows = accuracy::sample_rows(size[0]);
    let index = Tensor::from_slice(&rows).f_to(c.device())?;
    let cpu = Device::Cpu;
    Ok(Gathered {
        a_rows: a.f_index_select(0, &index)?.f_to(cpu)?,
        b: b.f_to(cpu)?,
        got: c.f_index_select(0, &index)?.f_to(cpu)?,
        rows,
        cols: size[1] as usize,
    })
}

impl Gathered {
    /// The reference: `a`'s sampled rows, converted to f32, times all of `b` in f32
    /// (libtorch's multithreaded CPU matmul): every column of each sampled row.
    pub fn reference(self) -> Result<Sample, tch::TchError> {
        let want = self
            .a_rows
            .f_to_kind(Kind::Float)?
            .f_matmul(&self.b.f_to_kind(Kind::Float)?)?;
        let got = self.got.f_to_kind(Kind::Float)?;
        let flat = |t: &Tensor| -> Result<Vec<f32>, tch::TchError> {
            Vec::<f32>::try_from(&t.f_contiguous()?.f_view([-1])?)
        };
        Ok(Sample {
            got: flat(&got)?,
            want: flat(&want)?,
            rows: self.rows,
            cols: self.cols,
        })
    }
}

/// The sampled rows of `c = a·b` and their fp32 reference ([`gather`], then
/// [`Gathered::reference`]).
pub fn reference_rows(a: &Tensor, b: &Tensor, c: &Tensor) -> Result<Sample, tch::TchError> {
    gather(a, b, c)?.reference()
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
    let err =
        run().map_err(|e| torch_failed("The cuDNN convolution", index_of(device) as i32, &e))?;
    // cuDNN may use TF32 for fp32 convolutions (PyTorch's default), hence 1e-2.
    if err.is_nan() || err > 1e-2 {
        return Err(diagnosis::wrong_result(
            "The cuDNN convolution",
            &format!("relative error {err:.2e} against the CPU (limit 1e-2)"),
        ));
    }
    Ok(err)
}

/// `91900` → `9.19.0`; `8907` → `8.9.7`.
pub fn cudnn_version_text(version: i64) -> String {
    let (major, minor, patch) = crate::native::cudnn_parts(version);
    format!("{major}.{minor}.{patch}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cudnn_versions_read_as_released() {
        assert_eq!(cudnn_version_text(91900), "9.19.0");
        assert_eq!(cudnn_version_text(8907), "8.9.7");
    }

    /// `c` of a small bf16 product on the CPU, as the GPU would give it.
    fn product(n: i64) -> (Tensor, Tensor, Tensor) {
        tch::manual_seed(7);
        let a = Tensor::randn([n, n], (Kind::BFloat16, Device::Cpu));
        let b = Tensor::randn([n, n], (Kind::BFloat16, Device::Cpu));
        let c = a
            .to_kind(Kind::Float)
            .matmul(&b.to_kind(Kind::Float))
            .to_kind(Kind::BFloat16);
        (a, b, c)
    }

    #[test]
    fn a_right_product_matches_its_cpu_reference() {
        let (a, b, c) = product(512);
        let sample = reference_rows(&a, &b, &c).unwrap();
        assert_eq!(sample.rows, accuracy::sample_rows(512));
        assert_eq!(sample.got.len(), sample.rows.len() * 512);
        let comparison = sample.compare();
        assert!(comparison.within(), "{}", comparison.worst_text());
        assert!(comparison.max_abs_err > 0.0, "bf16 rounding shows");
    }

    #[test]
    fn a_wrong_tile_of_the_product_is_found() {
        let (a, b, c) = product(512);
        // The tile at rows 256..384, columns 128..256 is zeros.
        let _ = c.narrow(0, 256, 128).narrow(1, 128, 128).fill_(0.0);
        let comparison = reference_rows(&a, &b, &c).unwrap().compare();
        assert!(!comparison.within());
        assert_eq!(comparison.worst.row / 128, 2);
        assert_eq!(comparison.worst.col / 128, 1);
    }
}
