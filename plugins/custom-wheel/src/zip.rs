//! A wheel's zip archive, read through [`Ranged`]: the central directory from the end of the
//! file, then one member at a time, so that a remote wheel costs a few range requests.
//!
//! A small reader of its own rather than the `zip` crate, which wants the whole file behind
//! `Read + Seek`: here a member is found, bounded and streamed on its own. Bounds: at most
//! [`MAX_ENTRIES`] members, none that unpacks past [`MAX_MEMBER`] or its declared size (a zip bomb
//! lies about sizes), and a central directory of at most [`MAX_DIRECTORY`] bytes. ZIP64 records
//! are read (wheels over 4 GiB exist: torch's CUDA builds come near).

use std::io::{self, Read};

use flate2::read::DeflateDecoder;

use crate::error::Error;
use crate::fetch::Ranged;

/// The most members of a wheel.
pub const MAX_ENTRIES: u64 = 200_000;
/// The largest member, unpacked.
pub const MAX_MEMBER: u64 = 4 << 30;
/// The largest central directory.
const MAX_DIRECTORY: u64 = 64 << 20;

const END: u32 = 0x0605_4b50;
const END64: u32 = 0x0606_4b50;
const LOCATOR64: u32 = 0x0706_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const LOCAL: u32 = 0x0403_4b50;

/// A member, as the central directory lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its path in the archive.
    pub name: String,
    /// 0: stored, 8: deflated.
    method: u16,
    /// Bytes in the archive.
    pub compressed: u64,
    /// Bytes unpacked, as declared.
    pub size: u64,
    /// Where its local header is.
    offset: u64,
}

/// The members of an archive.
#[derive(Debug)]
pub struct Archive<'a> {
    source: &'a dyn Ranged,
    /// For messages.
    file: String,
    /// The members, in the directory's order.
    pub entries: Vec<Entry>,
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap_or_default())
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or_default())
}

impl<'a> Archive<'a> {
    /// Reads the central directory of `source`.
    pub fn open(source: &'a dyn Ranged, file: &str) -> Result<Self, Error> {
        let bad = |reason: &str| Error::Zip {
            file: file.to_owned(),
            reason: reason.to_owned(),
        };
        let size = source.size();
        let tail_len = size.min(65_557 + 20);
        let tail = source.read_at(size - tail_len, tail_len)?;
        let at = (0..tail.len().saturating_sub(21))
            .rev()
            .find(|&at| u32_at(&tail, at) == END)
            .ok_or_else(|| bad("no end of central directory record (truncated?)"))?;
        let end = &tail[at..];
        let mut count = u64::from(u16_at(end, 10));
        let mut directory_size = u64::from(u32_at(end, 12));
        let mut directory_offset = u64::from(u32_at(end, 16));
        if at >= 20 && u32_at(&tail, at - 20) == LOCATOR64 {
            let record_at = u64_at(&tail, at - 20 + 8);
            let record = source.read_at(record_at, 56)?;
            if record.len() < 56 || u32_at(&record, 0) != END64 {
                return Err(bad("a broken ZIP64 end record"));
            }
            count = u64_at(&record, 32);
            directory_size = u64_at(&record, 40);
            directory_offset = u64_at(&record, 48);
        }
        if count > MAX_ENTRIES {
            return Err(bad(&format!(
                "{count} members, over the limit of {MAX_ENTRIES}"
            )));
        }
        if directory_size > MAX_DIRECTORY || directory_offset.saturating_add(directory_size) > size
        {
            return Err(bad(
                "its central directory lies outside the file (truncated?)",
            ));
        }
        let directory = source.read_at(directory_offset, directory_size)?;
        let mut entries = Vec::new();
        let mut at = 0usize;
        while entries.len() as u64 != count {
            if at + 46 > directory.len() || u32_at(&directory, at) != CENTRAL {
                return Err(bad("a broken central directory entry"));
            }
            let header = &directory[at..];
            let name_len = usize::from(u16_at(header, 28));
            let extra_len = usize::from(u16_at(header, 30));
            let comment_len = usize::from(u16_at(header, 32));
            let name_end = 46 + name_len;
            if at + name_end + extra_len > directory.len() {
                return Err(bad("a broken central directory entry"));
            }
            let mut entry = Entry {
                name: String::from_utf8_lossy(&header[46..name_end]).into_owned(),
                method: u16_at(header, 10),
                compressed: u64::from(u32_at(header, 20)),
                size: u64::from(u32_at(header, 24)),
                offset: u64::from(u32_at(header, 42)),
            };
            zip64_sizes(&mut entry, &header[name_end..name_end + extra_len]);
            entries.push(entry);
            at += name_end + extra_len + comment_len;
        }
        Ok(Self {
            source,
            file: file.to_owned(),
            entries,
        })
    }

