//! How far two fp32 results of `tanh(X·W + B)` may differ when only rounding differs.
//!
//! # The bound
//!
//! One element is `tanh(z)` with `z = Σₖ xₖ·wₖ + b`, `K` products and `K` additions. Whatever the
//! order of the sums (MLAS's blocked kernels, cuBLAS's tiles and split-K, with or without FMA),
//! fp32 computes `z` within `γ · S` of the exact value (Higham, *Accuracy and Stability of
//! Numerical Algorithms*, §3.1), where `S = Σ|xₖ·wₖ| + |b|`, `u = 2⁻²⁴` (half of fp32's
//! epsilon) and `γ = (K + 1)·u / (1 − (K + 1)·u)`; this uses `(K + 2)·u`, which covers it.
//! tanh is 1-Lipschitz, so the error carries over, and each implementation's tanh adds its own
//! error: CUDA's `tanhf` is within 2 ulp, MLAS's rational approximation within a few; both stay
//! under [`TANH_ERROR`], absolute, as `|tanh| ≤ 1`.
//!
//! - against the exact (f64) value, one provider: `|y − tanh(z)| ≤ (K + 2)·u·S + TANH_ERROR`;
//! - between two providers, each as far on its own side: twice that.
//!
//! With `K = 256` and `S ≈ 4` the CPU-vs-CUDA bound is about 1.3e-4 per element; real
//! differences are some 1e-6 (rounding errors cancel). A wrong element, a result from TF32
//! inputs at its worst or a half-precision kernel is outside it.

/// fp32's unit roundoff, `2⁻²⁴`.
pub const UNIT_ROUNDOFF: f64 = 1.0 / (1u64 << 24) as f64;

/// The largest error of one tanh implementation, absolute: 16 ulp of 1.0 (`16 · 2⁻²³`).
pub const TANH_ERROR: f64 = 16.0 * 2.0 * UNIT_ROUNDOFF;

/// How far one provider's element may be from the exact value: `(K + 2)·u·S + TANH_ERROR`.
pub fn one_sided(k: usize, magnitude: f64) -> f64 {
    (k as f64 + 2.0) * UNIT_ROUNDOFF * magnitude + TANH_ERROR
}

/// How far two providers' elements may be apart: twice [`one_sided`].
pub fn two_sided(k: usize, magnitude: f64) -> f64 {
    2.0 * one_sided(k, magnitude)
}

/// What a comparison found.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    /// The largest `|got − want|`, NaN when an element is NaN.
    pub max_err: f64,
    /// The largest allowed difference over all elements.
    pub max_bound: f64,
    /// The first element outside its bound: `(index, got, want, bound)`.
    pub outside: Option<(usize, f64, f64, f64)>,
}

impl Judged {
    /// Whether every element was within its bound.
    pub fn passed(&self) -> bool {
        self.outside.is_none()
    }

    /// The failing element in words, for a diagnosis.
    pub fn describe(&self) -> String {
        match self.outside {
            Some((i, got, want, bound)) => format!(
                "element {i} is {got:e} instead of {want:e} (difference {:.2e}, rounding allows {bound:.2e})",
                (got - want).abs()
            ),
            None => format!(
                "largest difference {:.2e}, rounding allows up to {:.2e}",
                self.max_err, self.max_bound
            ),
        }
    }
}

