//! Judging the GPU's bf16 matmul element by element against an fp32 reference computed on the
//! CPU, so that the reference cannot share the GPU's failure.
//!
//! # The sample
//!
//! A full fp32 reference of an 8192³ product is 550 G multiply-adds: minutes on a CPU. The
//! reference is computed for a sample of whole rows instead: one row in every 128-row band of
//! the output (at an offset within the band that changes from band to band), plus the first and
//! the last row. cuBLAS computes the output in tiles of at most 256×128 elements, so every tile
//! of the output has at least one sampled row passing through it, over all its columns: a tile
//! written wrongly anywhere shows. For 8192 that is 65 rows: 65 × 8192 × 8192 = 4.4 G
//! multiply-adds, a fraction of a second for libtorch's multithreaded CPU matmul.
//!
//! # The bound
//!
//! An element passes when `|got − want| ≤ RTOL·|want| + ATOL_OF_RMS·rms(want)`:
//!
//! - the inputs are exactly representable in bf16 and fp32, so both sides multiply the same
//!   numbers; the reference accumulates 8192 products in fp32 (an error of order
//!   `√K·2⁻²⁴·rms`, negligible here);
//! - the GPU's result is rounded to bf16, whose 8 significant bits put each element within
//!   `2⁻⁸·|want|` of the exact value (half a unit of the last place at the top of a binade);
//!   cuBLAS may also split the K dimension and reduce the partial sums in bf16 (PyTorch's
//!   default `allow_bf16_reduced_precision_reduction`), each such rounding adding up to `2⁻⁸`
//!   of a partial sum. `RTOL = 2⁻⁶` allows four such roundings (and equals the 1.6e-2 that
//!   `torch.testing.assert_close` uses for bf16);
//! - a partial sum can be larger than the final element (cancellation), so the rounding of
//!   partial sums is bounded by the typical size of an element, not by the element itself:
//!   `ATOL_OF_RMS = 2⁻⁶` of the sampled reference's root mean square (about 1.4 for an
//!   8192-long product of standard normals, whose rms is √8192 ≈ 90).
//!
//! A wrong tile (zeros, garbage, a stale buffer) or a flipped exponent bit is off by about the
//! rms or more, forty times the bound; a NaN never passes.

/// Relative part of the bound: four bf16 roundings (see the module's documentation).
pub const RTOL: f64 = 1.0 / 64.0;

/// Absolute part of the bound, as a fraction of the sampled reference's root mean square.
pub const ATOL_OF_RMS: f64 = 1.0 / 64.0;

/// The output tile height every sampled row band spans.
pub const BAND: i64 = 128;

/// The rows of an `n`-row output whose reference is computed: the first, the last, and one in
/// every 128-row band, at an offset that moves within the band (so that the sample does not
/// always hit the same row of a tile). Sorted, without repeats.
pub fn sample_rows(n: i64) -> Vec<i64> {
    let mut rows = vec![0, n - 1];
    let bands = (n + BAND - 1) / BAND;
    for band in 0..bands {
        let offset = (band * 53 + 17) % BAND;
        rows.push((band * BAND + offset).min(n - 1));
    }
    rows.retain(|&r| r >= 0);
    rows.sort_unstable();
    rows.dedup();
    rows
}

/// The worst element of a comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Worst {
    /// Row and column in the full output.
    pub row: i64,
    pub col: usize,
    pub got: f32,
    pub want: f32,
}

/// What the comparison measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    /// The largest `|got − want|` of the sample.
    pub max_abs_err: f64,
    /// `‖got − want‖ / ‖want‖` over the sample (Frobenius).
    pub rel_err: f64,
    /// The element with the largest error relative to its bound.
    pub worst: Worst,
    /// The absolute part of the bound used (`ATOL_OF_RMS·rms(want)`).
    pub atol: f64,
    /// Elements compared.
    pub elements: usize,
}

