//! What the tests build: wheels (zip archives written here, with tiny ELF libraries), a local
//! HTTP server with range requests on 127.0.0.1, requests from `megapak.toml` text, git
//! repositories.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use flate2::Crc;
use flate2::write::DeflateEncoder;
use megapak_plugin_abi::wire::{
    CandidatesQuery, CandidatesRequest, DetailsQuery, DetailsRequest, DirectReference,
};
use megapak_plugin_testing::{candidates_request, details_request};
use serde_json::{Map, Value};

/// A zip member: its name, its bytes, and the unpacked size its headers claim.
pub struct Member<'a> {
    pub name: &'a str,
    pub data: Vec<u8>,
    pub claimed: Option<u32>,
}

pub fn member(name: &str, data: impl Into<Vec<u8>>) -> Member<'_> {
    Member {
        name,
        data: data.into(),
        claimed: None,
    }
}

/// A zip archive of deflated members.
pub fn zip(members: &[Member<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for member in members {
        let mut encoder = DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&member.data).unwrap();
        let packed = encoder.finish().unwrap();
        let mut crc = Crc::new();
        crc.update(&member.data);
        let size = member.claimed.unwrap_or(member.data.len() as u32);
        let offset = out.len() as u32;
        let name = member.name.as_bytes();
        let common = |bytes: &mut Vec<u8>| {
            bytes.extend_from_slice(&20u16.to_le_bytes());
            bytes.extend_from_slice(&0u16.to_le_bytes());
            bytes.extend_from_slice(&8u16.to_le_bytes());
            bytes.extend_from_slice(&0u16.to_le_bytes());
            bytes.extend_from_slice(&0x21u16.to_le_bytes());
            bytes.extend_from_slice(&crc.sum().to_le_bytes());
            bytes.extend_from_slice(&(packed.len() as u32).to_le_bytes());
            bytes.extend_from_slice(&size.to_le_bytes());
            bytes.extend_from_slice(&(name.len() as u16).to_le_bytes());
            bytes.extend_from_slice(&0u16.to_le_bytes());
        };
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        common(&mut out);
        out.extend_from_slice(name);
        out.extend_from_slice(&packed);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes());
        common(&mut central);
        central.extend_from_slice(&[0; 6]);
        central.extend_from_slice(&(0o100_644u32 << 16).to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name);
    }
    let directory_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(members.len() as u16).to_le_bytes());
    out.extend_from_slice(&(members.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&directory_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A METADATA text.
pub fn metadata(name: &str, version: &str, requires: &[&str]) -> String {
    let mut text = format!(
        "Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: A test wheel\nRequires-Python: >=3.10\n"
    );
    for requirement in requires {
        text.push_str(&format!("Requires-Dist: {requirement}\n"));
    }
    text.push_str("\nThe description.\n");
    text
}

/// A wheel of `name` `version` with METADATA and the given extra members.
pub fn wheel(name: &str, version: &str, requires: &[&str], extra: Vec<Member<'_>>) -> Vec<u8> {
    let dist = format!("{}-{version}.dist-info", name.replace('-', "_"));
    let metadata_name = format!("{dist}/METADATA");
    let mut members = vec![member(&metadata_name, metadata(name, version, requires))];
    members.extend(extra);
    zip(&members)
}

/// A minimal 64-bit little-endian shared library that needs `needed`, with soname `soname`.
pub fn library(soname: Option<&str>, needed: &[&str]) -> Vec<u8> {
    let mut strings = vec![0u8];
    let mut entries: Vec<(u64, u64)> = Vec::new();
    for name in needed {
        entries.push((1, strings.len() as u64)); // DT_NEEDED
        strings.extend_from_slice(name.as_bytes());
        strings.push(0);
    }
    if let Some(soname) = soname {
        entries.push((14, strings.len() as u64)); // DT_SONAME
        strings.extend_from_slice(soname.as_bytes());
        strings.push(0);
    }
    let strtab_at = 512u64;
    let dynamic_at = (strtab_at + strings.len() as u64).next_multiple_of(8);
    entries.extend([(5, strtab_at), (10, strings.len() as u64), (0, 0)]);
    let mut dynamic = Vec::new();
    for (tag, value) in entries {
        dynamic.extend_from_slice(&tag.to_le_bytes());
        dynamic.extend_from_slice(&value.to_le_bytes());
    }
    let size = dynamic_at as usize + dynamic.len();
    let mut file = vec![0u8; size];
    let mut header = vec![0x7f, b'E', b'L', b'F', 2, 1, 1, 0];
    header.resize(16, 0);
    for value in [3u16, 62] {
        header.extend_from_slice(&value.to_le_bytes());
    }
    header.extend_from_slice(&1u32.to_le_bytes());
    for value in [0u64, 64, 0] {
        header.extend_from_slice(&value.to_le_bytes());
    }
    header.extend_from_slice(&0u32.to_le_bytes());
    for value in [64u16, 56, 2, 0, 0, 0] {
        header.extend_from_slice(&value.to_le_bytes());
    }
    let segment = |kind: u32, offset: u64, length: u64| {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&kind.to_le_bytes());
        bytes.extend_from_slice(&4u32.to_le_bytes());
        for value in [offset, offset, offset, length, length, 8] {
            bytes.extend_from_slice(&value.to_le_bytes());
        }
        bytes
    };
    header.extend(segment(1, 0, size as u64));
    header.extend(segment(2, dynamic_at, dynamic.len() as u64));
    file[..header.len()].copy_from_slice(&header);
    file[strtab_at as usize..strtab_at as usize + strings.len()].copy_from_slice(&strings);
    file[dynamic_at as usize..].copy_from_slice(&dynamic);
    file
}

/// Settings JSON from the `[resolvers.custom-wheel]` table of a `megapak.toml` text, as the host
/// passes it.
pub fn settings(megapak_toml: &str) -> Map<String, Value> {
    let table: toml::Table = megapak_toml.parse().unwrap();
    let value = table
        .get("resolvers")
        .and_then(|resolvers| resolvers.get("custom-wheel"))
        .cloned()
        .unwrap_or(toml::Value::Table(toml::Table::new()));
    match serde_json::to_value(value).unwrap() {
        Value::Object(map) => map,
        _ => unreachable!(),
    }
}

pub fn candidates(workspace: &Path, megapak_toml: &str, names: &[&str]) -> CandidatesRequest {
    let mut request = candidates_request(names);
    request.workspace = workspace.display().to_string();
    request.settings = settings(megapak_toml);
    request
}

pub fn details(workspace: &Path, megapak_toml: &str, pairs: &[(&str, &str)]) -> DetailsRequest {
    let mut request = details_request(pairs);
    request.workspace = workspace.display().to_string();
    request.settings = settings(megapak_toml);
    request
}

pub fn git_query(name: &str, url: &str, rev: Option<&str>) -> (CandidatesQuery, DetailsQuery) {
    let direct = DirectReference::Git {
        url: url.to_owned(),
        rev: rev.map(Into::into),
        subdirectory: None,
    };
    (
        CandidatesQuery {
            name: name.to_owned(),
            specifiers: None,
            direct: Some(direct.clone()),
        },
        DetailsQuery {
            name: name.to_owned(),
            version: String::new(),
            direct: Some(direct),
        },
    )
}

/// What the server answers for a path.
#[derive(Clone)]
pub enum Served {
    /// The bytes, with ranges.
    File(Vec<u8>),
    /// A `Content-Length` of the whole, then only the first half and a closed connection.
    Truncated(Vec<u8>),
    /// The bytes, whole, whatever the `Range` asked for.
    Whole(Vec<u8>),
    /// A page with its content type.
    Page(&'static str, Vec<u8>),
}

/// An HTTP/1.1 server on 127.0.0.1 for the tests' wheels and pages.
pub struct Server {
    pub base: String,
    files: Arc<Mutex<HashMap<String, Served>>>,
}

impl Server {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let files: Arc<Mutex<HashMap<String, Served>>> = Arc::default();
        let shared = Arc::clone(&files);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let files = Arc::clone(&shared);
                std::thread::spawn(move || serve(stream, &files));
            }
        });
        Self { base, files }
    }

    pub fn put(&self, path: &str, served: Served) -> String {
        self.files.lock().unwrap().insert(path.to_owned(), served);
        format!("{}{path}", self.base)
    }
}