/// Compares `got` with `want` element by element, each within `bound(magnitude)`; a NaN or a
/// missing element is outside every bound.
pub fn judge(got: &[f32], want: &[f64], magnitude: &[f64], bound: impl Fn(f64) -> f64) -> Judged {
    let mut judged = Judged {
        max_err: 0.0,
        max_bound: 0.0,
        outside: None,
    };
    if got.len() != want.len() {
        judged.max_err = f64::NAN;
        judged.outside = Some((got.len().min(want.len()), f64::NAN, f64::NAN, 0.0));
        return judged;
    }
    for (i, ((&g, &w), &s)) in got.iter().zip(want).zip(magnitude).enumerate() {
        let g = f64::from(g);
        let err = (g - w).abs();
        let allowed = bound(s);
        judged.max_bound = judged.max_bound.max(allowed);
        if err.is_nan() || judged.max_err.is_nan() {
            judged.max_err = f64::NAN;
        } else {
            judged.max_err = judged.max_err.max(err);
        }
        // A NaN difference is outside every bound.
        if judged.outside.is_none() && (err.is_nan() || err > allowed) {
            judged.outside = Some((i, g, w, allowed));
        }
    }
    judged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onnx::{Dims, Model};

    const K: usize = 256;

    /// The f64 reference rounded to fp32 after each step in another order: what a second
    /// provider could compute.
    fn fp32_reversed(model: &Model, x: &[f32]) -> Vec<f32> {
        let Dims { m, k, n } = model.dims;
        let mut y = Vec::with_capacity(m * n);
        for row in 0..m {
            for col in 0..n {
                let dot = (0..k).rev().fold(0.0f32, |s, i| {
                    s + x[row * k + i] * model.weight[i * n + col]
                });
                y.push((dot + model.bias[col]).tanh());
            }
        }
        y
    }

    fn setup() -> (Model, Vec<f32>, Vec<f32>, Vec<f64>) {
        let model = Model::build(Dims { m: 8, k: K, n: 16 });
        let x = model.input();
        let r = model.reference(&x);
        let cpu = fp32_reversed(&model, &x);
        (model, x, cpu, r.magnitude)
    }

    #[test]
    fn identical_results_pass() {
        let (_, _, cpu, magnitude) = setup();
        let same: Vec<f64> = cpu.iter().map(|&v| f64::from(v)).collect();
        let judged = judge(&cpu, &same, &magnitude, |s| two_sided(K, s));
        assert!(judged.passed());
        assert_eq!(judged.max_err, 0.0);
    }

    #[test]
    fn rounding_differences_are_within_the_bound() {
        let (model, x, fp32, magnitude) = setup();
        let exact = model.reference(&x).y;
        let judged = judge(&fp32, &exact, &magnitude, |s| one_sided(K, s));
        assert!(judged.passed(), "{}", judged.describe());
        assert!(judged.max_err > 0.0, "the inputs must make fp32 round");
        // Forward against reversed order: a second provider.
        let forward: Vec<f64> = {
            let Dims { m, k, n } = model.dims;
            (0..m * n)
                .map(|e| {
                    let (row, col) = (e / n, e % n);
                    let dot = (0..k).fold(0.0f32, |s, i| {
                        s + x[row * k + i] * model.weight[i * n + col]
                    });
                    f64::from((dot + model.bias[col]).tanh())
                })
                .collect()
        };
        let judged = judge(&fp32, &forward, &magnitude, |s| two_sided(K, s));
        assert!(judged.passed(), "{}", judged.describe());
        assert!(judged.max_err > 0.0, "two summation orders differ");
        assert!(
            judged.max_err < judged.max_bound / 10.0,
            "the bound is worst-case, real rounding is far inside: {}",
            judged.describe()
        );
    }

    #[test]
    fn a_wrong_element_fails() {
        let (_, _, cpu, magnitude) = setup();
        let mut want: Vec<f64> = cpu.iter().map(|&v| f64::from(v)).collect();
        want[37] += 1e-3;
        let judged = judge(&cpu, &want, &magnitude, |s| two_sided(K, s));
        assert!(!judged.passed());
        assert_eq!(judged.outside.unwrap().0, 37);
        assert!(
            judged.describe().starts_with("element 37 is "),
            "{}",
            judged.describe()
        );
    }

    #[test]
    fn nan_and_missing_elements_fail() {
        let (_, _, mut cpu, magnitude) = setup();
        let want: Vec<f64> = cpu.iter().map(|&v| f64::from(v)).collect();
        cpu[3] = f32::NAN;
        let judged = judge(&cpu, &want, &magnitude, |s| two_sided(K, s));
        assert_eq!(judged.outside.map(|o| o.0), Some(3));
        assert!(judged.max_err.is_nan());
        assert!(!judge(&cpu[..5], &want, &magnitude, |s| two_sided(K, s)).passed());
    }

    #[test]
    fn the_bound_grows_with_k_and_the_terms() {
        assert!(two_sided(256, 4.0) > two_sided(64, 4.0));
        assert!(two_sided(256, 8.0) > two_sided(256, 4.0));
        // K = 256, S = 4: about 1.3e-4.
        let b = two_sided(256, 4.0);
        assert!((1.2e-4..1.4e-4).contains(&b), "{b}");
    }
}
