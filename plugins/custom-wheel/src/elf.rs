//! The `DT_NEEDED` entries of an ELF shared library, read from a stream.
//!
//! A wheel member is deflated: it can only be read from its start. The dynamic section of a big
//! library (`libonnxruntime_providers_cuda.so`: 284 MB) lies near its end, behind the code, so the
//! reader streams the member once and keeps only what it needs: the first [`PREFIX`] bytes (the
//! ELF header, the program headers and, with every common linker, `.dynstr`), the dynamic
//! segment, and the string table when it comes later. A string table before the dynamic segment
//! but past the prefix needs a second pass over the member; `reopen` gives it.
//!
//! The ELF structures are read with the `object` crate, over a [`Sparse`] file of those pieces.

use std::io::{self, Read};
use std::ops::Range;

use object::elf;
use object::read::elf::{Dyn, FileHeader, ProgramHeader};
use object::read::{ReadRef, StringTable};
use object::{Endianness, FileKind};

/// How much of the start of a library is kept: headers and, in practice, `.dynstr`.
const PREFIX: u64 = 16 << 20;
/// The largest dynamic segment or string table read.
const MAX_TABLE: u64 = 64 << 20;

/// Why a library's dependencies could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ElfError {
    /// The member could not be read (a truncated download, a corrupt deflate stream).
    #[error("{0}")]
    Read(#[from] io::Error),
    /// The ELF structures are inconsistent.
    #[error("Malformed ELF file: {0}")]
    Malformed(String),
}

/// What an ELF file's dynamic segment says of its links.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dynamic {
    /// `DT_SONAME`, for a shared library that has one.
    pub soname: Option<String>,
    /// `DT_NEEDED`, in file order.
    pub needed: Vec<String>,
}

/// The libraries an ELF file names in `DT_NEEDED` and its own `DT_SONAME`; `None` when it is not
/// an ELF file. `open` gives the member's bytes from its start; it is called a second time only when the
/// string table lies out of the first pass's reach.
pub fn needed_libraries<R: Read>(
    mut open: impl FnMut() -> io::Result<R>,
) -> Result<Option<Dynamic>, ElfError> {
    let mut stream = Stream::new(open()?);
    let prefix = stream.read_up_to(PREFIX)?;
    if !prefix.starts_with(&elf::ELFMAG) {
        return Ok(None);
    }
    let mut sparse = Sparse::default();
    sparse.pieces.push((0, prefix));
    let plan =
        match FileKind::parse(sparse.first()).map_err(|e| ElfError::Malformed(e.to_string()))? {
            FileKind::Elf32 => plan::<elf::FileHeader32<Endianness>>(&sparse)?,
            FileKind::Elf64 => plan::<elf::FileHeader64<Endianness>>(&sparse)?,
            _ => return Err(ElfError::Malformed("not a 32- or 64-bit ELF file".into())),
        };
    let Some(dynamic) = plan else {
        // No dynamic segment: a static object needs nothing.
        return Ok(Some(Dynamic::default()));
    };
    if !sparse.covers(&dynamic) {
        let bytes = stream.read_range(&dynamic)?;
        sparse.pieces.push((dynamic.start, bytes));
    }
    let strings = match FileKind::parse(sparse.first()).map_err(malformed)? {
        FileKind::Elf32 => strtab::<elf::FileHeader32<Endianness>>(&sparse)?,
        _ => strtab::<elf::FileHeader64<Endianness>>(&sparse)?,
    };
    if !sparse.covers(&strings) {
        let bytes = if strings.start >= stream.position {
            stream.read_range(&strings)?
        } else {
            Stream::new(open()?).read_range(&strings)?
        };
        sparse.pieces.push((strings.start, bytes));
    }
    match FileKind::parse(sparse.first()).map_err(malformed)? {
        FileKind::Elf32 => needed::<elf::FileHeader32<Endianness>>(&sparse, strings),
        _ => needed::<elf::FileHeader64<Endianness>>(&sparse, strings),
    }
    .map(Some)
}

fn malformed(error: object::read::Error) -> ElfError {
    ElfError::Malformed(error.to_string())
}