    /// The member called `name`.
    pub fn find(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|entry| entry.name == name)
    }

    /// The unpacked bytes of `entry`, at most `limit` of them.
    pub fn read(&self, entry: &Entry, limit: u64) -> Result<Vec<u8>, Error> {
        if entry.size > limit {
            return Err(self.bomb(entry, limit));
        }
        let mut bytes = Vec::new();
        self.stream(entry)?
            .read_to_end(&mut bytes)
            .map_err(|error| self.broken(entry, &error))?;
        Ok(bytes)
    }

    /// A stream of the unpacked bytes of `entry`, which fails past its declared size.
    pub fn stream(&self, entry: &Entry) -> Result<Box<dyn Read + '_>, Error> {
        if entry.size > MAX_MEMBER || entry.compressed > self.source.size() {
            return Err(self.bomb(entry, MAX_MEMBER));
        }
        let header = self.source.read_at(entry.offset, 30)?;
        if header.len() < 30 || u32_at(&header, 0) != LOCAL {
            return Err(Error::Zip {
                file: self.file.clone(),
                reason: format!("the local header of `{}` is missing", entry.name),
            });
        }
        let data =
            entry.offset + 30 + u64::from(u16_at(&header, 26)) + u64::from(u16_at(&header, 28));
        let raw = self.source.stream(data, entry.compressed)?;
        let unpacked: Box<dyn Read + '_> = match entry.method {
            0 => raw,
            8 => Box::new(DeflateDecoder::new(raw)),
            method => {
                return Err(Error::Zip {
                    file: self.file.clone(),
                    reason: format!(
                        "`{}` uses compression method {method}; wheels use deflate",
                        entry.name
                    ),
                });
            }
        };
        Ok(Box::new(Exact {
            inner: unpacked,
            left: entry.size,
            name: entry.name.clone(),
        }))
    }

    fn bomb(&self, entry: &Entry, limit: u64) -> Error {
        Error::ZipBomb {
            file: self.file.clone(),
            member: entry.name.clone(),
            limit,
        }
    }

    /// The error for a member whose stream failed.
    pub fn broken(&self, entry: &Entry, error: &io::Error) -> Error {
        if error.kind() == io::ErrorKind::FileTooLarge {
            return self.bomb(entry, entry.size);
        }
        Error::Zip {
            file: self.file.clone(),
            reason: format!("`{}` cannot be unpacked: {error}", entry.name),
        }
    }
}

/// The ZIP64 extra field (id 1) holds the sizes and offset that are `0xFFFFFFFF` in the header.
fn zip64_sizes(entry: &mut Entry, mut extra: &[u8]) {
    while extra.len() >= 4 {
        let id = u16_at(extra, 0);
        let len = usize::from(u16_at(extra, 2)).min(extra.len() - 4);
        if id == 1 {
            let mut field = &extra[4..4 + len];
            for value in [&mut entry.size, &mut entry.compressed, &mut entry.offset] {
                if *value == u64::from(u32::MAX) && field.len() >= 8 {
                    *value = u64_at(field, 0);
                    field = &field[8..];
                }
            }
        }
        extra = &extra[4 + len..];
    }
}

/// Gives exactly the declared number of bytes: more is a zip bomb, fewer a truncated member.
struct Exact<'r> {
    inner: Box<dyn Read + 'r>,
    left: u64,
    name: String,
}

