//! The HTTP client: `ureq` with TLS through the system's certificate store (this project's
//! registry traffic passes an intercepting proxy trusted only there), bounded bodies, retries
//! with backoff on timeouts, connection failures and 5xx, and counters of requests and bytes for
//! the benchmark.
//!
//! `ureq` rather than `reqwest`: the plugin's calls are blocking and run on its own scoped
//! threads, so a synchronous client fits without a tokio runtime inside a shared library, and it
//! builds in a fraction of the time on a 2-core machine.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ureq::Agent;
use ureq::tls::{RootCerts, TlsConfig};
use ureq::unversioned::transport::DefaultConnector;

use crate::dns::CachingResolver;
use crate::error::PypiError;

/// Requests made and body bytes received, for the benchmark.
#[derive(Debug, Default)]
pub struct Stats {
    requests: AtomicU64,
    bytes: AtomicU64,
}

impl Stats {
    /// `(requests, bytes)` so far.
    pub fn snapshot(&self) -> (u64, u64) {
        (
            self.requests.load(Ordering::Relaxed),
            self.bytes.load(Ordering::Relaxed),
        )
    }
}

/// A response read whole.
#[derive(Debug)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// Headers the plugin reads (lowercase names).
    pub headers: Vec<(String, String)>,
    /// The body (empty for 304).
    pub body: Vec<u8>,
}

impl Answer {
    /// The first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The headers kept from a response.
const KEPT: &[&str] = &[
    "content-type",
    "content-range",
    "etag",
    "last-modified",
    "cache-control",
    "age",
];

/// A streamed response: the status, the kept headers and a reader of the body.
pub type Streamed = (u16, Vec<(String, String)>, Box<dyn Read + Send>);

/// How one call's requests are made.
#[derive(Debug, Clone)]
pub struct Client {
    agent: Agent,
    timeout: Duration,
    retries: u32,
    /// The largest body read.
    pub max_bytes: u64,
    backoff: Duration,
    stats: Arc<Stats>,
}

impl Client {
    /// A client with these limits, counting into `stats`.
    pub fn new(
        timeout: Duration,
        retries: u32,
        max_bytes: u64,
        max_in_flight: usize,
        stats: Arc<Stats>,
    ) -> Self {
        let tls = TlsConfig::builder()
            .root_certs(RootCerts::PlatformVerifier)
            .build();
        let config = Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            // A lost DNS answer costs the system resolver 5 s; asking again is quicker.
            .timeout_resolve(Some(timeout.min(Duration::from_secs(3))))
            .user_agent(concat!("megapak-plugin-pypi/", env!("CARGO_PKG_VERSION")))
            .max_idle_connections(max_in_flight * 2)
            .max_idle_connections_per_host(max_in_flight)
            .build();
        let agent = Agent::with_parts(
            config,
            DefaultConnector::default(),
            CachingResolver::default(),
        );
        Self {
            agent,
            timeout,
            retries,
            max_bytes,
            backoff: Duration::from_millis(250),
            stats,
        }
    }

    /// GETs `url` and reads the body whole, up to `max_bytes`. Timeouts, connection failures
    /// and 5xx are tried again; any other status is returned as it is.
    pub fn get(&self, url: &str, headers: &[(&str, &str)]) -> Result<Answer, PypiError> {
        self.with_retries(url, |client| {
            let mut response = client.send(url, headers)?;
            let status = response.status().as_u16();
            let kept = kept_headers(&response);
            let body = if status == 304 {
                Vec::new()
            } else {
                client.read_body(url, response.body_mut().as_reader())?
            };
            Ok(Answer {
                status,
                headers: kept,
                body,
            })
        })
    }

    /// GETs `url` for streaming: the status, the kept headers and a reader of the body, which
    /// counts its bytes and stops with an error past `max_bytes`. Only the request is retried.
    pub fn get_stream(&self, url: &str) -> Result<Streamed, PypiError> {
        self.with_retries(url, |client| {
            let response = client.send(url, &[])?;
            let status = response.status().as_u16();
            let kept = kept_headers(&response);
            let reader = response.into_body().into_reader();
            let counted = Counted {
                inner: reader,
                stats: Arc::clone(&client.stats),
                left: client.max_bytes,
                url: url.to_owned(),
                limit_mib: client.max_bytes >> 20,
            };
            Ok((status, kept, Box::new(counted) as Box<dyn Read + Send>))
        })
    }

