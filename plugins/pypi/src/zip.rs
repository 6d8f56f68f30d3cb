//! Just enough of the zip format to read a wheel (or a zip sdist) through a [`RangeSource`]: the
//! end of central directory (zip64 too), the central directory, and one member, stored or
//! deflated. Written here rather than through the `zip` crate because the reads must be few and
//! exact (each one may be an HTTP request), not the `Read + Seek` pattern a general reader uses.

use std::io::Read;

use flate2::read::DeflateDecoder;

use crate::error::PypiError;
use crate::remote::RangeSource;

/// One file of the central directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its path in the archive.
    pub name: String,
    method: u16,
    compressed: u64,
    uncompressed: u64,
    local_offset: u64,
}

/// The end of central directory and its comment fit in this many bytes.
const MAX_EOCD: u64 = 22 + 65_535;

/// The central directory of `source`, reading its tail first (`tail` bytes, which a remote file
/// already holds).
pub fn entries(source: &mut dyn RangeSource, tail: u64) -> Result<Vec<Entry>, PypiError> {
    entries_for(source, tail, u64::MAX, &|_| false).map(|(entries, _)| entries)
}

/// Like [`entries`], but when the directory is larger than `partial_above` bytes, not all in
/// the tail, and the part that is holds an entry `wanted` accepts, only that part is returned
/// (`false`: incomplete), sparing the request for the rest: a wheel's `*.dist-info` entries
/// come last, and torch's directory alone is over a megabyte.
pub fn entries_for(
    source: &mut dyn RangeSource,
    tail: u64,
    partial_above: u64,
    wanted: &dyn Fn(&str) -> bool,
) -> Result<(Vec<Entry>, bool), PypiError> {
    let size = source.size();
    let filename = source.filename().to_owned();
    let bad = |message: &str| PypiError::BadZip {
        filename: filename.clone(),
        message: message.to_owned(),
    };
    let mut tail_start = size.saturating_sub(tail.min(size));
    let mut end = source.read_at(tail_start, size - tail_start)?;
    let mut at = find_eocd(&end);
    if at.is_none() && tail_start > 0 {
        tail_start = size.saturating_sub(MAX_EOCD.min(size));
        end = source.read_at(tail_start, size - tail_start)?;
        at = find_eocd(&end);
    }
    let at = at.ok_or_else(|| bad("no end of central directory"))?;
    let eocd = &end[at..];
    let mut count = u64::from(u16_at(eocd, 10));
    let mut cd_size = u64::from(u32_at(eocd, 12));
    let mut cd_offset = u64::from(u32_at(eocd, 16));
    if cd_offset == 0xFFFF_FFFF || cd_size == 0xFFFF_FFFF || count == 0xFFFF {
        // Zip64: the locator sits just before the end record and points at the zip64 record.
        if at < 20 || u32_at(&end, at - 20) != 0x0706_4b50 {
            return Err(bad("zip64 sizes without a zip64 locator"));
        }
        let record_offset = u64_at(&end, at - 20 + 8);
        let record = source.read_at(record_offset, 56)?;
        if record.len() < 56 || u32_at(&record, 0) != 0x0606_4b50 {
            return Err(bad("no zip64 end of central directory"));
        }
        count = u64_at(&record, 32);
        cd_size = u64_at(&record, 40);
        cd_offset = u64_at(&record, 48);
    }
    if cd_offset
        .checked_add(cd_size)
        .is_none_or(|cd_end| cd_end > size)
    {
        return Err(bad("the central directory lies past the end of the file"));
    }
    let directory = if cd_offset >= tail_start {
        let from = (cd_offset - tail_start) as usize;
        end[from..from + cd_size as usize].to_vec()
    } else {
        let cd_end = ((cd_offset + cd_size).saturating_sub(tail_start) as usize).min(end.len());
        if cd_size > partial_above {
            let partial = scan_entries(&end[..cd_end]);
            if partial.iter().any(|entry| wanted(&entry.name)) {
                return Ok((partial, false));
            }
        }
        source.read_at(cd_offset, cd_size)?
    };
    parse_directory(&directory, count)
        .map(|entries| (entries, true))
        .map_err(|message| bad(&message))
}

