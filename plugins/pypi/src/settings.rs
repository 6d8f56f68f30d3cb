//! The plugin's settings (`[resolvers.pypi]` of `megapak.toml`, handed over as JSON) and the pak
//! files' index options, validated once into [`Settings`] before any request is made.
//!
//! Unknown keys are refused with the key named: a typo such as `index_url` must not silently fall
//! back to PyPI.

use std::path::{Path, PathBuf};
use std::time::Duration;

use megapak_plugin_abi::serde_json::{Map, Value};
use megapak_plugin_abi::wire::IndexHints;

use crate::error::SettingsError;

/// PyPI's simple index.
pub const DEFAULT_INDEX: &str = "https://pypi.org/simple";

/// The keys `[resolvers.pypi]` accepts, in the order the error message lists them.
const KEYS: &[&str] = &[
    "index-url",
    "extra-index-urls",
    "find-links",
    "max-in-flight",
    "cache-dir",
    "glibc",
    "timeout",
    "retries",
    "max-response-mib",
];

/// Validated settings for one call.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The indexes to read, the main one first, without a trailing `/`.
    pub indexes: Vec<String>,
    /// `--find-links` locations: URLs of HTML pages, or local folders (absolute).
    pub find_links: Vec<String>,
    /// How many requests may be in flight at once.
    pub max_in_flight: usize,
    /// The on-disk HTTP cache.
    pub cache_dir: PathBuf,
    /// The newest glibc the target has, `(2, 28)` for `manylinux_2_28`.
    pub glibc: (u32, u32),
    /// The time one request may take.
    pub timeout: Duration,
    /// How often a failed request (timeout, 5xx, connection) is tried again.
    pub retries: u32,
    /// The largest response read, in bytes.
    pub max_response_bytes: u64,
}

impl Settings {
    /// Reads `settings` (relative paths against `workspace`) and the pak files' `hints`.
    pub fn from_request(
        settings: &Map<String, Value>,
        hints: &IndexHints,
        workspace: &str,
    ) -> Result<Self, SettingsError> {
        if let Some(key) = settings.keys().find(|key| !KEYS.contains(&key.as_str())) {
            return Err(SettingsError::UnknownKey {
                key: key.clone(),
                known: KEYS.join("`, `"),
            });
        }
        let index_url = string(settings, "index-url")?.unwrap_or_else(|| DEFAULT_INDEX.to_owned());
        let mut indexes = vec![hints.index_url.clone().unwrap_or(index_url)];
        indexes.extend(strings(settings, "extra-index-urls")?);
        indexes.extend(hints.extra_index_urls.iter().cloned());
        if hints.no_index {
            indexes.clear();
        }
        let mut seen = Vec::new();
        for index in indexes {
            let index = index.trim_end_matches('/').to_owned();
            check_url("index-url", &index)?;
            if !seen.contains(&index) {
                seen.push(index);
            }
        }
        let workspace = Path::new(workspace);
        let find_links = strings(settings, "find-links")?
            .into_iter()
            .chain(hints.find_links.iter().cloned())
            .map(|link| {
                if link.starts_with("http://") || link.starts_with("https://") {
                    link
                } else {
                    let path = link.strip_prefix("file://").unwrap_or(&link);
                    workspace.join(path).to_string_lossy().into_owned()
                }
            })
            .collect();
        let cache_dir = match string(settings, "cache-dir")? {
            Some(dir) => workspace.join(dir),
            None => default_cache_dir(),
        };
        let glibc = match string(settings, "glibc")? {
            Some(text) => parse_glibc(&text)?,
            None => (2, 28),
        };
        let timeout = number(settings, "timeout")?.unwrap_or(30.0);
        if !(timeout > 0.0 && timeout <= 3600.0) {
            return Err(SettingsError::Range {
                key: "timeout",
                expected: "seconds between 0 and 3600",
            });
        }
        Ok(Self {
            indexes: seen,
            find_links,
            max_in_flight: integer(settings, "max-in-flight", 1, 256)?.unwrap_or(16) as usize,
            cache_dir,
            glibc,
            timeout: Duration::from_secs_f64(timeout),
            retries: integer(settings, "retries", 0, 10)?.unwrap_or(3) as u32,
            max_response_bytes: integer(settings, "max-response-mib", 1, 65_536)?.unwrap_or(256)
                << 20,
        })
    }

    /// Where a request for `name` is looked up, for messages: the indexes and find-links.
    pub fn where_looked(&self) -> String {
        let places: Vec<String> = self
            .indexes
            .iter()
            .chain(&self.find_links)
            .map(|place| format!("`{place}`"))
            .collect();
        if places.is_empty() {
            "no index (`--no-index` and no `--find-links`)".to_owned()
        } else {
            places.join(", ")
        }
    }
}

/// `$XDG_CACHE_HOME/megapak/pypi`, else `~/.cache/megapak/pypi`, else a folder in the temporary
/// folder (a build sandbox has no home).
fn default_cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|dir| Path::new(dir).is_absolute())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("megapak").join("pypi")
}