fn serve(stream: TcpStream, files: &Mutex<HashMap<String, Served>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let target = line.split(' ').nth(1).unwrap_or("/");
    // Dumb HTTP asks `info/refs?service=...`: a static server ignores the query.
    let path = target.split('?').next().unwrap_or("/").replace("%2B", "+");
    let mut range = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("range")
        {
            range = Some(value.trim().trim_start_matches("bytes=").to_owned());
        }
    }
    let mut stream = stream;
    let served = files.lock().unwrap().get(&path).cloned();
    let response = match served {
        None => {
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()
        }
        Some(Served::Truncated(bytes)) => {
            let mut response = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                bytes.len()
            )
            .into_bytes();
            response.extend_from_slice(&bytes[..bytes.len() / 2]);
            response
        }
        Some(Served::Page(kind, bytes)) => {
            let mut response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                bytes.len()
            )
            .into_bytes();
            response.extend_from_slice(&bytes);
            response
        }
        Some(Served::Whole(bytes)) => {
            let mut response = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                bytes.len()
            )
            .into_bytes();
            response.extend_from_slice(&bytes);
            response
        }
        Some(Served::File(bytes)) => {
            let total = bytes.len() as u64;
            let (status, start, end) = match range.as_deref().and_then(|r| r.split_once('-')) {
                Some(("", suffix)) => {
                    let n: u64 = suffix.parse().unwrap();
                    ("206 Partial Content", total.saturating_sub(n), total)
                }
                Some((from, to)) => {
                    let from: u64 = from.parse().unwrap();
                    let to = if to.is_empty() {
                        total
                    } else {
                        (to.parse::<u64>().unwrap() + 1).min(total)
                    };
                    ("206 Partial Content", from, to)
                }
                None => ("200 OK", 0, total),
            };
            let mut response = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Range: bytes {start}-{}/{total}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
                end - start,
                end.saturating_sub(1)
            )
            .into_bytes();
            response.extend_from_slice(&bytes[start as usize..end as usize]);
            response
        }
    };
    let _ = stream.write_all(&response);
    let _ = stream.flush();
    let mut rest = Vec::new();
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let _ = reader.read_to_end(&mut rest);
}

/// Runs git in `dir` with a fixed identity and no user configuration; panics on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(["-c", "protocol.file.allow=always"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Ada")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_COMMITTER_NAME", "Ada")
        .env("GIT_COMMITTER_EMAIL", "ada@example.com")
        .env("GIT_AUTHOR_DATE", "2026-12-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-12-01T00:00:00Z")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// `nix hash path --type sha256` of `path`, or `None` (with the reason printed) without Nix.
pub fn nix_hash(path: &Path) -> Option<String> {
    let output = Command::new("nix")
        .args([
            "hash",
            "path",
            "--type",
            "sha256",
            "--extra-experimental-features",
            "nix-command",
        ])
        .arg(path)
        .output();
    match output {
        Ok(output) if output.status.success() => {
            Some(String::from_utf8_lossy(&output.stdout).trim().to_owned())
        }
        Ok(output) => {
            eprintln!(
                "skipped the comparison with Nix: `nix hash path` failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            None
        }
        Err(error) => {
            eprintln!(
                "skipped the comparison with Nix: `nix` is not installed ({error}); CI installs Debian's nix-bin"
            );
            None
        }
    }
}