/// The whole entries of a directory's end: from the first entry signature that starts a run of
/// entries reaching exactly the end of `bytes` (a signature inside a name or an extra field
/// does not).
fn scan_entries(bytes: &[u8]) -> Vec<Entry> {
    let starts = (0..bytes.len().saturating_sub(46))
        .filter(|&i| bytes[i..i + 4] == [0x50, 0x4b, 0x01, 0x02]);
    for start in starts {
        let rest = &bytes[start..];
        let mut at = 0;
        let mut count = 0u64;
        while at + 46 <= rest.len() && u32_at(rest, at) == 0x0201_4b50 {
            at += 46
                + usize::from(u16_at(rest, at + 28))
                + usize::from(u16_at(rest, at + 30))
                + usize::from(u16_at(rest, at + 32));
            count += 1;
        }
        if at == rest.len()
            && let Ok(entries) = parse_directory(rest, count)
        {
            return entries;
        }
    }
    Vec::new()
}

fn find_eocd(bytes: &[u8]) -> Option<usize> {
    (0..bytes.len().saturating_sub(21))
        .rev()
        .find(|&i| bytes[i..i + 4] == [0x50, 0x4b, 0x05, 0x06])
}

fn parse_directory(bytes: &[u8], count: u64) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    let mut at = 0usize;
    while (entries.len() as u64) < count {
        if bytes.len() < at + 46 || u32_at(bytes, at) != 0x0201_4b50 {
            return Err(format!(
                "entry {} of the central directory is cut or invalid",
                entries.len()
            ));
        }
        let method = u16_at(bytes, at + 10);
        let mut compressed = u64::from(u32_at(bytes, at + 20));
        let mut uncompressed = u64::from(u32_at(bytes, at + 24));
        let name_len = usize::from(u16_at(bytes, at + 28));
        let extra_len = usize::from(u16_at(bytes, at + 30));
        let comment_len = usize::from(u16_at(bytes, at + 32));
        let mut local_offset = u64::from(u32_at(bytes, at + 42));
        let name_end = at + 46 + name_len;
        let extra_end = name_end + extra_len;
        if bytes.len() < extra_end + comment_len {
            return Err("the central directory is cut".to_owned());
        }
        let name = String::from_utf8_lossy(&bytes[at + 46..name_end]).into_owned();
        // Zip64 extra field: the 8-byte values that the 4-byte fields mark with 0xFFFFFFFF.
        let mut extra = &bytes[name_end..extra_end];
        while extra.len() >= 4 {
            let (id, len) = (u16_at(extra, 0), usize::from(u16_at(extra, 2)));
            let data = extra.get(4..4 + len).unwrap_or(&[]);
            if id == 0x0001 {
                let mut values = data.chunks_exact(8).map(|c| u64_at(c, 0));
                for field in [&mut uncompressed, &mut compressed, &mut local_offset] {
                    if *field == 0xFFFF_FFFF {
                        *field = values.next().unwrap_or(*field);
                    }
                }
            }
            extra = extra.get(4 + len..).unwrap_or(&[]);
        }
        entries.push(Entry {
            name,
            method,
            compressed,
            uncompressed,
            local_offset,
        });
        at = extra_end + comment_len;
    }
    Ok(entries)
}

