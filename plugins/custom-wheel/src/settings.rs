//! The `[resolvers.custom-wheel]` table of `megapak.toml`, as the request's JSON carries it.
//!
//! ```toml
//! [resolvers.custom-wheel]
//! nvidia-wheels = "cuda-packages"   # or "keep"
//!
//! [[resolvers.custom-wheel.wheel]]
//! name = "onnxruntime-gpu"
//! url = "https://files.pythonhosted.org/.../onnxruntime_gpu-1.31.1-cp314-cp314-manylinux_2_28_x86_64.whl"
//! sha256 = "52a9ec26..."            # optional: hex or `sha256-<base64>`
//!
//! [[resolvers.custom-wheel.index]]
//! url = "https://wheels.example.com/simple"   # PEP 503/691, or a find-links page
//! packages = ["flash-attn"]
//!
//! [[resolvers.custom-wheel.git]]
//! name = "clip"
//! url = "https://github.com/openai/CLIP"
//! rev = "main"
//! submodules = false
//! ```
//!
//! Everything is checked before any work: an unknown key or a wrong type fails the whole call,
//! naming the declaration.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use megapak_plugin_abi::serde_json::{Map, Value};
use megapak_plugin_abi::wire::NvidiaWheels;
use megapak_types::PackageName;

use crate::error::declaration;
use serde::Deserialize;

/// The plugin's settings, checked.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `[[...wheel]]`, in order.
    pub wheels: Vec<WheelDecl>,
    /// `[[...index]]`, in order.
    pub indexes: Vec<IndexDecl>,
    /// `[[...git]]`, in order.
    pub gits: Vec<GitDecl>,
    /// What to do with dependencies on `nvidia-*` wheels.
    pub nvidia_wheels: NvidiaWheels,
    /// Where downloads and git clones are kept.
    pub cache_dir: PathBuf,
    /// How long one network operation may stall.
    pub timeout: Duration,
    /// The largest wheel downloaded, in bytes.
    pub max_download: u64,
    /// Where the settings' parts were written (`"wheel[1]"` -> `"megapak.toml:14"`), as the
    /// request says; may be empty.
    pub locations: BTreeMap<String, String>,
}

impl Settings {
    /// Where declaration number `index` (from 1) of `table` was written, if the host said.
    pub fn location(&self, table: &str, index: usize) -> Option<String> {
        self.locations
            .get(&format!("{table}[{}]", index.saturating_sub(1)))
            .cloned()
    }
}

/// A wheel declared by URL or path.
#[derive(Debug, Clone)]
pub struct WheelDecl {
    /// From 1.
    pub index: usize,
    /// The package.
    pub name: PackageName,
    /// Where the wheel is.
    pub location: WheelLocation,
    /// The declared sha256, lowercase hex.
    pub sha256: Option<String>,
}

/// Where a declared wheel is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WheelLocation {
    /// A URL.
    Url(String),
    /// A local file: as written, and resolved against the workspace.
    Path {
        /// As written in `megapak.toml`.
        written: String,
        /// Absolute.
        absolute: PathBuf,
    },
}

/// A package index or find-links page.
#[derive(Debug, Clone)]
pub struct IndexDecl {
    /// From 1.
    pub index: usize,
    /// The index root (`.../simple`) or the find-links page.
    pub url: String,
    /// Whether `url` is a find-links page rather than a PEP 503 root.
    pub find_links: bool,
    /// The packages it serves.
    pub packages: Vec<PackageName>,
}

