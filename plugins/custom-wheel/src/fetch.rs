//! Reading wheels where they are: byte ranges of a local file or of an HTTPS URL, and whole
//! downloads hashed while they stream.
//!
//! Only `https://` is fetched; plain `http://` only from the loopback address (a local mirror,
//! the tests' server). Every download is capped, and one that stops early is an error, never a
//! short file: the temporary file is removed and nothing is written to the cache.

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};
use url::Url;

use crate::error::Error;

/// How much of a file's end one request reads: the zip end record and, for most wheels, the
/// whole central directory.
const TAIL: u64 = 256 << 10;
/// The largest index page read.
const MAX_PAGE: u64 = 64 << 20;

/// A file that can be read at any offset.
pub trait Ranged: Send + Sync + std::fmt::Debug {
    /// Its length in bytes.
    fn size(&self) -> u64;
    /// `len` bytes at `offset`; fewer only at the end of the file.
    fn read_at(&self, offset: u64, len: u64) -> Result<Vec<u8>, Error>;
    /// The bytes from `offset` on, `len` of them at most, as a stream.
    fn stream(&self, offset: u64, len: u64) -> Result<Box<dyn Read + '_>, Error>;
}

/// A URL as this plugin fetches it: `https://`, or `http://` to the loopback address.
pub fn check_url(url: &str) -> Result<Url, Error> {
    let parsed = Url::parse(url).map_err(|error| Error::BadUrl {
        url: url.to_owned(),
        reason: error.to_string(),
    })?;
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if is_loopback(&parsed) => Ok(parsed),
        "http" => Err(Error::PlainHttp {
            url: url.to_owned(),
        }),
        scheme => Err(Error::BadUrl {
            url: url.to_owned(),
            reason: format!("the scheme `{scheme}` is not `https`"),
        }),
    }
}

/// Whether `url` names the loopback address.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        // Non-special schemes (`git://`) keep the host as text.
        Some(url::Host::Domain(name)) => {
            name == "localhost"
                || name
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        None => false,
    }
}

/// The last path segment of a URL, percent-decoded: the file name.
pub fn file_name(url: &Url) -> String {
    let segment = url
        .path_segments()
        .and_then(|mut segments| segments.next_back())
        .unwrap_or_default();
    percent_decode(segment)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%'
            && let Some(value) = text
                .get(at + 1..at + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(value);
            at += 3;
            continue;
        }
        out.push(bytes[at]);
        at += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The HTTP side: one agent, its timeouts and the download cap.
#[derive(Debug, Clone)]
pub struct Client {
    agent: ureq::Agent,
    /// The largest download, in bytes.
    pub max_download: u64,
}

impl Client {
    /// A client whose connections and answers may each take `timeout`.
    pub fn new(timeout: Duration, max_download: u64) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(timeout))
            .timeout_recv_response(Some(timeout))
            .timeout_recv_body(Some(timeout * 30))
            .tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::PlatformVerifier)
                    .build(),
            )
            .build()
            .new_agent();
        Self {
            agent,
            max_download,
        }
    }

    fn get(
        &self,
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<ureq::http::Response<ureq::Body>, Error> {
        let mut request = self.agent.get(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.call().map_err(|error| Error::Network {
            url: url.to_owned(),
            reason: error.to_string(),
        })?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(Error::Status {
                url: url.to_owned(),
                status,
            });
        }
        Ok(response)
    }

    /// Opens a remote file for range reads; reads its tail on the way.
    pub fn open(&self, url: &Url) -> Result<RemoteFile<'_>, Error> {
        let text = url.as_str();
        let response = self.get(text, &[("Range", &format!("bytes=-{TAIL}"))])?;
        if response.status().as_u16() != 206 {
            return Err(Error::NoRanges {
                url: text.to_owned(),
            });
        }
        let size = response
            .headers()
            .get("content-range")
            .and_then(|value| value.to_str().ok())
            .and_then(|range| range.rsplit_once('/'))
            .and_then(|(_, total)| total.parse::<u64>().ok())
            .ok_or_else(|| Error::BadUrl {
                url: text.to_owned(),
                reason: "its range answer has no total length".into(),
            })?;
        let tail = read_body(response, TAIL, text)?;
        let tail_start = size
            .checked_sub(tail.len() as u64)
            .ok_or_else(|| Error::BadUrl {
                url: text.to_owned(),
                reason: "its range answer is longer than the file".into(),
            })?;
        Ok(RemoteFile {
            client: self,
            url: text.to_owned(),
            size,
            tail_start,
            fetched: (tail.len() as u64).into(),
            tail,
        })
    }

    /// An index page, with its content type.
    pub fn page(&self, url: &str, accept: &str) -> Result<(String, Vec<u8>), Error> {
        let response = self.get(url, &[("Accept", accept)])?;
        let kind = response
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        Ok((kind, read_body(response, MAX_PAGE, url)?))
    }

    /// Downloads `url` into a temporary file of `dir`, hashing it on the way.
    pub fn download(&self, url: &str, dir: &Path) -> Result<Download, Error> {
        let response = self.get(url, &[])?;
        let announced = response
            .headers()
            .get("content-length")
            .and_then(|value| value.to_str().ok())
            .and_then(|length| length.parse::<u64>().ok());
        if let Some(length) = announced
            && length > self.max_download
        {
            return Err(Error::TooLarge {
                what: url.to_owned(),
                limit: self.max_download,
            });
        }
        let mut body = Counted {
            inner: response.into_body().into_reader(),
            count: 0,
        };
        let written = Download::write(&mut body, dir, self.max_download, url);
        let Some(expected) = announced else {
            return written;
        };
        let truncated = |got: u64| Error::Truncated {
            url: url.to_owned(),
            expected,
            got,
        };
        match written {
            Ok(download) if download.size != expected => Err(truncated(download.size)),
            // The connection broke before the announced length: the transfer was cut.
            Err(Error::Network { .. }) => Err(truncated(body.count)),
            other => other,
        }
    }
}

