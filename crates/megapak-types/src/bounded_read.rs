//! Reading a file with a size cap, the one way every megapak crate reads an input (pak files,
//! `megapak.toml`, flakes): `-r /dev/zero`, `--paks /dev/urandom` or a runaway generated file
//! must end in an error naming the file, not in memory growing until the system kills megapak.

use std::io::{self, Read};
use std::path::Path;

/// The most bytes read of one file unless [`MAX_FILE_SIZE_VARIABLE`] says otherwise:
/// 16 MiB, a hundred times the biggest real pak files.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 16 << 20;

/// The environment variable that raises (or lowers) the cap, in MiB: `MEGAPAK_MAX_FILE_MIB=64`.
pub const MAX_FILE_SIZE_VARIABLE: &str = "MEGAPAK_MAX_FILE_MIB";

/// The cap in bytes: [`MAX_FILE_SIZE_VARIABLE`] when it holds a whole number of MiB, else
/// [`DEFAULT_MAX_FILE_SIZE`].
pub fn max_file_size() -> u64 {
    std::env::var(MAX_FILE_SIZE_VARIABLE)
        .ok()
        .and_then(|mib| mib.trim().parse::<u64>().ok())
        .map_or(DEFAULT_MAX_FILE_SIZE, |mib| mib.saturating_mul(1 << 20))
}

/// The contents of `path`, at most `cap` bytes.
///
/// A regular file or a FIFO (`--paks <(generate)`) is read; a character or block device
/// (`/dev/zero`), a socket or a folder is refused before a byte is read. Past `cap` bytes the
/// read stops with [`io::ErrorKind::FileTooLarge`]. Errors name the path (through `fs-err`).
pub fn read_capped(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let file = fs_err::File::open(path)?;
    let metadata = file.metadata()?;
    if let Some(kind) = not_a_file(&metadata.file_type()) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{}` is {kind}, not a file", path.display()),
        ));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len().min(cap)).unwrap_or(0));
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!(
                "`{}` is larger than {}, the most megapak reads of one file",
                path.display(),
                size_in_words(cap)
            ),
        ));
    }
    Ok(bytes)
}

/// What a file type is, in words, when it is neither a regular file nor a FIFO.
fn not_a_file(file_type: &std::fs::FileType) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_char_device() {
        Some("a character device")
    } else if file_type.is_block_device() {
        Some("a block device")
    } else if file_type.is_socket() {
        Some("a socket")
    } else if file_type.is_dir() {
        Some("a folder")
    } else {
        None
    }
}

/// `16 MiB`, `512 KiB`, `100 bytes`.
pub(crate) fn size_in_words(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_character_device_is_refused_before_reading() {
        let error = read_capped(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(
            error.to_string(),
            "`/dev/zero` is a character device, not a file"
        );
    }

    #[test]
    fn a_file_past_the_cap_is_refused_naming_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.txt");
        std::fs::write(&path, vec![b'a'; 2048 + 1]).unwrap();
        let error = read_capped(&path, 2048).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::FileTooLarge);
        assert_eq!(
            error.to_string(),
            format!(
                "`{}` is larger than 2 KiB, the most megapak reads of one file",
                path.display()
            )
        );
        // Exactly the cap is fine.
        std::fs::write(&path, vec![b'a'; 2048]).unwrap();
        assert_eq!(read_capped(&path, 2048).unwrap().len(), 2048);
    }

    #[test]
    fn an_endless_fifo_stops_at_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        // A writer that never ends on its own: the reader must stop, then the writer sees a
        // broken pipe.
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                use std::io::Write;
                let mut file = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
                let chunk = [b'x'; 4096];
                while file.write_all(&chunk).is_ok() {}
            })
        };
        let error = read_capped(&fifo, 64 << 10).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::FileTooLarge);
        drop(error);
        writer.join().unwrap();
    }

    #[test]
    fn sizes_in_words() {
        assert_eq!(size_in_words(16 << 20), "16 MiB");
        assert_eq!(size_in_words(3 << 10), "3 KiB");
        assert_eq!(size_in_words(1000), "1000 bytes");
    }
}