/// The file range of the dynamic segment, if any.
fn plan<H: FileHeader<Endian = Endianness>>(
    sparse: &Sparse,
) -> Result<Option<Range<u64>>, ElfError> {
    let (header, endian) = header::<H>(sparse)?;
    let segments = header
        .program_headers(endian, sparse)
        .map_err(|_| ElfError::Malformed("the program headers lie past the first 16 MiB".into()))?;
    let Some(dynamic) = segments
        .iter()
        .find(|segment| segment.p_type(endian) == elf::PT_DYNAMIC)
    else {
        return Ok(None);
    };
    let (offset, size) = dynamic.file_range(endian);
    bounded(offset, size, "dynamic segment").map(Some)
}

fn header<H: FileHeader<Endian = Endianness>>(
    sparse: &Sparse,
) -> Result<(&H, Endianness), ElfError> {
    let header = H::parse(sparse).map_err(malformed)?;
    let endian = header.endian().map_err(malformed)?;
    Ok((header, endian))
}

fn bounded(offset: u64, size: u64, what: &str) -> Result<Range<u64>, ElfError> {
    if size > MAX_TABLE {
        return Err(ElfError::Malformed(format!(
            "its {what} is {size} bytes, over the limit of {MAX_TABLE}"
        )));
    }
    let end = offset
        .checked_add(size)
        .ok_or_else(|| ElfError::Malformed(format!("its {what} lies past the end of the file")))?;
    Ok(offset..end)
}

/// The dynamic entries, the program headers and the byte order of a file.
type DynamicParts<'a, H> = (
    &'a [<H as FileHeader>::Dyn],
    &'a [<H as FileHeader>::ProgramHeader],
    Endianness,
);

fn dynamic_entries<H: FileHeader<Endian = Endianness>>(
    sparse: &Sparse,
) -> Result<DynamicParts<'_, H>, ElfError> {
    let (header, endian) = header::<H>(sparse)?;
    let segments = header.program_headers(endian, sparse).map_err(malformed)?;
    for segment in segments {
        if let Some(entries) = segment.dynamic(endian, sparse).map_err(malformed)? {
            return Ok((entries, segments, endian));
        }
    }
    Err(ElfError::Malformed("no dynamic segment".into()))
}

/// The file range of `.dynstr`, from `DT_STRTAB` (an address) and `DT_STRSZ`.
fn strtab<H: FileHeader<Endian = Endianness>>(sparse: &Sparse) -> Result<Range<u64>, ElfError> {
    let (entries, segments, endian) = dynamic_entries::<H>(sparse)?;
    let value = |tag: u32| {
        entries
            .iter()
            .find(|entry| entry.tag32(endian) == Some(tag))
            .map(|entry| entry.d_val(endian).into())
    };
    let (Some(address), Some(size)) = (value(elf::DT_STRTAB), value(elf::DT_STRSZ)) else {
        return Err(ElfError::Malformed(
            "its dynamic segment has no `DT_STRTAB` or `DT_STRSZ`".into(),
        ));
    };
    // The address is a virtual one: find the loaded segment that holds it.
    let offset = segments
        .iter()
        .filter(|segment| segment.p_type(endian) == elf::PT_LOAD)
        .find_map(|segment| {
            let start: u64 = segment.p_vaddr(endian).into();
            let file_size: u64 = segment.p_filesz(endian).into();
            (address >= start && address - start < file_size)
                .then(|| segment.p_offset(endian).into() + (address - start))
        })
        .ok_or_else(|| ElfError::Malformed("its `DT_STRTAB` is in no loaded segment".into()))?;
    bounded(offset, size, "string table")
}