impl Read for Exact<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::new(
                    io::ErrorKind::FileTooLarge,
                    format!("`{}` unpacks past its declared size", self.name),
                )),
            };
        }
        let want = buffer
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let read = self.inner.read(&mut buffer[..want])?;
        if read == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("`{}` ends {} bytes early", self.name, self.left),
            ));
        }
        self.left -= read as u64;
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An archive in memory.
    #[derive(Debug)]
    struct Bytes(Vec<u8>);

    impl Ranged for Bytes {
        fn size(&self) -> u64 {
            self.0.len() as u64
        }

        fn read_at(&self, offset: u64, len: u64) -> Result<Vec<u8>, Error> {
            let start = (offset as usize).min(self.0.len());
            let end = (offset.saturating_add(len) as usize).min(self.0.len());
            Ok(self.0[start..end].to_vec())
        }

        fn stream(&self, offset: u64, len: u64) -> Result<Box<dyn Read + '_>, Error> {
            Ok(Box::new(io::Cursor::new(self.read_at(offset, len)?)))
        }
    }

    fn push(out: &mut Vec<u8>, values: &[(u64, usize)]) {
        for (value, width) in values {
            out.extend_from_slice(&value.to_le_bytes()[..*width]);
        }
    }

    /// One stored member whose sizes and offset live only in ZIP64 records, as a writer that
    /// always uses ZIP64 leaves them.
    fn zip64(data: &[u8]) -> Vec<u8> {
        let name = b"pkg-1.0.dist-info/METADATA";
        let mut out = Vec::new();
        push(
            &mut out,
            &[
                (u64::from(LOCAL), 4),
                (45, 2),
                (0, 2),
                (0, 2),
                (0, 4),
                (0, 4),
            ],
        );
        push(
            &mut out,
            &[(u64::from(u32::MAX), 4), (u64::from(u32::MAX), 4)],
        );
        push(&mut out, &[(name.len() as u64, 2), (20, 2)]);
        out.extend_from_slice(name);
        push(
            &mut out,
            &[
                (1, 2),
                (16, 2),
                (data.len() as u64, 8),
                (data.len() as u64, 8),
            ],
        );
        out.extend_from_slice(data);
        let directory_at = out.len() as u64;
        push(
            &mut out,
            &[
                (u64::from(CENTRAL), 4),
                (45, 2),
                (45, 2),
                (0, 2),
                (0, 2),
                (0, 4),
                (0, 4),
            ],
        );
        push(
            &mut out,
            &[(u64::from(u32::MAX), 4), (u64::from(u32::MAX), 4)],
        );
        push(
            &mut out,
            &[
                (name.len() as u64, 2),
                (28, 2),
                (0, 2),
                (0, 2),
                (0, 2),
                (0, 4),
            ],
        );
        push(&mut out, &[(u64::from(u32::MAX), 4)]);
        out.extend_from_slice(name);
        push(
            &mut out,
            &[
                (1, 2),
                (24, 2),
                (data.len() as u64, 8),
                (data.len() as u64, 8),
                (0, 8),
            ],
        );
        let directory_len = out.len() as u64 - directory_at;
        let end64_at = out.len() as u64;
        push(
            &mut out,
            &[
                (u64::from(END64), 4),
                (44, 8),
                (45, 2),
                (45, 2),
                (0, 4),
                (0, 4),
            ],
        );
        push(
            &mut out,
            &[(1, 8), (1, 8), (directory_len, 8), (directory_at, 8)],
        );
        push(
            &mut out,
            &[(u64::from(LOCATOR64), 4), (0, 4), (end64_at, 8), (1, 4)],
        );
        push(
            &mut out,
            &[
                (u64::from(END), 4),
                (0, 2),
                (0, 2),
                (0xFFFF, 2),
                (0xFFFF, 2),
            ],
        );
        push(
            &mut out,
            &[(u64::from(u32::MAX), 4), (u64::from(u32::MAX), 4), (0, 2)],
        );
        out
    }

    #[test]
    fn reads_a_member_whose_sizes_are_only_in_zip64_records() {
        let source = Bytes(zip64(b"Name: pkg\nVersion: 1.0\n"));
        let archive = Archive::open(&source, "pkg-1.0-py3-none-any.whl").unwrap();
        let entry = archive.find("pkg-1.0.dist-info/METADATA").unwrap();
        assert_eq!((entry.size, entry.compressed), (23, 23));
        assert_eq!(
            archive.read(entry, 1 << 20).unwrap(),
            b"Name: pkg\nVersion: 1.0\n"
        );
    }

    #[test]
    fn a_truncated_archive_is_named_as_such() {
        let mut bytes = zip64(b"Name: pkg\nVersion: 1.0\n");
        bytes.truncate(bytes.len() - 30);
        let error = Archive::open(&Bytes(bytes), "pkg-1.0-py3-none-any.whl").unwrap_err();
        insta::assert_snapshot!(error, @"`pkg-1.0-py3-none-any.whl` is not a readable wheel: no end of central directory record (truncated?)");
    }
}