impl Comparison {
    /// `true` when every element was within its bound.
    pub fn within(&self) -> bool {
        let bound = self.atol + RTOL * f64::from(self.worst.want).abs();
        let err = (f64::from(self.worst.got) - f64::from(self.worst.want)).abs();
        err <= bound
    }

    /// The worst element in words, for a step or a diagnosis.
    pub fn worst_text(&self) -> String {
        let w = self.worst;
        format!(
            "row {}, column {}: {} where the fp32 reference is {} (bound {:.3})",
            w.row,
            w.col,
            w.got,
            w.want,
            self.atol + RTOL * f64::from(w.want).abs()
        )
    }
}

/// Compares `got` with `want`, both the sampled `rows` of the output laid out row after row,
/// `cols` elements each. The worst element is the one furthest beyond (or least within) its
/// bound; a NaN or an infinity in `got` is always the worst.
///
/// # Panics
///
/// When the lengths do not agree with `rows.len() × cols`.
pub fn compare(got: &[f32], want: &[f32], rows: &[i64], cols: usize) -> Comparison {
    assert_eq!(got.len(), rows.len() * cols, "got is rows × cols");
    assert_eq!(want.len(), got.len(), "want is rows × cols");
    let sum_sq: f64 = want.iter().map(|&w| f64::from(w).powi(2)).sum();
    let rms = (sum_sq / want.len().max(1) as f64).sqrt();
    let atol = ATOL_OF_RMS * rms;
    let mut worst_index = 0;
    let mut worst_ratio = f64::NEG_INFINITY;
    let mut max_abs_err: f64 = 0.0;
    let mut diff_sq = 0.0;
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let err = (f64::from(g) - f64::from(w)).abs();
        let bound = atol + RTOL * f64::from(w).abs();
        // How far beyond its bound the element is; a NaN compares as the worst of all.
        let ratio = match err {
            e if e.is_nan() => f64::INFINITY,
            e if bound > 0.0 => e / bound,
            0.0 => 0.0,
            _ => f64::INFINITY,
        };
        if ratio > worst_ratio {
            worst_ratio = ratio;
            worst_index = i;
        }
        // NaN must show in the figure too: `max` would drop it.
        max_abs_err = if err.is_nan() || err > max_abs_err {
            err
        } else {
            max_abs_err
        };
        diff_sq += err * err;
    }
    let worst = if got.is_empty() {
        Worst {
            row: 0,
            col: 0,
            got: 0.0,
            want: 0.0,
        }
    } else {
        Worst {
            row: rows[worst_index / cols],
            col: worst_index % cols,
            got: got[worst_index],
            want: want[worst_index],
        }
    };
    Comparison {
        max_abs_err,
        rel_err: if sum_sq == 0.0 {
            diff_sq.sqrt()
        } else {
            (diff_sq / sum_sq).sqrt()
        },
        worst,
        atol,
        elements: got.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic values of a normal-ish spread (a sum of uniforms), scaled like an
    /// 8192-long product of standard normals (rms ≈ 90).
    fn reference(len: usize) -> Vec<f32> {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut uniform = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            ((state >> 40) as f64) / f64::from(1u32 << 24) - 0.5
        };
        (0..len)
            .map(|_| ((0..12).map(|_| uniform()).sum::<f64>() * 90.0) as f32)
            .collect()
    }

    /// `x` rounded to bf16 (round to nearest even), as the GPU's output is.
    fn to_bf16(x: f32) -> f32 {
        let bits = x.to_bits();
        let rounded = bits.wrapping_add(0x7fff + ((bits >> 16) & 1)) & 0xffff_0000;
        f32::from_bits(rounded)
    }

    #[test]
    fn every_band_of_8192_rows_is_sampled_with_the_first_and_last_row() {
        let rows = sample_rows(8192);
        assert_eq!(rows.first(), Some(&0));
        assert_eq!(rows.last(), Some(&8191));
        for band in 0..64 {
            assert!(
                rows.iter().any(|r| r / BAND == band),
                "band {band} is not sampled: {rows:?}"
            );
        }
        assert!(rows.len() <= 66, "{}", rows.len());
        assert!(rows.windows(2).all(|w| w[0] < w[1]), "sorted, no repeats");
        // The offsets move within the band.
        assert_ne!(rows[1] % BAND, rows[2] % BAND);
        // Small and ragged sizes stay inside the matrix.
        assert_eq!(sample_rows(1), vec![0]);
        assert!(sample_rows(200).iter().all(|&r| (0..200).contains(&r)));
    }

    #[test]
    fn results_within_bf16_rounding_pass() {
        let rows = sample_rows(256);
        let cols = 256;
        let want = reference(rows.len() * cols);
        let got: Vec<f32> = want.iter().map(|&w| to_bf16(w)).collect();
        let c = compare(&got, &want, &rows, cols);
        assert!(c.within(), "{}", c.worst_text());
        assert!(
            c.max_abs_err > 0.0 && c.max_abs_err <= 2.0,
            "{}",
            c.max_abs_err
        );
        assert!(c.rel_err < 4e-3, "{}", c.rel_err);
        // Two more roundings' worth of error (split-K in bf16) still passes.
        let got: Vec<f32> = want
            .iter()
            .map(|&w| to_bf16(w * (1.0 + 2.0 / 256.0)))
            .collect();
        assert!(compare(&got, &want, &rows, cols).within());
    }

    #[test]
    fn a_single_wrong_element_fails_and_is_named() {
        let rows = sample_rows(512);
        let cols = 512;
        let want = reference(rows.len() * cols);
        let mut got: Vec<f32> = want.iter().map(|&w| to_bf16(w)).collect();
        let i = 3 * cols + 300;
        got[i] = want[i] + 8.0;
        let c = compare(&got, &want, &rows, cols);
        assert!(!c.within());
        assert_eq!((c.worst.row, c.worst.col), (rows[3], 300));
        assert!((c.max_abs_err - 8.0).abs() < 1e-3, "{}", c.max_abs_err);
        assert!(
            c.worst_text()
                .starts_with(&format!("row {}, column 300: ", rows[3])),
            "{}",
            c.worst_text()
        );
    }

    #[test]
    fn a_wrong_tile_anywhere_fails() {
        // A 1024² output; one 128×128 tile is zeros. Whichever tile it is, a sampled row
        // crosses it.
        let n = 1024;
        let rows = sample_rows(n as i64);
        let full = reference(n * n);
        for (tile_row, tile_col) in [(0, 0), (3, 5), (7, 7), (5, 0)] {
            let mut got: Vec<f32> = full.iter().map(|&w| to_bf16(w)).collect();
            for r in tile_row * 128..(tile_row + 1) * 128 {
                for c in tile_col * 128..(tile_col + 1) * 128 {
                    got[r * n + c] = 0.0;
                }
            }
            let pick = |m: &[f32]| -> Vec<f32> {
                rows.iter()
                    .flat_map(|&r| m[r as usize * n..(r as usize + 1) * n].iter().copied())
                    .collect()
            };
            let c = compare(&pick(&got), &pick(&full), &rows, n);
            assert!(!c.within(), "tile ({tile_row}, {tile_col}) passed");
            assert_eq!(c.worst.row as usize / 128, tile_row);
            assert_eq!(c.worst.col / 128, tile_col);
        }
    }

    #[test]
    fn nan_and_infinity_fail() {
        let rows = [0, 1];
        let want = reference(8);
        for bad in [f32::NAN, f32::INFINITY] {
            let mut got = want.clone();
            got[5] = bad;
            let c = compare(&got, &want, &rows, 4);
            assert!(!c.within(), "{bad}");
            assert_eq!((c.worst.row, c.worst.col), (1, 1));
            assert!(!c.max_abs_err.is_finite());
        }
    }
}
