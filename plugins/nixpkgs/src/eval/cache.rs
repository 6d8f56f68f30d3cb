//! The `eval` backend's cache: one snapshot file per nixpkgs content, Python and system, so a
//! second run costs a file read instead of an evaluation.
//!
//! The key names the content: a `flake.lock` input's `narHash`; a tree in `/nix/store` by its
//! store path (content-addressed by Nix); any other tree by the path, size and modification
//! time of every file in it (`.git` aside), so an edit anywhere makes a new key. A cache file
//! ends with a checksum of everything before it; one that fails it, or fails to read as a
//! snapshot of this format, is evaluated again and rewritten, never trusted.

use std::path::{Path, PathBuf};

use crate::python::PythonVersion;
use crate::snapshot::Snapshot;

/// FNV-1a, 64 bits: a stable hash with no dependency, enough to name cache files and to notice
/// a damaged one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Fnv {
    pub(crate) fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) -> &mut Self {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        // A separator, so that ("ab", "c") and ("a", "bc") differ.
        self.0 ^= 0xff;
        self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        self
    }

    pub(crate) fn hex(self) -> String {
        format!("{:016x}", self.0)
    }
}

/// What names the content of the nixpkgs tree at `root`.
pub(crate) fn tree_identity(root: &Path) -> String {
    let canonical = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    if let Ok(in_store) = canonical.strip_prefix("/nix/store")
        && let Some(first) = in_store.components().next()
    {
        return format!("/nix/store/{}", first.as_os_str().to_string_lossy());
    }
    let mut files = Vec::new();
    walk(&canonical, &canonical, &mut files);
    files.sort();
    let mut hash = Fnv::new();
    hash.write(canonical.to_string_lossy().as_bytes());
    for (path, size, modified) in &files {
        hash.write(path.as_bytes())
            .write(&size.to_le_bytes())
            .write(&modified.to_le_bytes());
    }
    format!("tree:{}", hash.hex())
}

fn walk(root: &Path, folder: &Path, out: &mut Vec<(String, u64, u128)>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if entry.file_name() != ".git" {
                walk(root, &path, out);
            }
        } else if let Ok(metadata) = entry.metadata() {
            let modified = metadata
                .modified()
                .ok()
                .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |since| since.as_nanos());
            let relative = path.strip_prefix(root).unwrap_or(&path);
            out.push((
                relative.to_string_lossy().into_owned(),
                metadata.len(),
                modified,
            ));
        }
    }
}

/// The cache file for a nixpkgs identity, Python and system.
pub(crate) fn cache_file(
    folder: &Path,
    identity: &str,
    python: PythonVersion,
    system: &str,
) -> PathBuf {
    let mut hash = Fnv::new();
    hash.write(b"megapak-nixpkgs-eval")
        .write(&crate::snapshot::FORMAT_VERSION.to_le_bytes())
        .write(identity.as_bytes())
        .write(python.to_string().as_bytes())
        .write(system.as_bytes());
    folder.join(format!("nixpkgs-eval-{}.index", hash.hex()))
}

const CHECKSUM: &str = "checksum\t";

/// A cached snapshot, when the file is there, whole and of this format.
pub(crate) fn read(file: &Path) -> Option<Snapshot> {
    let text = std::fs::read_to_string(file).ok()?;
    let body_end = text.trim_end_matches('\n').rfind('\n')? + 1;
    let (body, last) = text.split_at(body_end);
    let checksum = last.trim_end().strip_prefix(CHECKSUM)?;
    if Fnv::new().write(body.as_bytes()).hex() != checksum {
        return None;
    }
    Snapshot::parse(body, &file.display().to_string()).ok()
}

/// Writes a snapshot to the cache; a cache that cannot be written only costs time later.
pub(crate) fn write(file: &Path, snapshot: &Snapshot) {
    let body = snapshot.to_text();
    let checksum = Fnv::new().write(body.as_bytes()).hex();
    let Some(folder) = file.parent() else { return };
    if std::fs::create_dir_all(folder).is_err() {
        return;
    }
    let temporary = folder.join(format!(
        ".{}.{}.tmp",
        file.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    if std::fs::write(&temporary, format!("{body}{CHECKSUM}{checksum}\n")).is_ok()
        && std::fs::rename(&temporary, file).is_err()
    {
        let _ = std::fs::remove_file(&temporary);
    }
}