    fn send(
        &self,
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<ureq::http::Response<ureq::Body>, Failure> {
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        let mut request = self.agent.get(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.call().map_err(Failure::from)?;
        let status = response.status().as_u16();
        if (500..600).contains(&status) || status == 429 {
            return Err(Failure::Retry(PypiError::Status {
                url: url.to_owned(),
                status,
            }));
        }
        Ok(response)
    }

    fn read_body(&self, url: &str, reader: impl Read) -> Result<Vec<u8>, Failure> {
        let mut body = Vec::new();
        let read = reader
            .take(self.max_bytes + 1)
            .read_to_end(&mut body)
            .map_err(Failure::from_io)?;
        self.stats.bytes.fetch_add(read as u64, Ordering::Relaxed);
        if read as u64 > self.max_bytes {
            return Err(Failure::Final(PypiError::TooLarge {
                url: url.to_owned(),
                limit_mib: self.max_bytes >> 20,
            }));
        }
        Ok(body)
    }

    fn with_retries<T>(
        &self,
        url: &str,
        attempt: impl Fn(&Self) -> Result<T, Failure>,
    ) -> Result<T, PypiError> {
        let mut tries = 0;
        loop {
            tries += 1;
            let failure = match attempt(self) {
                Ok(value) => return Ok(value),
                Err(failure) => failure,
            };
            let last = tries > self.retries;
            match failure {
                Failure::Final(error) => return Err(error),
                Failure::Retry(error) if last => return Err(error),
                Failure::Timeout if last => {
                    return Err(PypiError::Timeout {
                        url: url.to_owned(),
                        seconds: self.timeout.as_secs_f64(),
                        tries,
                    });
                }
                Failure::Transport(message) if last => {
                    return Err(PypiError::Transport {
                        url: url.to_owned(),
                        tries,
                        message,
                    });
                }
                Failure::Retry(_) | Failure::Timeout | Failure::Transport(_) => {
                    std::thread::sleep(self.backoff * 2u32.pow(tries - 1));
                }
            }
        }
    }
}

fn kept_headers(response: &ureq::http::Response<ureq::Body>) -> Vec<(String, String)> {
    KEPT.iter()
        .filter_map(|name| {
            let value = response.headers().get(*name)?.to_str().ok()?;
            Some(((*name).to_owned(), value.to_owned()))
        })
        .collect()
}

/// Why one try failed, and whether another may help.
#[derive(Debug)]
enum Failure {
    /// Tried again, then reported as it is.
    Retry(PypiError),
    /// Tried again, then reported as a timeout.
    Timeout,
    /// Tried again, then reported as a connection failure.
    Transport(String),
    /// Reported at once.
    Final(PypiError),
}

impl Failure {
    fn from_io(error: std::io::Error) -> Self {
        if error.kind() == std::io::ErrorKind::TimedOut {
            return Self::Timeout;
        }
        match error
            .get_ref()
            .and_then(|e| e.downcast_ref::<ureq::Error>())
        {
            Some(ureq::Error::Timeout(_)) => Self::Timeout,
            _ => Self::Transport(error.to_string()),
        }
    }
}

impl From<ureq::Error> for Failure {
    fn from(error: ureq::Error) -> Self {
        match error {
            ureq::Error::Timeout(_) => Self::Timeout,
            ureq::Error::Io(io) => Self::from_io(io),
            other => Self::Transport(other.to_string()),
        }
    }
}

/// A body reader that counts into the stats and refuses more than the cap.
struct Counted<R> {
    inner: R,
    stats: Arc<Stats>,
    left: u64,
    url: String,
    limit_mib: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.stats.bytes.fetch_add(n as u64, Ordering::Relaxed);
        self.left = self.left.checked_sub(n as u64).ok_or_else(|| {
            std::io::Error::other(PypiError::TooLarge {
                url: self.url.clone(),
                limit_mib: self.limit_mib,
            })
        })?;
        Ok(n)
    }
}
