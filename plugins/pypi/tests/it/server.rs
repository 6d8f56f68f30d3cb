//! A small HTTP/1.1 index server on 127.0.0.1 for the offline tests: recorded pages and files,
//! `Range` requests, `ETag` revalidation, and scripted failures (a status, a stall, a body that
//! does not honour `Range`). Lighter than `wiremock`, which needs tokio, on a 2-core machine.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the server answers for a path.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A body; `ranges: false` ignores `Range` and answers 200 with the whole body.
    Body {
        status: u16,
        content_type: &'static str,
        body: Vec<u8>,
        ranges: bool,
        etag: Option<String>,
    },
    /// No answer for this long, then the connection is closed.
    Stall(Duration),
}

impl Reply {
    /// A 200 with ranges and no ETag.
    pub fn ok(content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Self::Body {
            status: 200,
            content_type,
            body: body.into(),
            ranges: true,
            etag: None,
        }
    }

    /// A PEP 691 JSON page.
    pub fn json(body: impl Into<Vec<u8>>) -> Self {
        Self::ok("application/vnd.pypi.simple.v1+json", body)
    }

    /// A bare status.
    pub fn status(status: u16) -> Self {
        Self::Body {
            status,
            content_type: "text/plain",
            body: format!("status {status}").into_bytes(),
            ranges: false,
            etag: None,
        }
    }
}

/// One request the server saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub path: String,
    pub range: Option<String>,
    pub if_none_match: Option<String>,
}

/// The server; stops when dropped.
#[derive(Debug)]
pub struct Server {
    pub base: String,
    routes: Arc<Mutex<HashMap<String, Vec<Reply>>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
}

impl Server {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let routes: Arc<Mutex<HashMap<String, Vec<Reply>>>> = Arc::default();
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (r, s, st) = (Arc::clone(&routes), Arc::clone(&seen), Arc::clone(&stop));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (r, s) = (Arc::clone(&r), Arc::clone(&s));
                std::thread::spawn(move || serve(stream, &r, &s));
            }
        });
        Self {
            base,
            routes,
            seen,
            stop,
        }
    }

    /// Answers `path` with `replies` in turn, the last one from then on.
    pub fn route(&self, path: &str, replies: Vec<Reply>) {
        self.routes.lock().unwrap().insert(path.to_owned(), replies);
    }

    /// The requests so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Forgets the requests so far.
    pub fn clear_seen(&self) {
        self.seen.lock().unwrap().clear();
    }

    /// The index URL.
    pub fn index(&self) -> String {
        format!("{}/simple", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.base.trim_start_matches("http://"));
    }
}

fn serve(stream: TcpStream, routes: &Mutex<HashMap<String, Vec<Reply>>>, seen: &Mutex<Vec<Seen>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut stream = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let mut headers = HashMap::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
            }
        }
        seen.lock().unwrap().push(Seen {
            path: path.clone(),
            range: headers.get("range").cloned(),
            if_none_match: headers.get("if-none-match").cloned(),
        });
        let reply = {
            let mut routes = routes.lock().unwrap();
            match routes.get_mut(&path) {
                Some(replies) if replies.len() > 1 => replies.remove(0),
                Some(replies) => replies[0].clone(),
                None => Reply::status(404),
            }
        };
        match reply {
            Reply::Stall(duration) => {
                std::thread::sleep(duration);
                return;
            }
            Reply::Body {
                status,
                content_type,
                body,
                ranges,
                etag,
            } => {
                let mut extra = String::new();
                if let Some(etag) = &etag {
                    extra.push_str(&format!("ETag: {etag}\r\n"));
                    if headers.get("if-none-match") == Some(etag) {
                        let head = format!(
                            "HTTP/1.1 304 Not Modified\r\n{extra}Content-Length: 0\r\n\r\n"
                        );
                        if stream.write_all(head.as_bytes()).is_err() {
                            return;
                        }
                        continue;
                    }
                }
                let (status, body) = match (ranges, headers.get("range")) {
                    (true, Some(range)) if status == 200 => {
                        let total = body.len();
                        let (start, end) = parse_range(range, total);
                        extra.push_str(&format!(
                            "Content-Range: bytes {start}-{}/{total}\r\n",
                            end - 1
                        ));
                        (206, body[start..end].to_vec())
                    }
                    _ => (status, body),
                };
                let head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra}\r\n",
                    body.len()
                );
                if stream.write_all(head.as_bytes()).is_err() || stream.write_all(&body).is_err() {
                    return;
                }
            }
        }
    }
}

/// `bytes=-N` or `bytes=A-B` as a half-open range.
fn parse_range(range: &str, total: usize) -> (usize, usize) {
    let spec = range.trim_start_matches("bytes=");
    let (start, end) = spec.split_once('-').unwrap();
    if start.is_empty() {
        let n: usize = end.parse().unwrap();
        (total.saturating_sub(n), total)
    } else {
        let start: usize = start.parse().unwrap();
        let end = end.parse::<usize>().map_or(total, |e| (e + 1).min(total));
        (start, end)
    }
}
