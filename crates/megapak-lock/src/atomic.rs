//! Writing a file so that a reader sees the old contents or the new, never half of them: a
//! temporary file in the same folder (so the rename stays on one file system), written, synced,
//! renamed over the target, and the folder synced. On any error or panic the temporary file is
//! removed and the previous file is untouched.
//!
//! The lock uses it, and so does the Nix emitter for its files.

use std::fs::File;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// Replaces `path` with `contents` atomically.
///
/// A symbolic link at `path` is written through: its target is replaced, the link stays.
pub fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    write_atomically_with(path, |file| file.write_all(contents))
}

/// Replaces `path` with what `write` writes into a temporary file, atomically: if `write`
/// returns an error or panics, the temporary file is removed and `path` is left as it was.
pub fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    let target = through_symlinks(path)?;
    let folder = match target.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{}` does not name a file", path.display()),
            )
        })?
        .to_string_lossy()
        .into_owned();
    // Dropped (and so removed) on every early return and on unwinding.
    let mut temporary = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(&folder)?;
    write(temporary.as_file_mut())?;
    temporary.as_file_mut().flush()?;
    set_permissions(temporary.as_file(), &target)?;
    temporary.as_file().sync_all()?;
    temporary.persist(&target).map_err(|error| error.error)?;
    sync_folder(&folder)
}

/// The file a chain of symbolic links at `path` ends at; `path` itself when it is no link.
fn through_symlinks(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    // Bounded as the kernel bounds link chains (ELOOP after 40).
    for _ in 0..40 {
        match fs_err::symlink_metadata(&current) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                let link = fs_err::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) => parent.join(link),
                    None => link,
                };
            }
            Ok(_) => return Ok(current),
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(current),
            Err(error) => return Err(error),
        }
    }
    Err(io::Error::other(format!(
        "Too many symbolic links at `{}`",
        path.display()
    )))
}

/// The previous file's permissions, or `0644` for a new one (temporary files start at `0600`).
#[cfg(unix)]
fn set_permissions(file: &File, target: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;

    let permissions = match std::fs::metadata(target) {
        Ok(metadata) => metadata.permissions(),
        Err(_) => std::fs::Permissions::from_mode(0o644),
    };
    file.set_permissions(permissions)
}

#[cfg(not(unix))]
fn set_permissions(_file: &File, _target: &Path) -> io::Result<()> {
    Ok(())
}

/// Makes the rename durable: without it a crash may forget the new directory entry.
#[cfg(unix)]
fn sync_folder(folder: &Path) -> io::Result<()> {
    fs_err::File::open(folder)?.sync_all()
}

#[cfg(not(unix))]
fn sync_folder(_folder: &Path) -> io::Result<()> {
    Ok(())
}
