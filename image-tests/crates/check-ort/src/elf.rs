//! The `DT_NEEDED` entries of a shared library: which libraries it was linked against, read
//! from the file without loading it (loading `libonnxruntime_providers_cuda.so` needs every
//! CUDA library it names, which is what may be missing).
//!
//! 64-bit little-endian ELF only (x86-64 and aarch64 Linux): the ELF header gives the program
//! headers; `PT_DYNAMIC` holds the dynamic section, whose `DT_STRTAB` (a virtual address, mapped
//! to the file through the `PT_LOAD` that covers it) holds the names `DT_NEEDED` points into.

use std::path::Path;

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const DT_NULL: u64 = 0;
const DT_NEEDED: u64 = 1;
const DT_STRTAB: u64 = 5;

/// A file that is not a 64-bit little-endian ELF shared library this reader understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ElfError {
    #[error("`{0}` could not be read: {1}")]
    Read(String, String),
    #[error("not a 64-bit little-endian ELF file")]
    NotElf64,
    #[error("the ELF file is cut short or inconsistent ({0})")]
    Malformed(&'static str),
    #[error("the ELF file has no dynamic section")]
    NoDynamic,
}

/// The `DT_NEEDED` names of the library at `path`, in order.
pub fn needed_of(path: &Path) -> Result<Vec<String>, ElfError> {
    let bytes = std::fs::read(path)
        .map_err(|e| ElfError::Read(path.display().to_string(), e.to_string()))?;
    needed(&bytes)
}

/// The `DT_NEEDED` names of the ELF image `bytes`, in order.
pub fn needed(bytes: &[u8]) -> Result<Vec<String>, ElfError> {
    if bytes.get(..6) != Some(&[0x7F, b'E', b'L', b'F', 2, 1]) {
        return Err(ElfError::NotElf64);
    }
    let phoff = u64_at(bytes, 0x20)?;
    let phentsize = u64::from(u16_at(bytes, 0x36)?);
    let phnum = u64::from(u16_at(bytes, 0x38)?);
    // (type, offset, vaddr, filesz) of each program header.
    let headers = (0..phnum)
        .map(|i| {
            let at = usize_of(phoff + i * phentsize)?;
            Ok((
                u32_at(bytes, at)?,
                u64_at(bytes, at + 8)?,
                u64_at(bytes, at + 16)?,
                u64_at(bytes, at + 32)?,
            ))
        })
        .collect::<Result<Vec<_>, ElfError>>()?;
    let &(_, dyn_offset, _, dyn_size) = headers
        .iter()
        .find(|h| h.0 == PT_DYNAMIC)
        .ok_or(ElfError::NoDynamic)?;
    let mut needed_offsets = Vec::new();
    let mut strtab = None;
    for i in 0..dyn_size / 16 {
        let at = usize_of(dyn_offset + i * 16)?;
        let (tag, value) = (u64_at(bytes, at)?, u64_at(bytes, at + 8)?);
        match tag {
            DT_NULL => break,
            DT_NEEDED => needed_offsets.push(value),
            DT_STRTAB => strtab = Some(value),
            _ => {}
        }
    }
    let strtab = strtab.ok_or(ElfError::Malformed("no DT_STRTAB"))?;
    let strtab = headers
        .iter()
        .find(|&&(kind, _, vaddr, filesz)| {
            kind == PT_LOAD && vaddr <= strtab && strtab < vaddr + filesz
        })
        .map(|&(_, offset, vaddr, _)| strtab - vaddr + offset)
        .ok_or(ElfError::Malformed("DT_STRTAB outside every PT_LOAD"))?;
    needed_offsets
        .into_iter()
        .map(|name| {
            let start = usize_of(strtab + name)?;
            let rest = bytes
                .get(start..)
                .ok_or(ElfError::Malformed("DT_NEEDED past the end"))?;
            let end = rest
                .iter()
                .position(|&b| b == 0)
                .ok_or(ElfError::Malformed("unterminated name"))?;
            Ok(String::from_utf8_lossy(&rest[..end]).into_owned())
        })
        .collect()
}

fn usize_of(value: u64) -> Result<usize, ElfError> {
    usize::try_from(value).map_err(|_| ElfError::Malformed("offset too large"))
}

fn array<const N: usize>(bytes: &[u8], at: usize) -> Result<[u8; N], ElfError> {
    bytes
        .get(at..at + N)
        .and_then(|s| s.try_into().ok())
        .ok_or(ElfError::Malformed("read past the end"))
}

fn u16_at(bytes: &[u8], at: usize) -> Result<u16, ElfError> {
    array(bytes, at).map(u16::from_le_bytes)
}

fn u32_at(bytes: &[u8], at: usize) -> Result<u32, ElfError> {
    array(bytes, at).map(u32::from_le_bytes)
}

fn u64_at(bytes: &[u8], at: usize) -> Result<u64, ElfError> {
    array(bytes, at).map(u64::from_le_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_binary_needs_libc() {
        // This test binary is an ELF file that needs libc.
        let exe = std::env::current_exe().unwrap();
        let needed = needed_of(&exe).unwrap();
        assert!(
            needed.iter().any(|n| n.starts_with("libc.so")),
            "{needed:?}"
        );
    }

    #[test]
    fn other_files_are_refused_not_misread() {
        assert_eq!(needed(b"#!/bin/sh\n"), Err(ElfError::NotElf64));
        assert_eq!(needed(b""), Err(ElfError::NotElf64));
        let mut cut = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        cut.truncate(80);
        assert!(matches!(needed(&cut), Err(ElfError::Malformed(_))));
        assert!(matches!(
            needed_of(Path::new("/nonexistent/lib.so")),
            Err(ElfError::Read(..))
        ));
    }
}
