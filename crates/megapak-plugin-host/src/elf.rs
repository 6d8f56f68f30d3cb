//! A look at a file's ELF header before `dlopen`, to say plainly why a file is no plugin: "not a
//! shared library", "built for `aarch64`", rather than the loader's terse message. `dlopen` also
//! runs a library's initialisers, so refusing early runs less foreign code.

use std::io::Read;
use std::path::Path;

use crate::error::LoadError;

const MAGIC: &[u8; 4] = b"\x7fELF";
const ET_DYN: u16 = 3;

/// Checks that `path` is an ELF shared library for this process's architecture.
pub(crate) fn check(path: &Path) -> Result<(), LoadError> {
    // Through symlinks; before opening, since opening a FIFO waits for a writer.
    let metadata = fs_err::metadata(path).map_err(LoadError::Read)?;
    if !metadata.is_file() {
        return Err(LoadError::NotAFile {
            kind: file_kind(&metadata.file_type()),
        });
    }
    let mut header = [0_u8; 20];
    let mut file = fs_err::File::open(path).map_err(LoadError::Read)?;
    let read = read_up_to(&mut file, &mut header).map_err(LoadError::Read)?;
    check_header(&header[..read])
}

fn file_kind(file_type: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_dir() {
        "directory"
    } else if file_type.is_fifo() {
        "FIFO"
    } else if file_type.is_socket() {
        "socket"
    } else if file_type.is_block_device() || file_type.is_char_device() {
        "device"
    } else {
        "special file"
    }
}

fn read_up_to(file: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// The checks on the first 20 bytes: magic, class, byte order, type, machine.
fn check_header(header: &[u8]) -> Result<(), LoadError> {
    if header.len() < 20 || &header[..4] != MAGIC {
        return Err(LoadError::NotElf);
    }
    let bits = match header[4] {
        1 => 32,
        2 => 64,
        _ => return Err(LoadError::NotElf),
    };
    let file_little_endian = match header[5] {
        1 => true,
        2 => false,
        _ => return Err(LoadError::NotElf),
    };
    let read_u16 = |at: usize| {
        let bytes = [header[at], header[at + 1]];
        if file_little_endian {
            u16::from_le_bytes(bytes)
        } else {
            u16::from_be_bytes(bytes)
        }
    };
    let kind = read_u16(16);
    let machine = read_u16(18);
    let host_bits = usize::BITS;
    let host_little_endian = cfg!(target_endian = "little");
    if let Some(expected) = host_machine()
        && (machine != expected || bits != host_bits || file_little_endian != host_little_endian)
    {
        let mut found = machine_name(machine, bits);
        if machine == expected {
            // Same machine, other word size or byte order: say which, or both names read alike.
            let order = if file_little_endian { "little" } else { "big" };
            found = format!("{found}, {bits}-bit {order}-endian");
        }
        return Err(LoadError::ForeignArchitecture {
            found,
            expected: std::env::consts::ARCH,
        });
    }
    if kind != ET_DYN {
        return Err(LoadError::NotSharedObject {
            kind: match kind {
                1 => "relocatable object",
                2 => "executable",
                4 => "core dump",
                _ => "file of unknown type",
            },
        });
    }
    Ok(())
}

/// The `e_machine` of this process's architecture, where known.
fn host_machine() -> Option<u16> {
    Some(match std::env::consts::ARCH {
        "x86" => 3,
        "x86_64" => 62,
        "arm" => 40,
        "aarch64" => 183,
        "powerpc" => 20,
        "powerpc64" => 21,
        "s390x" => 22,
        "riscv64" => 243,
        "loongarch64" => 258,
        _ => return None,
    })
}

fn machine_name(machine: u16, bits: u32) -> String {
    let name = match (machine, bits) {
        (3, _) => "x86",
        (62, 64) => "x86_64",
        (62, _) => "x32",
        (40, _) => "arm",
        (183, _) => "aarch64",
        (20, _) => "powerpc",
        (21, _) => "powerpc64",
        (22, _) => "s390x",
        (243, 64) => "riscv64",
        (243, _) => "riscv32",
        (258, _) => "loongarch64",
        (8, _) => "mips",
        _ => return format!("ELF machine {machine}, {bits}-bit"),
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(class: u8, kind: u16, machine: u16) -> Vec<u8> {
        let mut bytes = b"\x7fELF".to_vec();
        bytes.extend([class, 1, 1, 0]);
        bytes.extend([0; 8]);
        bytes.extend(kind.to_le_bytes());
        bytes.extend(machine.to_le_bytes());
        bytes
    }

    #[test]
    fn each_kind_of_file_gets_its_own_reason() {
        let own = host_machine().unwrap();
        let reason = |bytes: &[u8]| match check_header(bytes) {
            Ok(()) => "ok".to_owned(),
            Err(err) => err.to_string(),
        };
        assert_eq!(reason(&header(2, ET_DYN, own)), "ok");
        assert_eq!(
            reason(b"#!/bin/sh\necho not a library\n"),
            "is not a shared library (it has no ELF header)"
        );
        assert_eq!(
            reason(&header(2, 2, own)),
            "is not a shared library (it is an ELF executable)"
        );
        let foreign = if own == 183 { 62 } else { 183 };
        assert!(
            reason(&header(2, ET_DYN, foreign)).starts_with("is built for another architecture")
        );
        assert!(reason(&header(1, ET_DYN, 3)).starts_with("is built for another architecture"));
        let mut big_endian = header(2, ET_DYN, 0);
        big_endian[5] = 2;
        big_endian[18..20].copy_from_slice(&own.to_be_bytes());
        assert_eq!(
            reason(&big_endian),
            format!(
                "is built for another architecture (`{}, 64-bit big-endian`), but this megapak runs on `{}`",
                std::env::consts::ARCH,
                std::env::consts::ARCH
            )
        );
        let mut no_byte_order = header(2, ET_DYN, own);
        no_byte_order[5] = 0;
        assert_eq!(
            reason(&no_byte_order),
            "is not a shared library (it has no ELF header)"
        );
    }

    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("libmegapak_plugin_fifo.so");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("`mkfifo` runs");
        assert!(made.success());
        assert_eq!(
            check(&fifo).unwrap_err().to_string(),
            "is not a regular file (it is a FIFO)"
        );
        assert_eq!(
            check(dir.path()).unwrap_err().to_string(),
            "is not a regular file (it is a directory)"
        );
    }
}