fn parse_glibc(text: &str) -> Result<(u32, u32), SettingsError> {
    let bad = || SettingsError::Range {
        key: "glibc",
        expected: "a version such as `2.28`",
    };
    let (major, minor) = text.split_once('.').ok_or_else(bad)?;
    let major: u32 = major.parse().map_err(|_| bad())?;
    let minor: u32 = minor.parse().map_err(|_| bad())?;
    if major != 2 || minor < 5 {
        return Err(bad());
    }
    Ok((major, minor))
}

fn check_url(key: &'static str, url: &str) -> Result<(), SettingsError> {
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(())
    } else {
        Err(SettingsError::Url {
            key,
            url: url.to_owned(),
        })
    }
}

fn string(
    settings: &Map<String, Value>,
    key: &'static str,
) -> Result<Option<String>, SettingsError> {
    match settings.get(key) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(SettingsError::Type {
            key,
            expected: "a string",
        }),
    }
}

fn strings(settings: &Map<String, Value>, key: &'static str) -> Result<Vec<String>, SettingsError> {
    let wrong = || SettingsError::Type {
        key,
        expected: "a list of strings",
    };
    match settings.get(key) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned).ok_or_else(wrong))
            .collect(),
        Some(_) => Err(wrong()),
    }
}

fn number(settings: &Map<String, Value>, key: &'static str) -> Result<Option<f64>, SettingsError> {
    match settings.get(key) {
        None => Ok(None),
        Some(value) => value.as_f64().map(Some).ok_or(SettingsError::Type {
            key,
            expected: "a number",
        }),
    }
}

fn integer(
    settings: &Map<String, Value>,
    key: &'static str,
    min: u64,
    max: u64,
) -> Result<Option<u64>, SettingsError> {
    match settings.get(key) {
        None => Ok(None),
        Some(value) => match value.as_u64() {
            Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(SettingsError::Integer { key, min, max }),
        },
    }
}

#[cfg(test)]
mod tests {
    use megapak_plugin_abi::serde_json::json;

    use super::*;

    fn read(settings: Value, hints: &IndexHints) -> Result<Settings, SettingsError> {
        let Value::Object(map) = settings else {
            unreachable!()
        };
        Settings::from_request(&map, hints, "/ws")
    }

    #[test]
    fn defaults_read_pypi() {
        let settings = read(json!({}), &IndexHints::default()).unwrap();
        assert_eq!(settings.indexes, [DEFAULT_INDEX]);
        assert_eq!(settings.max_in_flight, 16);
        assert_eq!(settings.glibc, (2, 28));
        assert_eq!(settings.timeout, Duration::from_secs(30));
        assert!(settings.cache_dir.ends_with("megapak/pypi"));
    }

    #[test]
    fn pak_file_options_replace_the_index_and_add_extras() {
        let hints = IndexHints {
            index_url: Some("https://mirror.example/simple/".to_owned()),
            extra_index_urls: vec!["https://download.example/whl/cu130".to_owned()],
            find_links: vec!["wheels".to_owned()],
            ..IndexHints::default()
        };
        let settings = read(
            json!({"index-url": "https://ignored.example/simple",
                   "extra-index-urls": ["https://team.example/simple"],
                   "cache-dir": "cache", "glibc": "2.34", "timeout": 2.5, "max-in-flight": 4}),
            &hints,
        )
        .unwrap();
        assert_eq!(
            settings.indexes,
            [
                "https://mirror.example/simple",
                "https://team.example/simple",
                "https://download.example/whl/cu130"
            ]
        );
        assert_eq!(settings.find_links, ["/ws/wheels"]);
        assert_eq!(settings.cache_dir, Path::new("/ws/cache"));
        assert_eq!(settings.glibc, (2, 34));
        assert_eq!(settings.timeout, Duration::from_millis(2500));
        assert_eq!(settings.max_in_flight, 4);
    }

    #[test]
    fn bad_settings_are_named() {
        let messages: Vec<String> = [
            json!({"index_url": "https://x"}),
            json!({"max-in-flight": 0}),
            json!({"glibc": "2"}),
            json!({"index-url": "ftp://x"}),
            json!({"extra-index-urls": "https://x"}),
            json!({"timeout": -1}),
        ]
        .into_iter()
        .map(|settings| {
            read(settings, &IndexHints::default())
                .unwrap_err()
                .to_string()
        })
        .collect();
        insta::assert_snapshot!(messages.join("\n"), @r"
Unknown setting `index_url` in `[resolvers.pypi]`; known settings: `index-url`, `extra-index-urls`, `find-links`, `max-in-flight`, `cache-dir`, `glibc`, `timeout`, `retries`, `max-response-mib`
Setting `max-in-flight` of `[resolvers.pypi]` must be an integer from 1 to 256
Setting `glibc` of `[resolvers.pypi]` must be a version such as `2.28`
Setting `index-url` of `[resolvers.pypi]` must be an `https://` URL, not `ftp://x`
Setting `extra-index-urls` of `[resolvers.pypi]` must be a list of strings
Setting `timeout` of `[resolvers.pypi]` must be seconds between 0 and 3600
");
    }
}
