//! The `eval` backend's cache: one snapshot file per nixpkgs content, Python and system, so a
//! second run costs a file read instead of an evaluation.
//!
//! The key names the content: a `flake.lock` input's `narHash`; a tree in `/nix/store` by its
//! store path (content-addressed by Nix); any other tree by its path, with [`Stamps`] of the
//! files its Python set is defined by, checked on every read. A cache file ends with a checksum
//! of everything before it; one that fails it, whose stamps no longer hold, or that fails to
//! read as a snapshot of this format, is evaluated again and rewritten, never trusted.

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

/// What names a nixpkgs: a store path (content-addressed by Nix) for a tree in `/nix/store`;
/// otherwise the tree's canonical path, whose cache then holds [`Stamps`] to check.
pub(crate) fn tree_identity(root: &Path) -> (String, bool) {
    let canonical = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    if let Ok(in_store) = canonical.strip_prefix("/nix/store")
        && let Some(first) = in_store.components().next()
    {
        return (
            format!("/nix/store/{}", first.as_os_str().to_string_lossy()),
            false,
        );
    }
    (format!("tree:{}", canonical.display()), true)
}

/// The size and modification time of the files a tree's Python set is defined by: every file
/// under `pkgs/top-level` and `pkgs/development/interpreters/python`, the tree's `default.nix`,
/// and the file of every attribute `python-packages.nix` calls. One `stat` each, no walk of
/// the whole tree, so a cached run stays within milliseconds; an edit of one of them (or of
/// `python-packages.nix`, to add a package) makes the cache stale.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Stamps(Vec<(String, u64, u128)>);

impl Stamps {
    /// The stamps of the tree at `root` now.
    pub(crate) fn of_tree(root: &Path) -> Self {
        let mut files: Vec<PathBuf> = vec![PathBuf::from("default.nix")];
        for folder in ["pkgs/top-level", "pkgs/development/interpreters/python"] {
            walk(root, &root.join(folder), &mut files);
        }
        let packages = root.join(crate::source::PYTHON_PACKAGES);
        if let Ok(text) = std::fs::read_to_string(&packages)
            && let Ok(definitions) =
                crate::source::read_definitions(&text, Path::new("pkgs/top-level"))
        {
            for (_, definition) in definitions {
                if let crate::source::Definition::File(file) = definition {
                    files.push(PathBuf::from(crate::source::normalize_path(&file)));
                }
            }
        }
        files.sort();
        files.dedup();
        Self(
            files
                .into_iter()
                .map(|file| {
                    let (size, modified) = stamp(&root.join(&file));
                    (file.to_string_lossy().into_owned(), size, modified)
                })
                .collect(),
        )
    }

    /// Whether every file still has its size and modification time.
    pub(crate) fn hold(&self, root: &Path) -> bool {
        self.0
            .iter()
            .all(|(file, size, modified)| stamp(&root.join(file)) == (*size, *modified))
    }
}

/// A file's size and modification time (nanoseconds); zeros for a missing file.
fn stamp(path: &Path) -> (u64, u128) {
    std::fs::metadata(path).map_or((0, 0), |metadata| {
        let modified = metadata
            .modified()
            .ok()
            .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |since| since.as_nanos());
        (metadata.len(), modified)
    })
}

fn walk(root: &Path, folder: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => walk(root, &path, out),
            Ok(_) => out.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf()),
            Err(_) => {}
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
const MAGIC: &str = "megapak-nixpkgs-eval-cache\t1\n";

/// A cached snapshot, when the file is there, whole, of this format, and its stamps (when it
/// has any) still hold for `root`.
pub(crate) fn read(file: &Path, root: Option<&Path>) -> Option<Snapshot> {
    let text = std::fs::read_to_string(file).ok()?;
    let body_end = text.trim_end_matches('\n').rfind('\n')? + 1;
    let (body, last) = text.split_at(body_end);
    let checksum = last.trim_end().strip_prefix(CHECKSUM)?;
    if Fnv::new().write(body.as_bytes()).hex() != checksum {
        return None;
    }
    let body = body.strip_prefix(MAGIC)?;
    let (stamps, snapshot) = body.split_once("\n\n")?;
    let mut read = Vec::new();
    for line in stamps.lines().filter(|line| !line.is_empty()) {
        let mut fields = line.split('\t');
        let (Some("stamp"), Some(file), Some(size), Some(modified), None) = (
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
        ) else {
            return None;
        };
        read.push((file.to_owned(), size.parse().ok()?, modified.parse().ok()?));
    }
    if let Some(root) = root
        && !Stamps(read).hold(root)
    {
        return None;
    }
    Snapshot::parse(snapshot, &file.display().to_string()).ok()
}

/// Writes a snapshot and the stamps it depends on to the cache; a cache that cannot be written
/// only costs time later.
pub(crate) fn write(file: &Path, snapshot: &Snapshot, stamps: &Stamps) {
    let mut body = String::from(MAGIC);
    for (path, size, modified) in &stamps.0 {
        body.push_str(&format!("stamp\t{path}\t{size}\t{modified}\n"));
    }
    body.push('\n');
    body.push_str(&snapshot.to_text());
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
