//! Index pages of the simple repository API: PEP 691 JSON (asked for first) and PEP 503 HTML
//! (what some mirrors and `--find-links` pages serve), both read into one [`ProjectPage`].

use serde::Deserialize;

use crate::links;

/// The `Accept` header: PEP 691 JSON, HTML as a fallback for indexes that only have HTML.
pub const ACCEPT: &str = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";

/// The files an index lists for one project.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct ProjectPage {
    /// Every file, as listed.
    pub files: Vec<IndexFile>,
}

/// One file of an index page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct IndexFile {
    /// The file name, e.g. `decord-0.6.0-py3-none-manylinux2010_x86_64.whl`.
    pub filename: String,
    /// Its absolute URL, without a hash fragment.
    pub url: String,
    /// The sha256 the index publishes, lowercase hex.
    pub sha256: Option<String>,
    /// Its `Requires-Python`.
    pub requires_python: Option<String>,
    /// Whether the index marks it yanked.
    pub yanked: bool,
    /// PEP 658/714: whether `<url>.metadata` exists, and its sha256 when given.
    pub core_metadata: CoreMetadataLink,
    /// Its size in bytes, when the index says (PEP 700).
    pub size: Option<u64>,
}

/// Whether an index serves a file's METADATA apart (PEP 658/714).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
pub enum CoreMetadataLink {
    /// Not advertised.
    None,
    /// At `<url>.metadata`, with its sha256 if the index gives one.
    Available(Option<String>),
}

/// Reads a page: JSON when the content type or the first byte says so, else HTML. `base` is the
/// page's URL, against which relative file URLs resolve.
pub fn parse_page(body: &[u8], content_type: &str, base: &str) -> Result<ProjectPage, String> {
    let looks_json = content_type.contains("json")
        || body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if looks_json {
        parse_json(body, base)
    } else {
        let text = std::str::from_utf8(body).map_err(|e| format!("not UTF-8: {e}"))?;
        if !text.to_ascii_lowercase().contains("<a") && !text.to_ascii_lowercase().contains("<html")
        {
            return Err("neither PEP 691 JSON nor HTML".to_owned());
        }
        Ok(ProjectPage {
            files: links::parse_anchors(text, base),
        })
    }
}

#[derive(Deserialize)]
struct JsonPage {
    files: Vec<JsonFile>,
}

#[derive(Deserialize)]
struct JsonFile {
    filename: String,
    url: String,
    #[serde(default)]
    hashes: std::collections::BTreeMap<String, String>,
    #[serde(default, rename = "requires-python")]
    requires_python: Option<String>,
    #[serde(default)]
    yanked: Yanked,
    #[serde(default, rename = "core-metadata")]
    core_metadata: Option<MetadataField>,
    #[serde(default, rename = "dist-info-metadata")]
    dist_info_metadata: Option<MetadataField>,
    #[serde(default)]
    size: Option<u64>,
}

/// `yanked`: `false`, `true` or the reason.
#[derive(Deserialize, Default)]
#[serde(untagged)]
enum Yanked {
    #[default]
    No,
    Flag(bool),
    Reason(#[allow(dead_code)] String),
}

/// `core-metadata`: `true`/`false` or `{"sha256": ...}`.
#[derive(Deserialize)]
#[serde(untagged)]
enum MetadataField {
    Flag(bool),
    Hashes(std::collections::BTreeMap<String, String>),
}

fn parse_json(body: &[u8], base: &str) -> Result<ProjectPage, String> {
    let page: JsonPage = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let files = page
        .files
        .into_iter()
        .map(|file| {
            let metadata = file.core_metadata.or(file.dist_info_metadata);
            IndexFile {
                url: links::resolve(base, &file.url),
                sha256: file.hashes.get("sha256").map(|h| h.to_ascii_lowercase()),
                requires_python: file.requires_python.filter(|r| !r.trim().is_empty()),
                yanked: match file.yanked {
                    Yanked::No | Yanked::Flag(false) => false,
                    Yanked::Flag(true) | Yanked::Reason(_) => true,
                },
                core_metadata: match metadata {
                    None | Some(MetadataField::Flag(false)) => CoreMetadataLink::None,
                    Some(MetadataField::Flag(true)) => CoreMetadataLink::Available(None),
                    Some(MetadataField::Hashes(hashes)) => {
                        CoreMetadataLink::Available(hashes.get("sha256").cloned())
                    }
                },
                size: file.size,
                filename: file.filename,
            }
        })
        .collect();
    Ok(ProjectPage { files })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pep_691_json_with_relative_urls_and_yanked_reasons() {
        let body = br#"{"meta": {"api-version": "1.1"}, "name": "demo", "files": [
            {"filename": "demo-1.0.tar.gz", "url": "../../files/demo-1.0.tar.gz",
             "hashes": {"sha256": "ABCD"}, "requires-python": ">=3.9", "yanked": "broken",
             "core-metadata": {"sha256": "beef"}, "size": 10},
            {"filename": "demo-1.1-py3-none-any.whl", "url": "https://files.example/demo-1.1-py3-none-any.whl",
             "hashes": {}, "requires-python": "", "dist-info-metadata": true}
        ]}"#;
        let page = parse_page(
            body,
            "application/vnd.pypi.simple.v1+json",
            "https://idx.example/simple/demo/",
        )
        .unwrap();
        assert_eq!(
            page.files[0].url,
            "https://idx.example/files/demo-1.0.tar.gz"
        );
        assert_eq!(page.files[0].sha256.as_deref(), Some("abcd"));
        assert!(page.files[0].yanked);
        assert_eq!(
            page.files[0].core_metadata,
            CoreMetadataLink::Available(Some("beef".to_owned()))
        );
        assert_eq!(page.files[1].requires_python, None);
        assert!(!page.files[1].yanked);
        assert_eq!(
            page.files[1].core_metadata,
            CoreMetadataLink::Available(None)
        );
    }

    #[test]
    fn names_what_is_wrong_with_garbage() {
        let truncated = br#"{"files": [{"filename": "demo-1.0.tar.gz", "url": "x""#;
        let error = parse_page(
            truncated,
            "application/vnd.pypi.simple.v1+json",
            "https://i/",
        )
        .unwrap_err();
        assert!(error.contains("EOF"), "{error}");
        assert!(parse_page(b"hello", "text/plain", "https://i/").is_err());
    }
}