fn needed<H: FileHeader<Endian = Endianness>>(
    sparse: &Sparse,
    strings: Range<u64>,
) -> Result<Dynamic, ElfError> {
    let (entries, _, endian) = dynamic_entries::<H>(sparse)?;
    let table = StringTable::new(sparse, strings.start, strings.end);
    let mut dynamic = Dynamic::default();
    for entry in entries {
        let tag = entry.tag32(endian);
        if tag == Some(elf::DT_NULL) {
            break;
        }
        if tag != Some(elf::DT_NEEDED) && tag != Some(elf::DT_SONAME) {
            continue;
        }
        let offset = entry
            .val32(endian)
            .ok_or_else(|| ElfError::Malformed("a name offset past 4 GiB".into()))?;
        let name = table.get(offset).map_err(|()| {
            ElfError::Malformed(format!(
                "the name at {offset} of its string table is unreadable"
            ))
        })?;
        let name = String::from_utf8_lossy(name).into_owned();
        if tag == Some(elf::DT_NEEDED) {
            dynamic.needed.push(name);
        } else {
            dynamic.soname = Some(name);
        }
    }
    Ok(dynamic)
}

/// A member read from its start, never backwards.
struct Stream<R> {
    inner: R,
    position: u64,
}

impl<R: Read> Stream<R> {
    fn new(inner: R) -> Self {
        Self { inner, position: 0 }
    }

    /// Up to `limit` bytes from the current position; fewer at the end of the member.
    fn read_up_to(&mut self, limit: u64) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        (&mut self.inner).take(limit).read_to_end(&mut bytes)?;
        self.position += bytes.len() as u64;
        Ok(bytes)
    }

    /// Exactly `range`, which starts at or after the current position.
    fn read_range(&mut self, range: &Range<u64>) -> Result<Vec<u8>, ElfError> {
        let skip = range.start - self.position;
        let skipped = io::copy(&mut (&mut self.inner).take(skip), &mut io::sink())?;
        self.position += skipped;
        let bytes = self.read_up_to(range.end - range.start)?;
        if skipped < skip || (bytes.len() as u64) < range.end - range.start {
            return Err(ElfError::Malformed(format!(
                "the file ends before byte {}",
                range.end
            )));
        }
        Ok(bytes)
    }
}

/// Some pieces of a file, at their offsets: what `object` reads here.
#[derive(Default)]
struct Sparse {
    pieces: Vec<(u64, Vec<u8>)>,
}

impl Sparse {
    fn first(&self) -> &[u8] {
        &self.pieces[0].1
    }

    fn covers(&self, range: &Range<u64>) -> bool {
        range.is_empty() || self.slice(range.start, range.end - range.start).is_some()
    }

    fn slice(&self, offset: u64, size: u64) -> Option<&[u8]> {
        self.pieces.iter().find_map(|(start, bytes)| {
            let begin = offset.checked_sub(*start)?;
            let end = begin.checked_add(size)?;
            (end <= bytes.len() as u64).then(|| &bytes[begin as usize..end as usize])
        })
    }
}