/// The bytes of `entry`, decompressed, refused past `max` bytes.
pub fn read(source: &mut dyn RangeSource, entry: &Entry, max: u64) -> Result<Vec<u8>, PypiError> {
    let filename = source.filename().to_owned();
    let bad = |message: String| PypiError::BadZip {
        filename: filename.clone(),
        message,
    };
    if entry.uncompressed > max || entry.compressed > max {
        return Err(bad(format!("`{}` is larger than {max} bytes", entry.name)));
    }
    // The local header's extra field may differ from the central one: guess generously, and
    // fetch the rest if the guess was short.
    let guess = 30 + entry.name.len() as u64 + 256 + entry.compressed;
    let mut chunk = source.read_at(entry.local_offset, guess)?;
    if chunk.len() < 30 || u32_at(&chunk, 0) != 0x0403_4b50 {
        return Err(bad(format!("no local header for `{}`", entry.name)));
    }
    let data_start = 30 + usize::from(u16_at(&chunk, 26)) + usize::from(u16_at(&chunk, 28));
    let data_end = data_start + entry.compressed as usize;
    if chunk.len() < data_end {
        chunk = source.read_at(entry.local_offset, data_end as u64)?;
        if chunk.len() < data_end {
            return Err(bad(format!("`{}` is cut", entry.name)));
        }
    }
    let data = &chunk[data_start..data_end];
    match entry.method {
        0 => Ok(data.to_vec()),
        8 => {
            let mut out = Vec::with_capacity(entry.uncompressed as usize);
            DeflateDecoder::new(data)
                .take(max + 1)
                .read_to_end(&mut out)
                .map_err(|e| bad(format!("`{}` does not inflate: {e}", entry.name)))?;
            if out.len() as u64 > max {
                return Err(bad(format!("`{}` inflates past {max} bytes", entry.name)));
            }
            Ok(out)
        }
        method => Err(bad(format!(
            "`{}` uses compression method {method}, not stored or deflated",
            entry.name
        ))),
    }
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("four bytes"))
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote::InMemory;

    fn wheel() -> InMemory {
        InMemory {
            bytes: include_bytes!(
                "../../../fixtures/real/pypi/segment_anything-1.0-py3-none-any.whl"
            )
            .to_vec(),
            filename: "segment_anything-1.0-py3-none-any.whl".to_owned(),
        }
    }

    #[test]
    fn reads_a_real_wheel_from_a_small_tail() {
        let mut source = wheel();
        let entries = entries(&mut source, 1024).unwrap();
        let metadata = entries
            .iter()
            .find(|e| e.name == "segment_anything-1.0.dist-info/METADATA")
            .unwrap();
        let text = read(&mut source, metadata, 1 << 20).unwrap();
        assert!(
            String::from_utf8(text)
                .unwrap()
                .starts_with("Metadata-Version: 2.1\nName: segment-anything\n")
        );
        assert!(
            entries
                .iter()
                .any(|e| e.name == "segment_anything/__init__.py")
        );
    }

    #[test]
    fn reads_only_the_end_of_a_directory_when_it_holds_the_wanted_entry() {
        let mut source = wheel();
        let size = source.bytes.len() as u64;
        let (all, complete) = entries_for(&mut source, size, 0, &|_| true).unwrap();
        assert!(complete);
        // A tail that cuts the directory: its last entries are found by their signatures.
        let (partial, complete) = entries_for(&mut source, 1024, 0, &|name| {
            name.ends_with(".dist-info/METADATA")
        })
        .unwrap();
        assert!(!complete);
        assert!(partial.len() < all.len() && !partial.is_empty());
        assert_eq!(partial[..], all[all.len() - partial.len()..]);
        // Without a wanted entry in the tail, the whole directory is read.
        let (whole, complete) =
            entries_for(&mut source, 1024, 0, &|name| name == "absent").unwrap();
        assert!(complete);
        assert_eq!(whole, all);
        // Nor when the directory is small enough to read whole.
        let (whole, complete) = entries_for(&mut source, 1024, 1 << 20, &|_| true).unwrap();
        assert!(complete);
        assert_eq!(whole, all);
    }

    #[test]
    fn names_what_is_wrong() {
        let mut cut = wheel();
        cut.bytes.truncate(cut.bytes.len() - 30);
        let error = entries(&mut cut, 1024).unwrap_err().to_string();
        assert_eq!(
            error,
            "`segment_anything-1.0-py3-none-any.whl` is not a readable zip: no end of central directory"
        );
        let mut source = wheel();
        let all = entries(&mut source, 1 << 20).unwrap();
        let error = read(&mut source, &all[0], 10).unwrap_err().to_string();
        assert!(error.contains("is larger than 10 bytes"), "{error}");
    }
}
