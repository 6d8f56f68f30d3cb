//! Reading parts of a remote file with HTTP range requests, as uv does, so that a wheel's
//! METADATA costs a few kilobytes instead of the whole wheel. The first request asks for the
//! file's tail (where a zip keeps its directory, and usually `*.dist-info`); a server that
//! ignores `Range` and answers 200 is read whole instead, within the response cap, and the
//! caller checks that download against the index's hash.

use crate::error::PypiError;
use crate::http::Client;

/// Bytes of a file, by offset.
pub trait RangeSource {
    /// The file's size.
    fn size(&self) -> u64;
    /// `len` bytes from `start` (fewer at the end of the file).
    fn read_at(&mut self, start: u64, len: u64) -> Result<Vec<u8>, PypiError>;
    /// The file name, for messages.
    fn filename(&self) -> &str;
}

/// A file held in memory (a download, or a local file).
#[derive(Debug)]
pub struct InMemory {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Its name.
    pub filename: String,
}

impl RangeSource for InMemory {
    fn size(&self) -> u64 {
        self.bytes.len() as u64
    }

    fn read_at(&mut self, start: u64, len: u64) -> Result<Vec<u8>, PypiError> {
        let start = usize::try_from(start)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        let end = usize::try_from(len)
            .ok()
            .and_then(|len| start.checked_add(len))
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        Ok(self.bytes[start..end].to_vec())
    }

    fn filename(&self) -> &str {
        &self.filename
    }
}

/// A remote file read by ranges, keeping what it fetched.
#[derive(Debug)]
pub struct RemoteFile<'c> {
    client: &'c Client,
    url: String,
    filename: String,
    size: u64,
    chunks: Vec<(u64, Vec<u8>)>,
}

/// What opening a remote file gave.
#[derive(Debug)]
pub enum Opened<'c> {
    /// The server honours ranges; the tail is already fetched.
    Ranged(RemoteFile<'c>),
    /// The server sent the whole file instead (within the cap).
    Whole(Vec<u8>),
}

/// Opens `url` with a request for its last `tail` bytes.
pub fn open<'c>(
    client: &'c Client,
    url: &str,
    filename: &str,
    tail: u64,
) -> Result<Opened<'c>, PypiError> {
    let range = format!("bytes=-{tail}");
    let answer = client.get(url, &[("Range", &range)])?;
    match answer.status {
        200 => Ok(Opened::Whole(answer.body)),
        206 => {
            let content_range = answer.header("content-range").unwrap_or("").to_owned();
            let (start, end, size) = parse_content_range(&content_range)
                .filter(|&(start, end, size)| {
                    end + 1 == size && end + 1 - start == answer.body.len() as u64
                })
                .ok_or_else(|| PypiError::BadRange {
                    url: url.to_owned(),
                    content_range: if content_range.is_empty() {
                        "no Content-Range".to_owned()
                    } else {
                        content_range.clone()
                    },
                })?;
            let _ = end;
            Ok(Opened::Ranged(RemoteFile {
                client,
                url: url.to_owned(),
                filename: filename.to_owned(),
                size,
                chunks: vec![(start, answer.body)],
            }))
        }
        status => Err(PypiError::Status {
            url: url.to_owned(),
            status,
        }),
    }
}

impl RangeSource for RemoteFile<'_> {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_at(&mut self, start: u64, len: u64) -> Result<Vec<u8>, PypiError> {
        let end = start.saturating_add(len).min(self.size);
        if start >= end {
            return Ok(Vec::new());
        }
        for (at, bytes) in &self.chunks {
            if *at <= start && end <= at + bytes.len() as u64 {
                return Ok(bytes[(start - at) as usize..(end - at) as usize].to_vec());
            }
        }
        let range = format!("bytes={start}-{}", end - 1);
        let answer = self.client.get(&self.url, &[("Range", &range)])?;
        let bad = |content_range: String| PypiError::BadRange {
            url: self.url.clone(),
            content_range,
        };
        match answer.status {
            206 => {
                let content_range = answer.header("content-range").unwrap_or("").to_owned();
                match parse_content_range(&content_range) {
                    Some((s, e, _))
                        if s == start
                            && e + 1 == end
                            && answer.body.len() as u64 == end - start =>
                    {
                        self.chunks.push((start, answer.body.clone()));
                        Ok(answer.body)
                    }
                    _ => Err(bad(content_range)),
                }
            }
            200 if answer.body.len() as u64 == self.size => {
                let slice = answer.body[start as usize..end as usize].to_vec();
                self.chunks = vec![(0, answer.body)];
                Ok(slice)
            }
            200 => Err(bad("a 200 of another size".to_owned())),
            status => Err(PypiError::Status {
                url: self.url.clone(),
                status,
            }),
        }
    }

    fn filename(&self) -> &str {
        &self.filename
    }
}

/// `bytes START-END/SIZE` (inclusive end).
fn parse_content_range(value: &str) -> Option<(u64, u64, u64)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, size) = rest.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    let (start, end, size) = (start.parse().ok()?, end.parse().ok()?, size.parse().ok()?);
    (start <= end && end < size).then_some((start, end, size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_content_range() {
        assert_eq!(parse_content_range("bytes 10-19/20"), Some((10, 19, 20)));
        assert_eq!(parse_content_range("bytes 10-20/20"), None);
        assert_eq!(parse_content_range("bytes */20"), None);
        assert_eq!(parse_content_range(""), None);
    }

    #[test]
    fn in_memory_reads_clamp_at_the_end() {
        let mut file = InMemory {
            bytes: b"0123456789".to_vec(),
            filename: "f".to_owned(),
        };
        assert_eq!(file.read_at(8, 5).unwrap(), b"89");
        assert_eq!(file.read_at(20, 5).unwrap(), b"");
    }
}