fn read_body(
    response: ureq::http::Response<ureq::Body>,
    limit: u64,
    url: &str,
) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    response
        .into_body()
        .into_reader()
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| Error::Network {
            url: url.to_owned(),
            reason: error.to_string(),
        })?;
    if bytes.len() as u64 > limit {
        return Err(Error::TooLarge {
            what: url.to_owned(),
            limit,
        });
    }
    Ok(bytes)
}

/// A reader that counts what passes.
struct Counted<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.count += read as u64;
        Ok(read)
    }
}

/// A file downloaded or copied into the cache's temporary folder, with its sha256.
#[derive(Debug)]
pub struct Download {
    /// The file; removed when dropped unless kept with [`Download::keep`].
    pub file: tempfile::NamedTempFile,
    /// Lowercase hex.
    pub sha256: String,
    /// Bytes.
    pub size: u64,
}

impl Download {
    /// Streams `reader` into a new temporary file of `dir`, at most `limit` bytes.
    pub fn write(reader: &mut dyn Read, dir: &Path, limit: u64, what: &str) -> Result<Self, Error> {
        fs_err::create_dir_all(dir)?;
        let mut file = tempfile::NamedTempFile::new_in(dir)?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut buffer = vec![0u8; 1 << 16];
        loop {
            let read = match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(read) => read,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => {
                    return Err(Error::Network {
                        url: what.to_owned(),
                        reason: error.to_string(),
                    });
                }
            };
            size += read as u64;
            if size > limit {
                return Err(Error::TooLarge {
                    what: what.to_owned(),
                    limit,
                });
            }
            hasher.update(&buffer[..read]);
            file.write_all(&buffer[..read])?;
        }
        file.flush()?;
        Ok(Self {
            file,
            sha256: hex(&hasher.finalize()),
            size,
        })
    }

    /// Moves the file to `path` (atomically, in the same folder tree), replacing nothing that
    /// differs: the cache is keyed by the hash.
    pub fn keep(self, path: &Path) -> Result<PathBuf, Error> {
        if let Some(parent) = path.parent() {
            fs_err::create_dir_all(parent)?;
        }
        self.file
            .persist(path)
            .map_err(|error| Error::Io(error.error))?;
        Ok(path.to_owned())
    }
}

/// The sha256 of a local file, lowercase hex.
pub fn sha256_of(path: &Path) -> Result<String, Error> {
    let mut file = fs_err::File::open(path)?;
    let mut hasher = Sha256::new();
    io::copy(&mut file, &mut hasher)?;
    Ok(hex(&hasher.finalize()))
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A remote file read by ranges.
#[derive(Debug)]
pub struct RemoteFile<'c> {
    client: &'c Client,
    url: String,
    size: u64,
    tail_start: u64,
    tail: Vec<u8>,
    fetched: std::sync::atomic::AtomicU64,
}

