//! Integration tests of the `pypi` resolver through the plugin wire (`Harness`): recorded index
//! responses served by a local server on 127.0.0.1 (`server`), and a few live requests to the
//! real index (`live`), skipped with the reason printed when it cannot be reached.

#![allow(clippy::print_stderr)] // the live tests say why they skip

mod candidates;
mod details;
mod failures;
mod host;
mod live;
mod offline;
mod server;
mod zipbuild;

use std::path::{Path, PathBuf};

use megapak_plugin_abi::serde_json::{self, Value, json};
use megapak_plugin_abi::wire::{CandidatesRequest, DetailsRequest};
use megapak_plugin_pypi::PypiResolver;
use megapak_plugin_testing::{Harness, candidates_request, details_request};

use crate::server::{Reply, Server};

/// A recorded file of `fixtures/real/pypi/`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/real/pypi")
        .join(name);
    fs_err::read(path).unwrap()
}

/// A recorded PEP 691 page whose file URLs point at `server`, optionally edited.
pub fn page(server: &Server, name: &str, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let text = String::from_utf8(fixture(name)).unwrap().replace(
        "https://files.pythonhosted.org",
        &format!("{}/files", server.base),
    );
    let mut value: Value = serde_json::from_str(&text).unwrap();
    edit(&mut value);
    serde_json::to_vec(&value).unwrap()
}

/// The server path of a recorded file of `page`.
pub fn file_path(page: &[u8], filename: &str) -> String {
    let value: Value = serde_json::from_slice(page).unwrap();
    let url = value["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["filename"] == filename)
        .unwrap_or_else(|| panic!("{filename} is on the page"))["url"]
        .as_str()
        .unwrap()
        .to_owned();
    format!("/{}", url.splitn(4, '/').nth(3).unwrap())
}

/// Keeps the files of `page` for which `keep` holds.
pub fn keep_files(value: &mut Value, keep: impl Fn(&str) -> bool) {
    value["files"]
        .as_array_mut()
        .unwrap()
        .retain(|f| keep(f["filename"].as_str().unwrap()));
}

/// A resolver, its harness, and the settings pointing at `server` with a cache of its own.
#[derive(Debug)]
pub struct Setup {
    pub harness: Harness<PypiResolver>,
    pub settings: serde_json::Map<String, Value>,
    pub cache: tempfile::TempDir,
}

impl Setup {
    pub fn new(server: &Server) -> Self {
        let cache = tempfile::tempdir().unwrap();
        Self::with_cache(server, cache)
    }

    pub fn with_cache(server: &Server, cache: tempfile::TempDir) -> Self {
        let Value::Object(settings) = json!({
            "index-url": server.index(),
            "cache-dir": cache.path().to_str().unwrap(),
            "timeout": 5,
            "retries": 2,
        }) else {
            unreachable!()
        };
        Self {
            harness: Harness::new(PypiResolver::new()),
            settings,
            cache,
        }
    }

    pub fn set(&mut self, key: &str, value: Value) -> &mut Self {
        self.settings.insert(key.to_owned(), value);
        self
    }

    pub fn candidates(&self, names: &[&str]) -> Value {
        let mut request: CandidatesRequest = candidates_request(names);
        request.settings = self.settings.clone();
        serde_json::to_value(self.harness.candidates(&request).unwrap().packages).unwrap()
    }

    pub fn details_with(&self, pairs: &[(&str, &str)], offline: bool) -> Value {
        let mut request: DetailsRequest = details_request(pairs);
        request.settings = self.settings.clone();
        request.offline = offline;
        serde_json::to_value(self.harness.details(&request).unwrap().packages).unwrap()
    }

    pub fn details(&self, pairs: &[(&str, &str)]) -> Value {
        self.details_with(pairs, false)
    }

    pub fn cache_path(&self) -> PathBuf {
        self.cache.path().to_owned()
    }
}

/// Replaces the server's address so snapshots do not depend on the port.
pub fn redact(server: &Server, value: &Value) -> String {
    serde_json::to_string_pretty(value)
        .unwrap()
        .replace(&server.base, "http://[server]")
}

/// A route for the page of `name`.
pub fn serve_page(server: &Server, name: &str, body: Vec<u8>) {
    server.route(&format!("/simple/{name}/"), vec![Reply::json(body)]);
}
