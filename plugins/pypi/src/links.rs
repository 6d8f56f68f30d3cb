//! Anchors of HTML pages: PEP 503 simple pages and `--find-links` pages, with their
//! `data-requires-python`, `data-yanked` and `data-core-metadata` attributes and the
//! `#sha256=` fragment; and URL resolution against the page's address.

use crate::index::{CoreMetadataLink, IndexFile};

/// The files an HTML page links to.
pub fn parse_anchors(html: &str, base: &str) -> Vec<IndexFile> {
    let lower = html.to_ascii_lowercase();
    let mut files = Vec::new();
    let mut at = 0;
    while let Some(start) = lower[at..].find("<a").map(|i| at + i) {
        let Some(end) = lower[start..].find('>').map(|i| start + i) else {
            break;
        };
        at = end + 1;
        let next = lower.as_bytes().get(start + 2).copied();
        if !matches!(next, Some(b' ' | b'\t' | b'\n' | b'\r')) {
            continue;
        }
        let tag = &html[start + 2..end];
        let Some(href) = attribute(tag, "href") else {
            continue;
        };
        let (url, fragment) = href.split_once('#').unwrap_or((&href, ""));
        let url = resolve(base, url);
        let filename = url
            .rsplit('/')
            .next()
            .map(percent_decode)
            .unwrap_or_default();
        if filename.is_empty() {
            continue;
        }
        let sha256 = fragment
            .strip_prefix("sha256=")
            .map(str::to_ascii_lowercase);
        let metadata = attribute(tag, "data-core-metadata")
            .or_else(|| attribute(tag, "data-dist-info-metadata"));
        files.push(IndexFile {
            filename,
            url,
            sha256,
            requires_python: attribute(tag, "data-requires-python").filter(|r| !r.is_empty()),
            yanked: attribute(tag, "data-yanked").is_some(),
            core_metadata: match metadata.as_deref() {
                None | Some("false") => CoreMetadataLink::None,
                Some(value) => CoreMetadataLink::Available(
                    value.strip_prefix("sha256=").map(str::to_ascii_lowercase),
                ),
            },
            size: None,
        });
    }
    files
}

/// The value of `name` in an opening tag's text, entities decoded; `Some("")` for a bare
/// attribute.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find(name).map(|i| from + i) {
        from = found + name.len();
        let before_ok = found == 0 || lower.as_bytes()[found - 1].is_ascii_whitespace();
        let rest = &tag[from..];
        let trimmed = rest.trim_start();
        if !before_ok {
            continue;
        }
        let Some(value) = trimmed.strip_prefix('=') else {
            if trimmed.is_empty()
                || trimmed.starts_with(|c: char| c.is_ascii_whitespace() || c == '/')
                || rest.starts_with(char::is_whitespace)
            {
                return Some(String::new());
            }
            continue;
        };
        let value = value.trim_start();
        let raw = match value.chars().next() {
            Some(quote @ ('"' | '\'')) => value[1..].split(quote).next().unwrap_or(""),
            _ => value
                .split(|c: char| c.is_ascii_whitespace())
                .next()
                .unwrap_or(""),
        };
        return Some(decode_entities(raw));
    }
    None
}

fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = text
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `reference` resolved against `base` (RFC 3986), without a fragment.
pub fn resolve(base: &str, reference: &str) -> String {
    let reference = reference.split('#').next().unwrap_or("");
    match url::Url::parse(base).and_then(|base| base.join(reference)) {
        Ok(url) => url.to_string(),
        Err(_) => reference.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pep_503_anchors() {
        let html = r#"<!DOCTYPE html><html><body>
<a href="/packages/demo-1.0.tar.gz#sha256=ABC" data-requires-python="&gt;=3.9">demo-1.0.tar.gz</a><br/>
<A HREF='https://files.example/demo-1.1%2Bcu130-py3-none-any.whl' data-yanked data-core-metadata="sha256=beef">x</A>
<a name="no-href">skip</a><abbr>not an anchor</abbr>
</body></html>"#;
        let files = parse_anchors(html, "https://idx.example/simple/demo/");
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].url, "https://idx.example/packages/demo-1.0.tar.gz");
        assert_eq!(files[0].sha256.as_deref(), Some("abc"));
        assert_eq!(files[0].requires_python.as_deref(), Some(">=3.9"));
        assert!(!files[0].yanked);
        assert_eq!(files[1].filename, "demo-1.1+cu130-py3-none-any.whl");
        assert!(files[1].yanked);
        assert_eq!(
            files[1].core_metadata,
            CoreMetadataLink::Available(Some("beef".to_owned()))
        );
    }
}
