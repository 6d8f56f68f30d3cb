//! Verifying the whole copy: the source buffer holds a position-dependent pattern
//! (`fill_pattern`), and after the timed copies the `checksum` kernel reduces the entire
//! destination on the GPU to one number, which must equal what the CPU computes for the
//! pattern. Only eight bytes per block come back over PCIe, so a 1 GiB buffer is verified in
//! full without downloading it.
//!
//! The checksum is the sum (mod 2^64) of `term(i, word_i)`, a bijective mix of the position and
//! the word: a plain sum of the words would not see two words swapped, and a constant pattern
//! would not see a copy to the wrong offset. The functions here are the CPU twins of the ones in
//! [`kernels::SOURCE`](crate::kernels::SOURCE); a test ties their constants together.

use std::ffi::c_void;

use megapak_harness::{Diagnosis, diagnosis};

use crate::gpu::{self, DeviceBuffer, Module};
use crate::kernels::{BLOCK, STRIDE_BLOCKS};

/// Word `i` of the copy's source: a multiplicative hash of the position.
pub fn pattern(i: u64) -> u32 {
    (i.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as u32
}

/// What word `w` at position `i` adds to the checksum: SplitMix64's finaliser of `(i, w)`.
pub fn term(i: u64, w: u32) -> u64 {
    let mut z = (i << 32) | u64::from(w);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The checksum of `words`, the first at position 0.
pub fn checksum(words: &[u32]) -> u64 {
    (0u64..)
        .zip(words)
        .fold(0, |sum, (i, &w)| sum.wrapping_add(term(i, w)))
}

/// The checksum of `n` words of [`pattern`]: what the GPU must find after a correct copy.
/// Computed on every CPU core (a 1 GiB buffer has 2^28 words).
pub fn expected(n: u64) -> u64 {
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get() as u64);
    let chunk = n.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let parts: Vec<_> = (0..n)
            .step_by(chunk as usize)
            .map(|start| {
                let end = (start + chunk).min(n);
                scope.spawn(move || {
                    (start..end).fold(0u64, |sum, i| sum.wrapping_add(term(i, pattern(i))))
                })
            })
            .collect();
        parts.into_iter().fold(0u64, |sum, part| {
            sum.wrapping_add(part.join().expect("a checksum thread does not panic"))
        })
    })
}

/// Fills `buffer` with [`pattern`] on the GPU (`fill_pattern`); the caller synchronises.
pub fn fill(module: &Module, buffer: &DeviceBuffer) -> Result<(), Diagnosis> {
    let f = module.function("fill_pattern")?;
    let (mut ptr, mut n) = (buffer.ptr, (buffer.bytes / 4) as u64);
    let mut params = [
        (&raw mut ptr).cast::<c_void>(),
        (&raw mut n).cast::<c_void>(),
    ];
    // SAFETY: `fill_pattern(u32*, u64)`: the buffer holds `n` words; the grid strides over them.
    unsafe { gpu::launch(f, STRIDE_BLOCKS, BLOCK, &mut params) }
}

/// Runs `checksum` over all of `buffer` on the GPU and compares it with `want`, the
/// [`expected`] value for the buffer's words (computed by the caller, beside the GPU work);
/// returns the bytes verified.
pub fn verify(module: &Module, buffer: &DeviceBuffer, want: u64) -> Result<usize, Diagnosis> {
    let f = module.function("checksum")?;
    let partials = DeviceBuffer::new(STRIDE_BLOCKS as usize * 8)?;
    let words = (buffer.bytes / 4) as u64;
    let (mut ptr, mut n, mut out) = (buffer.ptr, words, partials.ptr);
    let mut params = [
        (&raw mut ptr).cast::<c_void>(),
        (&raw mut n).cast::<c_void>(),
        (&raw mut out).cast::<c_void>(),
    ];
    // SAFETY: `checksum(const u32*, u64, u64*)`: `n` words to read, one partial sum per block
    // of `STRIDE_BLOCKS` to write; `BLOCK` (256) threads, the size of its shared array.
    unsafe { gpu::launch(f, STRIDE_BLOCKS, BLOCK, &mut params)? };
    gpu::synchronize()?;
    let mut got = vec![0u32; STRIDE_BLOCKS as usize * 2];
    partials.download(&mut got)?;
    let sum = got
        .chunks_exact(2)
        .map(|w| u64::from(w[0]) | (u64::from(w[1]) << 32))
        .fold(0u64, u64::wrapping_add);
    if sum == want {
        return Ok(buffer.bytes);
    }
    Err(diagnosis::wrong_result(
        "The `copy4` kernel",
        &format!(
            "the checksum of the {} MiB copied is {sum:#018x}, the CPU computed {want:#018x} for the source's pattern",
            buffer.bytes >> 20
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::SOURCE;

    fn source(n: u64) -> Vec<u32> {
        (0..n).map(pattern).collect()
    }

    #[test]
    fn the_expected_value_is_the_checksum_of_the_pattern() {
        for n in [0, 1, 7, 1000, 4099] {
            assert_eq!(expected(n), checksum(&source(n)), "{n} words");
        }
    }

    #[test]
    fn swapped_words_change_the_checksum() {
        let words = source(4096);
        let mut swapped = words.clone();
        swapped.swap(100, 3000);
        assert_ne!(checksum(&swapped), expected(4096));
        // What a plain sum of the words would miss:
        let plain = |w: &[u32]| w.iter().fold(0u32, |s, &x| s.wrapping_add(x));
        assert_eq!(plain(&swapped), plain(&words));
    }

    #[test]
    fn a_shifted_or_missing_word_changes_the_checksum() {
        let words = source(4096);
        // Copied one word too far: the destination starts with a zero.
        let mut shifted = vec![0u32];
        shifted.extend_from_slice(&words[..4095]);
        assert_ne!(checksum(&shifted), expected(4096));
        // The pattern is position-dependent: no word equals its neighbour.
        assert!(words.windows(2).all(|w| w[0] != w[1]));
        let mut one_bit = words.clone();
        one_bit[4095] ^= 1 << 31;
        assert_ne!(checksum(&one_bit), expected(4096));
        let mut zeroed = words;
        zeroed[0] = 0;
        assert_ne!(checksum(&zeroed), expected(4096));
    }

    #[test]
    fn the_gpu_computes_the_same_functions() {
        for constant in [
            "0x9E3779B97F4A7C15ull",
            "0xBF58476D1CE4E5B9ull",
            "0x94D049BB133111EBull",
            "(i + 1ull) * 0x9E3779B97F4A7C15ull) >> 32",
            "(i << 32) | w",
            "z ^ (z >> 30)",
            "z ^ (z >> 27)",
            "z ^ (z >> 31)",
        ] {
            assert!(SOURCE.contains(constant), "the kernel uses `{constant}`");
        }
        assert_eq!(pattern(0), 0x9E37_79B9);
        assert!(SOURCE.contains("__shared__ unsigned long long sums[256]"));
        assert_eq!(BLOCK, 256);
    }
}
