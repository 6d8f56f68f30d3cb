//! Subresource-integrity hashes (`sha256-<base64>`), the form Nix's fetchers take.

use std::io::Read;

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// `sha256-<base64>` from the index's hex digest; `None` when it is not 64 hex digits.
pub fn from_hex(hex: &str) -> Option<String> {
    if hex.len() != 64 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..32)
        .map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    Some(from_digest(&bytes?))
}

/// `sha256-<base64>` of a raw digest.
pub fn from_digest(digest: &[u8]) -> String {
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// Lowercase hex of a digest.
pub fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A reader that hashes and counts what passes through it.
#[derive(Debug)]
pub struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> HashingReader<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
        }
    }

    /// Reads the rest, then the digest of everything read.
    pub fn finish(mut self) -> std::io::Result<Vec<u8>> {
        std::io::copy(&mut self, &mut std::io::sink())?;
        Ok(self.hasher.finalize().to_vec())
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// The sha256 digest of `bytes`.
pub fn digest(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_the_index_hex_to_sri() {
        // decord-0.6.0-py3-none-manylinux2010_x86_64.whl, as PyPI publishes it.
        assert_eq!(
            from_hex("51997f20be8958e23b7c4061ba45d0efcd86bffd5fe81c695d0befee0d442976").as_deref(),
            Some("sha256-UZl/IL6JWOI7fEBhukXQ782Gv/1f6BxpXQvv7g1EKXY=")
        );
        assert_eq!(from_hex("51c0"), None);
        assert_eq!(from_hex(&"zz".repeat(32)), None);
    }

    #[test]
    fn hashes_while_reading() {
        let mut reader = HashingReader::new(&b"abc"[..]);
        let mut first = [0u8; 1];
        reader.read_exact(&mut first).unwrap();
        assert_eq!(first, *b"a");
        let digest = reader.finish().unwrap();
        assert_eq!(
            hex(&digest),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