impl<'a> ReadRef<'a> for &'a Sparse {
    fn len(self) -> Result<u64, ()> {
        Ok(u64::MAX)
    }

    fn read_bytes_at(self, offset: u64, size: u64) -> Result<&'a [u8], ()> {
        self.slice(offset, size).ok_or(())
    }

    fn read_bytes_at_until(self, range: Range<u64>, delimiter: u8) -> Result<&'a [u8], ()> {
        let (start, bytes) = self
            .pieces
            .iter()
            .find(|(start, bytes)| {
                range.start >= *start && range.start < start + bytes.len() as u64
            })
            .ok_or(())?;
        let end = range.end.min(start + bytes.len() as u64);
        let slice = &bytes[(range.start - start) as usize..(end - start) as usize];
        let at = slice.iter().position(|b| *b == delimiter).ok_or(())?;
        Ok(&slice[..at])
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal 64-bit little-endian shared library: header, two program headers (a load
    /// segment and the dynamic one), the string table at `strtab_at`, the dynamic segment at
    /// `dynamic_at`.
    pub(crate) fn tiny_library(needed: &[&str], strtab_at: usize, dynamic_at: usize) -> Vec<u8> {
        let mut strings = vec![0u8];
        let mut offsets = Vec::new();
        for name in needed {
            offsets.push(strings.len() as u64);
            strings.extend_from_slice(name.as_bytes());
            strings.push(0);
        }
        let mut dynamic = Vec::new();
        for offset in &offsets {
            dynamic.extend_from_slice(&u64::from(elf::DT_NEEDED).to_le_bytes());
            dynamic.extend_from_slice(&offset.to_le_bytes());
        }
        for (tag, value) in [
            (elf::DT_STRTAB, strtab_at as u64),
            (elf::DT_STRSZ, strings.len() as u64),
            (elf::DT_NULL, 0),
        ] {
            dynamic.extend_from_slice(&u64::from(tag).to_le_bytes());
            dynamic.extend_from_slice(&value.to_le_bytes());
        }
        let size = (strtab_at + strings.len()).max(dynamic_at + dynamic.len());
        let mut file = vec![0u8; size];
        let mut header = vec![0x7f, b'E', b'L', b'F', 2, 1, 1, 0];
        header.resize(16, 0);
        header.extend_from_slice(&3u16.to_le_bytes()); // ET_DYN
        header.extend_from_slice(&62u16.to_le_bytes()); // x86-64
        header.extend_from_slice(&1u32.to_le_bytes());
        header.extend_from_slice(&0u64.to_le_bytes()); // entry
        header.extend_from_slice(&64u64.to_le_bytes()); // phoff
        header.extend_from_slice(&0u64.to_le_bytes()); // shoff
        header.extend_from_slice(&0u32.to_le_bytes());
        header.extend_from_slice(&64u16.to_le_bytes()); // ehsize
        header.extend_from_slice(&56u16.to_le_bytes()); // phentsize
        header.extend_from_slice(&2u16.to_le_bytes()); // phnum
        header.extend_from_slice(&[0; 6]);
        let segment = |kind: u32, offset: u64, length: u64| {
            let mut bytes = Vec::new();
            bytes.extend_from_slice(&kind.to_le_bytes());
            bytes.extend_from_slice(&4u32.to_le_bytes());
            for value in [offset, offset, offset, length, length, 8] {
                bytes.extend_from_slice(&value.to_le_bytes());
            }
            bytes
        };
        header.extend(segment(elf::PT_LOAD, 0, size as u64));
        header.extend(segment(
            elf::PT_DYNAMIC,
            dynamic_at as u64,
            dynamic.len() as u64,
        ));
        file[..header.len()].copy_from_slice(&header);
        file[strtab_at..strtab_at + strings.len()].copy_from_slice(&strings);
        file[dynamic_at..dynamic_at + dynamic.len()].copy_from_slice(&dynamic);
        file
    }

    fn read(file: &[u8]) -> (Option<Vec<String>>, usize) {
        let mut opened = 0;
        let dynamic = needed_libraries(|| {
            opened += 1;
            Ok(file)
        })
        .unwrap();
        (dynamic.map(|dynamic| dynamic.needed), opened)
    }

    #[test]
    fn reads_the_needed_names_in_one_pass_when_the_strings_come_first() {
        let file = tiny_library(&["libcudart.so.13", "libc.so.6"], 512, 1024);
        assert_eq!(
            read(&file),
            (Some(vec!["libcudart.so.13".into(), "libc.so.6".into()]), 1)
        );
    }

    #[test]
    fn reads_strings_and_dynamic_segment_far_past_the_prefix() {
        let far = PREFIX as usize + 4096;
        // Strings after the dynamic segment: still one pass.
        let file = tiny_library(&["libcuda.so.1"], far + 4096, far);
        assert_eq!(read(&file), (Some(vec!["libcuda.so.1".into()]), 1));
        // Strings before the dynamic segment and past the prefix: a second pass.
        let file = tiny_library(&["libcuda.so.1"], far, far + 4096);
        assert_eq!(read(&file), (Some(vec!["libcuda.so.1".into()]), 2));
    }

    #[test]
    fn a_file_that_is_not_elf_is_none_and_a_truncated_one_an_error() {
        assert_eq!(read(b"#!/bin/sh\n"), (None, 1));
        let file = tiny_library(&["libcuda.so.1"], PREFIX as usize + 100, PREFIX as usize);
        let cut = &file[..file.len() - 20];
        let error = needed_libraries(|| Ok(cut)).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("Malformed ELF file: the file ends"),
            "{error}"
        );
    }
}
