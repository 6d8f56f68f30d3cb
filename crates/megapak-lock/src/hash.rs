//! SRI hashes (`sha256-<base64>`), the form Nix and the lock write them in.

use base64::Engine as _;
use sha2::{Digest as _, Sha256};

/// The SRI sha256 hash of `bytes`, e.g. `sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=` for
/// no bytes at all.
pub fn sri_sha256(bytes: &[u8]) -> String {
    sri(Sha256::digest(bytes).as_slice())
}

/// The hash a lock records of its inputs (the `megapak.toml` text, the pak files' text, the
/// resolver order, the plugins' names and versions), so that a run whose inputs hash alike can
/// stop early.
///
/// Each input is a name and its bytes. The order of the inputs does not matter (they are hashed
/// sorted by name, then bytes); the name and length of each are hashed before its bytes, so no
/// two different sets of inputs are one stream of bytes.
///
/// ```
/// use megapak_lock::input_hash;
///
/// let a = input_hash(&[("megapak.toml", b"paks = []"), ("paks/a.txt", b"torch")]);
/// let b = input_hash(&[("paks/a.txt", b"torch"), ("megapak.toml", b"paks = []")]);
/// assert_eq!(a, b);
/// assert_ne!(a, input_hash(&[("megapak.toml", b"paks = []"), ("paks/a.txt", b"torc")]));
/// assert!(a.starts_with("sha256-"));
/// ```
pub fn input_hash(inputs: &[(&str, &[u8])]) -> String {
    let mut inputs = inputs.to_vec();
    inputs.sort_unstable();
    let mut hasher = Sha256::new();
    hasher.update(b"megapak-inputs-v1\0");
    for (name, bytes) in inputs {
        hasher.update((name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    }
    sri(hasher.finalize().as_slice())
}

fn sri(digest: &[u8]) -> String {
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sri_of_known_bytes() {
        // `printf abc | sha256sum`, base64: the SRI form Nix prints.
        assert_eq!(
            sri_sha256(b"abc"),
            "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
    }

    #[test]
    fn names_and_bytes_do_not_run_together() {
        assert_ne!(input_hash(&[("a", b"bc")]), input_hash(&[("ab", b"c")]));
        assert_ne!(
            input_hash(&[("a", b""), ("b", b"")]),
            input_hash(&[("a", b"")])
        );
        assert_ne!(input_hash(&[]), sri_sha256(b""));
    }
}
