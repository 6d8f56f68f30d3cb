//! The test kernels, as CUDA C++ for NVRTC, and the CPU reference of the verified one.

/// Compiled with no headers: NVRTC has no CUDA include path here.
pub const SOURCE: &str = r#"
struct alignas(16) v4 { unsigned int x, y, z, w; };

// Integer arithmetic, so the GPU must match the CPU exactly on every element.
extern "C" __global__ void mix(const unsigned int* a, const unsigned int* b, unsigned int* out, unsigned int n) {
    unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        out[i] = a[i] * 2654435761u + (b[i] ^ (i << 7)) + 12345u;
    }
}

// The copy's source pattern and checksum: the same functions as `checksum.rs` on the CPU.
// Word `i` of the source is `pattern(i)`, so a word copied to another offset is wrong there.
__device__ unsigned int pattern(unsigned long long i) {
    return (unsigned int)(((i + 1ull) * 0x9E3779B97F4A7C15ull) >> 32);
}

// SplitMix64's finaliser of (position, word): a bijection, so each word counts at its position.
__device__ unsigned long long term(unsigned long long i, unsigned int w) {
    unsigned long long z = (i << 32) | w;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

extern "C" __global__ void fill_pattern(unsigned int* w, unsigned long long n) {
    unsigned long long stride = (unsigned long long)gridDim.x * blockDim.x;
    for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        w[i] = pattern(i);
    }
}

// The sum (mod 2^64) of `term(i, w[i])` over the whole buffer: each block reduces its threads'
// sums in shared memory and writes one partial sum, `partial[blockIdx.x]`. Needs 256 threads.
extern "C" __global__ void checksum(const unsigned int* __restrict__ w, unsigned long long n, unsigned long long* partial) {
    __shared__ unsigned long long sums[256];
    unsigned long long stride = (unsigned long long)gridDim.x * blockDim.x;
    unsigned long long sum = 0;
    for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        sum += term(i, w[i]);
    }
    sums[threadIdx.x] = sum;
    __syncthreads();
    for (unsigned int half = blockDim.x / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) sums[threadIdx.x] += sums[threadIdx.x + half];
        __syncthreads();
    }
    if (threadIdx.x == 0) partial[blockIdx.x] = sums[0];
}

// 16-byte loads and stores, four per thread, all loads before the stores.
extern "C" __global__ void copy4(const v4* __restrict__ src, v4* __restrict__ dst, unsigned long long n) {
    unsigned long long base = (unsigned long long)blockIdx.x * blockDim.x * 4 + threadIdx.x;
    v4 r[4];
#pragma unroll
    for (int k = 0; k < 4; k++) {
        unsigned long long j = base + (unsigned long long)k * blockDim.x;
        if (j < n) r[k] = src[j];
    }
#pragma unroll
    for (int k = 0; k < 4; k++) {
        unsigned long long j = base + (unsigned long long)k * blockDim.x;
        if (j < n) dst[j] = r[k];
    }
}
"#;

/// Threads per block of every kernel (`checksum`'s shared array has exactly this many sums).
pub const BLOCK: u32 = 256;

/// Blocks of the grid-stride kernels `fill_pattern` and `checksum`: `checksum` writes one
/// partial sum per block.
pub const STRIDE_BLOCKS: u32 = 1024;

/// `v4` elements each thread of `copy4` moves.
pub const COPY_PER_THREAD: u64 = 4;

/// What `mix` computes for element `i`.
pub fn mix(a: u32, b: u32, i: u32) -> u32 {
    a.wrapping_mul(2_654_435_761)
        .wrapping_add(b ^ (i << 7))
        .wrapping_add(12345)
}

/// Deterministic inputs: a cheap hash, so a wrong index shows.
pub fn inputs(n: u32) -> (Vec<u32>, Vec<u32>) {
    let a = (0..n)
        .map(|i| i.wrapping_mul(0x9E37_79B9) ^ 0xDEAD_BEEF)
        .collect();
    let b = (0..n).map(|i| i.rotate_left(13).wrapping_add(7)).collect();
    (a, b)
}

/// The first index where `got` differs from the reference, with both values.
pub fn first_mismatch(a: &[u32], b: &[u32], got: &[u32]) -> Option<(usize, u32, u32)> {
    (0..got.len()).find_map(|i| {
        let want = mix(a[i], b[i], i as u32);
        (got[i] != want).then_some((i, want, got[i]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_wraps_like_the_gpu() {
        assert_eq!(mix(1, 0, 0), 2_654_435_761u32.wrapping_add(12345));
        assert_eq!(
            mix(u32::MAX, 0, 1),
            0u32.wrapping_sub(2_654_435_761).wrapping_add(128 + 12345)
        );
    }

    #[test]
    fn a_mismatch_is_found_and_located() {
        let (a, b) = inputs(1000);
        let mut got: Vec<u32> = (0..1000).map(|i| mix(a[i], b[i], i as u32)).collect();
        assert_eq!(first_mismatch(&a, &b, &got), None);
        got[777] ^= 1;
        assert_eq!(first_mismatch(&a, &b, &got).map(|m| m.0), Some(777));
    }
}
