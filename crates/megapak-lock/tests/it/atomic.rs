//! The atomic writer: an interrupted write leaves the previous lock intact and no temporary file.

use std::io::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use megapak_lock::{write_atomically, write_atomically_with};

use crate::small_lock;

/// The names in `folder`, sorted.
fn listing(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs_err::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_write_that_fails_half_way_leaves_the_previous_lock() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("megapak.lock");
    let lock = small_lock();
    lock.write_atomically(&path).unwrap();
    let before = fs_err::read(&path).unwrap();

    let error = write_atomically_with(&path, |file| {
        file.write_all(&before[..before.len() / 2])?;
        Err(std::io::Error::other("disk full"))
    })
    .unwrap_err();
    assert_eq!(error.to_string(), "disk full");
    assert_eq!(fs_err::read(&path).unwrap(), before);
    assert_eq!(listing(folder.path()), ["megapak.lock"]);
}

#[test]
fn a_panic_half_way_leaves_the_previous_lock() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("megapak.lock");
    fs_err::write(&path, "previous").unwrap();

    let outcome = catch_unwind(AssertUnwindSafe(|| {
        write_atomically_with(&path, |file| {
            file.write_all(b"half of a new")?;
            panic!("interrupted");
        })
    }));
    assert!(outcome.is_err());
    assert_eq!(fs_err::read_to_string(&path).unwrap(), "previous");
    assert_eq!(listing(folder.path()), ["megapak.lock"]);
}

#[test]
fn a_lock_written_twice_is_the_same_bytes_and_reads_back() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("megapak.lock");
    let lock = small_lock();
    lock.write_atomically(&path).unwrap();
    let first = fs_err::read(&path).unwrap();
    lock.write_atomically(&path).unwrap();
    assert_eq!(fs_err::read(&path).unwrap(), first);
    assert_eq!(megapak_lock::Lock::read(&path).unwrap(), lock);
    assert_eq!(listing(folder.path()), ["megapak.lock"]);
}

#[test]
fn a_folder_that_does_not_exist_is_an_error_and_creates_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("missing/megapak.lock");
    let error = small_lock().write_atomically(&path).unwrap_err();
    assert!(
        error.to_string().starts_with("Cannot write the lock `"),
        "{error}"
    );
    assert!(listing(folder.path()).is_empty());
}

#[cfg(unix)]
#[test]
fn a_symlink_is_written_through_and_permissions_are_kept() {
    use std::os::unix::fs::PermissionsExt as _;

    let folder = tempfile::tempdir().unwrap();
    let real = folder.path().join("real.lock");
    fs_err::write(&real, "old").unwrap();
    fs_err::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
    let link = folder.path().join("megapak.lock");
    std::os::unix::fs::symlink("real.lock", &link).unwrap();

    write_atomically(&link, b"new").unwrap();
    assert!(
        fs_err::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs_err::read_to_string(&real).unwrap(), "new");
    let mode = fs_err::metadata(&real).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);

    let fresh = folder.path().join("fresh.lock");
    write_atomically(&fresh, b"x").unwrap();
    let mode = fs_err::metadata(&fresh).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
}
