//! The on-disk cache under the user's cache folder: index pages with their validators (ETag,
//! Last-Modified) and freshness (`Cache-Control: max-age`, `no-cache`, `no-store`, `Age`), and
//! what was read from each distribution file, keyed by its sha256 (files on an index never
//! change, so those entries need no revalidation).
//!
//! A small policy of its own rather than `http-cache-semantics`: the plugin caches one kind of
//! GET with no `Vary` and no authentication, and that crate would bring the `http` and `time`
//! crates for it. Pages are stored parsed (the PEP 691 JSON of a big project is megabytes of
//! upload times and URLs the plugin reads once). Writes go through a temporary file and a
//! rename, so a crash never leaves half an entry; a cache that cannot be written is skipped.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::facts::FileFacts;
use crate::index::ProjectPage;
use crate::sri;

/// A page and what is needed to revalidate it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedPage {
    /// The page's URL.
    pub url: String,
    /// `ETag`, sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// `Last-Modified`, sent back as `If-Modified-Since`.
    pub last_modified: Option<String>,
    /// When it was stored or last revalidated, Unix seconds.
    pub stored_at: u64,
    /// The `Age` it had then.
    pub age: u64,
    /// `max-age`, when the response gave one and did not say `no-cache`.
    pub max_age: Option<u64>,
    /// `None` when the index answered 404: a cached "not on the index".
    pub page: Option<ProjectPage>,
}

impl CachedPage {
    /// A page as `headers` describe it, stored now; `None` when `no-store` forbids storing it.
    pub fn from_response(
        url: &str,
        headers: &dyn Fn(&str) -> Option<String>,
        page: Option<ProjectPage>,
    ) -> Option<Self> {
        let cache_control = headers("cache-control")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let directives: Vec<&str> = cache_control.split(',').map(str::trim).collect();
        if directives.contains(&"no-store") {
            return None;
        }
        let max_age = if directives.contains(&"no-cache") {
            None
        } else {
            directives
                .iter()
                .find_map(|d| d.strip_prefix("max-age=")?.trim_matches('"').parse().ok())
        };
        Some(Self {
            url: url.to_owned(),
            etag: headers("etag"),
            last_modified: headers("last-modified"),
            stored_at: now(),
            age: headers("age")
                .and_then(|age| age.trim().parse().ok())
                .unwrap_or(0),
            max_age,
            page,
        })
    }

    /// Whether it may be used without asking the index.
    pub fn is_fresh(&self) -> bool {
        self.max_age.is_some_and(|max_age| {
            let age = self.age + now().saturating_sub(self.stored_at);
            age < max_age
        })
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The cache folder.
#[derive(Debug, Clone)]
pub struct DiskCache {
    dir: PathBuf,
}

impl DiskCache {
    /// A cache in `dir` (created on the first write).
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_owned(),
        }
    }

    /// The stored page of `url`.
    pub fn page(&self, url: &str) -> Option<CachedPage> {
        let entry: CachedPage = self.read(&self.path("pages", url))?;
        (entry.url == url).then_some(entry)
    }

    /// Stores `entry`, best effort.
    pub fn store_page(&self, entry: &CachedPage) {
        self.write(&self.path("pages", &entry.url), entry);
    }

    /// What was read from the file with this key.
    pub fn facts(&self, key: &str) -> Option<FileFacts> {
        let (stored_key, facts): (String, FileFacts) = self.read(&self.path("files", key))?;
        (stored_key == key).then_some(facts)
    }

    /// Stores what was read from a file, best effort.
    pub fn store_facts(&self, key: &str, facts: &FileFacts) {
        self.write(&self.path("files", key), &(key, facts));
    }

    fn path(&self, kind: &str, key: &str) -> PathBuf {
        let digest = sri::hex(&sri::digest(key.as_bytes()));
        self.dir
            .join("v1")
            .join(kind)
            .join(&digest[..2])
            .join(format!("{}.json", &digest[2..32]))
    }

    fn read<T: for<'de> Deserialize<'de>>(&self, path: &Path) -> Option<T> {
        let bytes = fs_err::read(path).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    fn write<T: Serialize>(&self, path: &Path, value: &T) {
        let Ok(bytes) = serde_json::to_vec(value) else {
            return;
        };
        let Some(parent) = path.parent() else {
            return;
        };
        if fs_err::create_dir_all(parent).is_err() {
            return;
        }
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let unique = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let temporary = parent.join(format!(".tmp-{}-{unique}", std::process::id()));
        if fs_err::write(&temporary, bytes).is_ok() && fs_err::rename(&temporary, path).is_err() {
            let _ = fs_err::remove_file(&temporary);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn freshness_follows_cache_control() {
        let fresh = CachedPage::from_response(
            "u",
            &headers(&[("cache-control", "max-age=600, public")]),
            None,
        )
        .unwrap();
        assert!(fresh.is_fresh());
        let aged = CachedPage::from_response(
            "u",
            &headers(&[("cache-control", "max-age=600"), ("age", "601")]),
            None,
        )
        .unwrap();
        assert!(!aged.is_fresh());
        let revalidate = CachedPage::from_response(
            "u",
            &headers(&[
                ("cache-control", "max-age=600, no-cache"),
                ("etag", "\"x\""),
            ]),
            None,
        )
        .unwrap();
        assert!(!revalidate.is_fresh());
        assert_eq!(revalidate.etag.as_deref(), Some("\"x\""));
        assert!(
            CachedPage::from_response("u", &headers(&[("cache-control", "no-store")]), None)
                .is_none()
        );
        let bare = CachedPage::from_response("u", &headers(&[]), None).unwrap();
        assert!(!bare.is_fresh() && bare.etag.is_none());
    }

    #[test]
    fn round_trips_pages_and_facts() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::new(dir.path());
        let entry = CachedPage::from_response(
            "https://i/simple/a/",
            &headers(&[("etag", "\"1\"")]),
            Some(ProjectPage::default()),
        )
        .unwrap();
        cache.store_page(&entry);
        assert_eq!(cache.page("https://i/simple/a/"), Some(entry));
        assert_eq!(cache.page("https://i/simple/b/"), None);
        let facts = FileFacts::default();
        cache.store_facts("abc", &facts);
        assert_eq!(cache.facts("abc"), Some(facts));
    }
}
