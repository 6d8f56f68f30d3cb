//! Index pages through the caches: in memory for the life of the plugin (a solver asks
//! `candidates` and then `details` of the same names), on disk across runs with revalidation
//! (`If-None-Match`, `If-Modified-Since`), and only from the caches when offline.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use megapak_types::PackageName;

use crate::cache::{CachedPage, DiskCache};
use crate::error::PypiError;
use crate::http::Client;
use crate::index::{self, IndexFile, ProjectPage};

/// What an index has for a project.
#[derive(Debug, Clone)]
pub enum PageAnswer {
    /// Its page.
    Found(Arc<ProjectPage>),
    /// 404: not on this index.
    NotFound,
    /// Offline, and not in the cache.
    Offline,
}

/// Pages already read by this process, by URL (`None`: not on the index).
pub type MemoryPages = Mutex<HashMap<String, Option<Arc<ProjectPage>>>>;

/// What fetching needs.
#[derive(Debug)]
pub struct Fetcher<'a> {
    /// The HTTP client.
    pub client: &'a Client,
    /// The disk cache.
    pub cache: &'a DiskCache,
    /// The memory cache.
    pub memory: &'a MemoryPages,
    /// Answer from the caches only.
    pub offline: bool,
}

impl Fetcher<'_> {
    /// The page of `name` on `index` (`https://host/simple`).
    pub fn project_page(&self, index: &str, name: &PackageName) -> Result<PageAnswer, PypiError> {
        self.page(&format!("{index}/{name}/"), index::ACCEPT)
    }

    /// The files a `--find-links` location lists: an HTML page, or a local folder.
    pub fn find_links(&self, location: &str) -> Result<PageAnswer, PypiError> {
        if location.starts_with("http://") || location.starts_with("https://") {
            return self.page(location, "text/html");
        }
        let read_error = |e: std::io::Error| PypiError::Local {
            path: location.to_owned(),
            message: e.to_string(),
        };
        let mut files = Vec::new();
        for entry in fs_err::read_dir(location).map_err(read_error)? {
            let entry = entry.map_err(read_error)?;
            let path = entry.path();
            if !path.is_file() {
                continue;
            }
            let Some(filename) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            files.push(IndexFile {
                filename: filename.to_owned(),
                url: url::Url::from_file_path(&path)
                    .map(String::from)
                    .unwrap_or_else(|()| path.to_string_lossy().into_owned()),
                sha256: None,
                requires_python: None,
                yanked: false,
                core_metadata: index::CoreMetadataLink::None,
                size: entry.metadata().ok().map(|m| m.len()),
            });
        }
        files.sort_by(|a, b| a.filename.cmp(&b.filename));
        Ok(PageAnswer::Found(Arc::new(ProjectPage { files })))
    }

    fn page(&self, url: &str, accept: &str) -> Result<PageAnswer, PypiError> {
        if let Some(page) = self
            .memory
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(url)
        {
            return Ok(page.clone().map_or(PageAnswer::NotFound, PageAnswer::Found));
        }
        let stored = self.cache.page(url);
        if self.offline {
            return Ok(stored.map_or(PageAnswer::Offline, |entry| self.remember(entry)));
        }
        if let Some(entry) = stored.as_ref().filter(|entry| entry.is_fresh()) {
            return Ok(self.remember(entry.clone()));
        }
        let mut headers = vec![("Accept", accept.to_owned())];
        if let Some(entry) = stored.as_ref() {
            if let Some(etag) = &entry.etag {
                headers.push(("If-None-Match", etag.clone()));
            }
            if let Some(modified) = &entry.last_modified {
                headers.push(("If-Modified-Since", modified.clone()));
            }
        }
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let response = self.client.get(url, &headers)?;
        let header = |name: &str| response.header(name).map(str::to_owned);
        let page = match response.status {
            304 if stored.is_some() => {
                let mut entry = stored.expect("checked");
                if let Some(fresh) = CachedPage::from_response(url, &header, entry.page.clone()) {
                    entry = CachedPage {
                        etag: fresh.etag.or(entry.etag),
                        last_modified: fresh.last_modified.or(entry.last_modified),
                        ..fresh
                    };
                    self.cache.store_page(&entry);
                }
                return Ok(self.remember(entry));
            }
            200 => {
                let content_type = response.header("content-type").unwrap_or("");
                let page =
                    index::parse_page(&response.body, content_type, url).map_err(|message| {
                        PypiError::Garbage {
                            url: url.to_owned(),
                            message,
                        }
                    })?;
                Some(page)
            }
            404 | 410 => None,
            status => {
                return Err(PypiError::Status {
                    url: url.to_owned(),
                    status,
                });
            }
        };
        match CachedPage::from_response(url, &header, page.clone()) {
            Some(entry) => {
                self.cache.store_page(&entry);
                Ok(self.remember(entry))
            }
            None => Ok(self.remember_page(url, page)),
        }
    }

    fn remember(&self, entry: CachedPage) -> PageAnswer {
        self.remember_page(&entry.url, entry.page)
    }

    fn remember_page(&self, url: &str, page: Option<ProjectPage>) -> PageAnswer {
        let page = page.map(Arc::new);
        self.memory
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(url.to_owned(), page.clone());
        page.map_or(PageAnswer::NotFound, PageAnswer::Found)
    }
}