impl RemoteFile<'_> {
    /// The bytes fetched so far (ranges asked for, the tail included).
    pub fn fetched(&self) -> u64 {
        self.fetched.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Ranged for RemoteFile<'_> {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_at(&self, offset: u64, len: u64) -> Result<Vec<u8>, Error> {
        let end = offset.saturating_add(len).min(self.size);
        if offset >= self.tail_start {
            let from = (offset - self.tail_start) as usize;
            let to = (end - self.tail_start) as usize;
            return Ok(self.tail.get(from..to).unwrap_or_default().to_vec());
        }
        if end <= offset {
            return Ok(Vec::new());
        }
        let response = self.client.get(
            &self.url,
            &[("Range", &format!("bytes={offset}-{}", end - 1))],
        )?;
        self.fetched
            .fetch_add(end - offset, std::sync::atomic::Ordering::Relaxed);
        read_body(response, end - offset, &self.url)
    }

    fn stream(&self, offset: u64, len: u64) -> Result<Box<dyn Read + '_>, Error> {
        let end = offset.saturating_add(len).min(self.size);
        if end <= offset {
            return Ok(Box::new(io::empty()));
        }
        let response = self.client.get(
            &self.url,
            &[("Range", &format!("bytes={offset}-{}", end - 1))],
        )?;
        Ok(Box::new(Tally {
            inner: response.into_body().into_reader().take(end - offset),
            total: &self.fetched,
        }))
    }
}

/// Adds what a stream gives to a remote file's count: a member read only up to its dynamic
/// segment counts only those bytes.
struct Tally<'a, R> {
    inner: R,
    total: &'a std::sync::atomic::AtomicU64,
}

impl<R: Read> Read for Tally<'_, R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.total
            .fetch_add(read as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(read)
    }
}

/// A local wheel.
#[derive(Debug)]
pub struct LocalFile {
    path: PathBuf,
    size: u64,
}

impl LocalFile {
    /// Opens `path` (its length is read now).
    pub fn open(path: &Path) -> Result<Self, Error> {
        let size = fs_err::metadata(path)?.len();
        Ok(Self {
            path: path.to_owned(),
            size,
        })
    }
}

impl Ranged for LocalFile {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_at(&self, offset: u64, len: u64) -> Result<Vec<u8>, Error> {
        let mut bytes = Vec::new();
        self.stream(offset, len)?.read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    fn stream(&self, offset: u64, len: u64) -> Result<Box<dyn Read + '_>, Error> {
        let mut file = fs_err::File::open(&self.path)?;
        file.seek(SeekFrom::Start(offset))?;
        Ok(Box::new(
            io::BufReader::with_capacity(1 << 16, file).take(len),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_and_loopback_http_are_fetched() {
        let verdicts: Vec<String> = [
            "https://files.pythonhosted.org/a.whl",
            "http://127.0.0.1:8080/a.whl",
            "http://[::1]/a.whl",
            "http://localhost/a.whl",
            "http://wheels.example.com/a.whl",
            "ftp://wheels.example.com/a.whl",
            "not a url",
        ]
        .into_iter()
        .map(|url| match check_url(url) {
            Ok(_) => format!("{url}: fetched"),
            Err(error) => error.to_string(),
        })
        .collect();
        insta::assert_snapshot!(verdicts.join("\n"), @r"
https://files.pythonhosted.org/a.whl: fetched
http://127.0.0.1:8080/a.whl: fetched
http://[::1]/a.whl: fetched
http://localhost/a.whl: fetched
`http://wheels.example.com/a.whl` is plain HTTP: only `https://` is fetched (`http://` only from the loopback address)
`ftp://wheels.example.com/a.whl` cannot be fetched: the scheme `ftp` is not `https`
`not a url` cannot be fetched: relative URL without a base
");
        let url = Url::parse("https://x/a/onnxruntime_gpu-1.0%2Bcu130-py3-none-any.whl").unwrap();
        assert_eq!(
            file_name(&url),
            "onnxruntime_gpu-1.0+cu130-py3-none-any.whl"
        );
    }
}
