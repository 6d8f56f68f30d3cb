//! The NAR serialization of a folder, hashed with sha256: what Nix's fixed-output `fetchgit`
//! records as its hash (`nix hash path --type sha256`).
//!
//! A NAR is a list of length-prefixed strings, each padded to 8 bytes: `nix-archive-1`, then the
//! root node. A node is `( type regular [executable ""] contents <bytes> )`, `( type symlink
//! target <target> )` or `( type directory entry ( name <name> node <node> ) ... )` with entries
//! sorted by the bytes of their names. Only the owner's execute bit counts; permissions,
//! owners and times do not. Names are bytes: non-UTF-8 and non-ASCII names are written as they
//! are. Written here rather than taken from `nix-nar`, which refuses non-UTF-8 paths.

use std::ffi::OsString;
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use sha2::{Digest, Sha256};

/// The sha256 of the NAR serialization of `path` (a folder, file or symlink).
pub fn nar_sha256(path: &Path) -> io::Result<[u8; 32]> {
    let mut nar = Nar {
        hasher: Sha256::new(),
    };
    nar.string(b"nix-archive-1");
    nar.node(path)?;
    Ok(nar.hasher.finalize().into())
}

/// `sha256-<base64>` of [`nar_sha256`].
pub fn nar_sri(path: &Path) -> io::Result<String> {
    use base64::Engine;
    Ok(format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(nar_sha256(path)?)
    ))
}

struct Nar {
    hasher: Sha256,
}

impl Nar {
    fn padding(&mut self, len: u64) {
        let pad = (8 - len % 8) % 8;
        self.hasher.update(&[0u8; 8][..pad as usize]);
    }

    fn string(&mut self, bytes: &[u8]) {
        self.hasher.update((bytes.len() as u64).to_le_bytes());
        self.hasher.update(bytes);
        self.padding(bytes.len() as u64);
    }

    fn node(&mut self, path: &Path) -> io::Result<()> {
        let metadata = fs_err::symlink_metadata(path)?;
        self.string(b"(");
        self.string(b"type");
        let kind = metadata.file_type();
        if kind.is_symlink() {
            self.string(b"symlink");
            self.string(b"target");
            self.string(fs_err::read_link(path)?.as_os_str().as_bytes());
        } else if kind.is_file() {
            self.string(b"regular");
            if metadata.permissions().mode() & 0o100 != 0 {
                self.string(b"executable");
                self.string(b"");
            }
            self.string(b"contents");
            self.contents(path, metadata.len())?;
        } else if kind.is_dir() {
            self.string(b"directory");
            let mut names: Vec<OsString> = fs_err::read_dir(path)?
                .map(|entry| entry.map(|entry| entry.file_name()))
                .collect::<Result<_, _>>()?;
            names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            for name in names {
                self.string(b"entry");
                self.string(b"(");
                self.string(b"name");
                self.string(name.as_bytes());
                self.string(b"node");
                self.node(&path.join(&name))?;
                self.string(b")");
            }
        } else {
            return Err(io::Error::other(format!(
                "`{}` is neither a file, a folder nor a symlink",
                path.display()
            )));
        }
        self.string(b")");
        Ok(())
    }

    fn contents(&mut self, path: &Path, len: u64) -> io::Result<()> {
        self.hasher.update(len.to_le_bytes());
        let file = fs_err::File::open(path)?;
        let copied = io::copy(&mut file.take(len), &mut self.hasher)?;
        if copied != len {
            return Err(io::Error::other(format!(
                "`{}` changed while it was hashed",
                path.display()
            )));
        }
        self.padding(len);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_file_hashes_as_nix_hashes_it() {
        // `printf hi > f; nix hash path --type sha256 f` with Nix 2.8.0.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        fs_err::write(&file, "hi\n").unwrap();
        let mut permissions = fs_err::metadata(&file).unwrap().permissions();
        permissions.set_mode(0o644);
        fs_err::set_permissions(&file, permissions).unwrap();
        let folder = dir.path().join("a");
        fs_err::create_dir(&folder).unwrap();
        fs_err::rename(&file, folder.join("f")).unwrap();
        // The same tree as `/tmp/nixt` of FACTS: a folder `a` holding `f` ("hi\n").
        assert_eq!(
            nar_sri(dir.path()).unwrap(),
            "sha256-e5asbq0jX3cMJRDDO966+fiyGiVnXGxFSUGIbnIGVk4="
        );
    }
}