/// A git source.
#[derive(Debug, Clone)]
pub struct GitDecl {
    /// From 1.
    pub index: usize,
    /// The package.
    pub name: PackageName,
    /// The repository, without `git+`.
    pub url: String,
    /// The branch, tag or commit; the default branch when absent.
    pub rev: Option<String>,
    /// Whether submodules are checked out (and hashed).
    pub submodules: bool,
    /// The package's folder in the repository.
    pub subdirectory: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSettings {
    #[serde(default)]
    wheel: Vec<Value>,
    #[serde(default)]
    index: Vec<Value>,
    #[serde(default)]
    git: Vec<Value>,
    #[serde(default)]
    nvidia_wheels: Option<String>,
    #[serde(default)]
    cache_dir: Option<String>,
    #[serde(default)]
    timeout_seconds: Option<u64>,
    #[serde(default)]
    max_download_mib: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWheel {
    name: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    sha256: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawIndex {
    url: String,
    packages: Vec<String>,
    #[serde(default)]
    find_links: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGit {
    name: String,
    url: String,
    #[serde(default)]
    rev: Option<String>,
    #[serde(default)]
    submodules: bool,
    #[serde(default)]
    subdirectory: Option<String>,
}

const TABLE: &str = "[resolvers.custom-wheel]";

impl Settings {
    /// Reads the settings of a request; `workspace` is the folder of `megapak.toml`, and
    /// `locations` where each part of the settings was written (for messages).
    pub fn read(
        settings: &Map<String, Value>,
        workspace: &str,
        locations: &BTreeMap<String, String>,
    ) -> Result<Self, String> {
        let raw: RawSettings = serde_json::from_value(Value::Object(settings.clone()))
            .map_err(|error| format!("`{TABLE}` of `megapak.toml`: {error}"))?;
        let workspace = Path::new(workspace);
        let nvidia_wheels = match raw.nvidia_wheels.as_deref() {
            None | Some("cuda-packages") => NvidiaWheels::CudaPackages,
            Some("keep") => NvidiaWheels::Keep,
            Some(other) => {
                return Err(format!(
                    "`nvidia-wheels = \"{other}\"` in `{TABLE}`: expected `\"keep\"` or `\"cuda-packages\"`"
                ));
            }
        };
        let wheels = raw
            .wheel
            .into_iter()
            .enumerate()
            .map(|(at, value)| wheel(at + 1, value, workspace, locations))
            .collect::<Result<_, _>>()?;
        let indexes = raw
            .index
            .into_iter()
            .enumerate()
            .map(|(at, value)| index(at + 1, value, locations))
            .collect::<Result<_, _>>()?;
        let gits = raw
            .git
            .into_iter()
            .enumerate()
            .map(|(at, value)| git(at + 1, value, locations))
            .collect::<Result<_, _>>()?;
        let cache_dir = match raw.cache_dir {
            Some(dir) => workspace.join(dir),
            None => default_cache_dir(workspace),
        };
        Ok(Self {
            wheels,
            indexes,
            gits,
            nvidia_wheels,
            cache_dir,
            timeout: Duration::from_secs(raw.timeout_seconds.unwrap_or(60).max(1)),
            max_download: raw.max_download_mib.unwrap_or(4096).saturating_mul(1 << 20),
            locations: locations.clone(),
        })
    }
}

/// `$XDG_CACHE_HOME/megapak/custom-wheel`, else `~/.cache/...`, else the workspace's `.megapak`.
fn default_cache_dir(workspace: &Path) -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(|| workspace.join(".megapak"));
    base.join("megapak").join("custom-wheel")
}

/// `` `[[resolvers.custom-wheel.<table>]]` #at at `megapak.toml:14` ``.
fn here(table: &str, at: usize, locations: &BTreeMap<String, String>) -> String {
    let written = locations.get(&format!("{table}[{}]", at.saturating_sub(1)));
    declaration(table, at, written.map(String::as_str))
}

fn parse<T: for<'de> Deserialize<'de>>(
    table: &str,
    at: usize,
    value: Value,
    locations: &BTreeMap<String, String>,
) -> Result<T, String> {
    let name = value
        .get("name")
        .and_then(Value::as_str)
        .map(|name| format!(" (`name = \"{name}\"`)"))
        .unwrap_or_default();
    serde_json::from_value(value)
        .map_err(|error| format!("{}{name}: {error}", here(table, at, locations)))
}

fn name(
    table: &str,
    at: usize,
    name: &str,
    locations: &BTreeMap<String, String>,
) -> Result<PackageName, String> {
    PackageName::new(name).map_err(|error| format!("{}: {error}", here(table, at, locations)))
}

fn wheel(
    at: usize,
    value: Value,
    workspace: &Path,
    locations: &BTreeMap<String, String>,
) -> Result<WheelDecl, String> {
    let raw: RawWheel = parse("wheel", at, value, locations)?;
    let name = name("wheel", at, &raw.name, locations)?;
    let here = format!("{} (`name = \"{name}\"`)", here("wheel", at, locations));
    let location = match (raw.url, raw.path) {
        (Some(url), None) => WheelLocation::Url(url),
        (None, Some(path)) => WheelLocation::Path {
            absolute: workspace.join(&path),
            written: path,
        },
        _ => return Err(format!("{here}: set exactly one of `url` and `path`")),
    };
    let sha256 =
        raw.sha256
            .map(|hash| {
                sha256_hex(&hash).ok_or_else(|| {
            format!("{here}: `sha256 = \"{hash}\"` is neither 64 hex digits nor `sha256-<base64>`")
        })
            })
            .transpose()?;
    Ok(WheelDecl {
        index: at,
        name,
        location,
        sha256,
    })
}

fn index(
    at: usize,
    value: Value,
    locations: &BTreeMap<String, String>,
) -> Result<IndexDecl, String> {
    let raw: RawIndex = parse("index", at, value, locations)?;
    let packages = raw
        .packages
        .iter()
        .map(|package| name("index", at, package, locations))
        .collect::<Result<_, _>>()?;
    Ok(IndexDecl {
        index: at,
        url: raw.url,
        find_links: raw.find_links,
        packages,
    })
}

fn git(at: usize, value: Value, locations: &BTreeMap<String, String>) -> Result<GitDecl, String> {
    let raw: RawGit = parse("git", at, value, locations)?;
    Ok(GitDecl {
        index: at,
        name: name("git", at, &raw.name, locations)?,
        url: raw.url.strip_prefix("git+").unwrap_or(&raw.url).to_owned(),
        rev: raw.rev,
        submodules: raw.submodules,
        subdirectory: raw.subdirectory,
    })
}

/// A sha256 as lowercase hex, from hex or SRI.
pub fn sha256_hex(hash: &str) -> Option<String> {
    if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(hash.to_ascii_lowercase());
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(hash.strip_prefix("sha256-")?)
        .ok()?;
    (bytes.len() == 32).then(|| bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// `sha256-<base64>` of a hex sha256.
pub fn sri(hex: &str) -> String {
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .filter_map(|at| u8::from_str_radix(&hex[at..at + 2], 16).ok())
        .collect();
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(value: Value) -> Result<Settings, String> {
        let Value::Object(map) = value else {
            unreachable!()
        };
        Settings::read(&map, "/ws", &BTreeMap::new())
    }

    #[test]
    fn reads_declarations_relative_to_the_workspace() {
        let settings = read(json!({
            "nvidia-wheels": "keep",
            "cache-dir": "cache",
            "wheel": [
                {"name": "A_b", "path": "w/a_b-1.0-py3-none-any.whl",
                 "sha256": "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
            ],
            "git": [{"name": "clip", "url": "git+https://github.com/openai/CLIP", "rev": "main"}],
        }))
        .unwrap();
        assert_eq!(settings.nvidia_wheels, NvidiaWheels::Keep);
        assert_eq!(settings.cache_dir, Path::new("/ws/cache"));
        let wheel = &settings.wheels[0];
        assert_eq!(wheel.name.as_str(), "a-b");
        assert_eq!(
            wheel.location,
            WheelLocation::Path {
                written: "w/a_b-1.0-py3-none-any.whl".into(),
                absolute: "/ws/w/a_b-1.0-py3-none-any.whl".into()
            }
        );
        assert_eq!(
            wheel.sha256.as_deref(),
            Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        assert_eq!(
            sri(wheel.sha256.as_deref().unwrap()),
            "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        assert_eq!(settings.gits[0].url, "https://github.com/openai/CLIP");
    }

    #[test]
    fn bad_declarations_are_named_by_table_and_place() {
        let errors: Vec<String> = [
            json!({"wheel": [{"name": "a", "url": "https://x/a.whl"}, {"name": "b"}]}),
            json!({"wheel": [{"name": "a", "url": "u", "sha": "x"}]}),
            json!({"wheel": [{"name": "a", "url": "u", "sha256": "abc"}]}),
            json!({"git": [{"url": "https://x/r"}]}),
            json!({"nvidia-wheels": "drop"}),
            json!({"wheels": []}),
        ]
        .into_iter()
        .map(|value| read(value).unwrap_err())
        .collect();
        insta::assert_snapshot!(errors.join("\n"), @r#"
    `[[resolvers.custom-wheel.wheel]]` #2 of `megapak.toml` (`name = "b"`): set exactly one of `url` and `path`
    `[[resolvers.custom-wheel.wheel]]` #1 of `megapak.toml` (`name = "a"`): unknown field `sha`, expected one of `name`, `url`, `path`, `sha256`
    `[[resolvers.custom-wheel.wheel]]` #1 of `megapak.toml` (`name = "a"`): `sha256 = "abc"` is neither 64 hex digits nor `sha256-<base64>`
    `[[resolvers.custom-wheel.git]]` #1 of `megapak.toml`: missing field `name`
    `nvidia-wheels = "drop"` in `[resolvers.custom-wheel]`: expected `"keep"` or `"cuda-packages"`
    `[resolvers.custom-wheel]` of `megapak.toml`: unknown field `wheels`, expected one of `wheel`, `index`, `git`, `nvidia-wheels`, `cache-dir`, `timeout-seconds`, `max-download-mib`
    "#);
    }
}

#[cfg(test)]
mod located {
    use std::collections::BTreeMap;

    use megapak_plugin_abi::serde_json::{Value, json};

    use super::Settings;

    #[test]
    fn a_bad_declaration_is_named_by_its_line_when_the_host_says_it() {
        let Value::Object(map) = json!({"wheel": [
            {"name": "a", "url": "https://x/a-1-py3-none-any.whl"},
            {"name": "b"},
        ]}) else {
            unreachable!()
        };
        let locations = BTreeMap::from([
            ("wheel[0]".to_owned(), "ws/megapak.toml:10".to_owned()),
            ("wheel[1]".to_owned(), "ws/megapak.toml:14".to_owned()),
        ]);
        let error = Settings::read(&map, "/ws", &locations).unwrap_err();
        insta::assert_snapshot!(error, @r#"`[[resolvers.custom-wheel.wheel]]` #2 at `ws/megapak.toml:14` (`name = "b"`): set exactly one of `url` and `path`"#);
    }
}
