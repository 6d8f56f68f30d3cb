//! The wheels a package index or a find-links page lists for a package: PEP 691 JSON or
//! PEP 503 HTML (`<a href=".../name-1.0-py3-none-any.whl#sha256=...">`), relative links resolved
//! against the page.

use megapak_plugin_abi::serde_json::{self, Value};

use crate::error::Error;
use crate::fetch::{Client, check_url, file_name};
use crate::settings::IndexDecl;
use crate::tags::WheelName;

/// One wheel of an index page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFile {
    /// Its file name, taken apart.
    pub wheel: WheelName,
    /// Its absolute URL, without the fragment.
    pub url: String,
    /// The sha256 the index gives, lowercase hex.
    pub sha256: Option<String>,
}

/// The wheels of `name` that `index` lists.
pub fn files(client: &Client, index: &IndexDecl, name: &str) -> Result<Vec<IndexFile>, Error> {
    let page = if index.find_links {
        index.url.clone()
    } else {
        format!("{}/{name}/", index.url.trim_end_matches('/'))
    };
    let base = check_url(&page)?;
    let (kind, body) = client.page(
        &page,
        "application/vnd.pypi.simple.v1+json, text/html;q=0.1",
    )?;
    let links = if kind.contains("json") {
        json_links(&body, &page)?
    } else {
        html_links(&String::from_utf8_lossy(&body))
    };
    let mut files = Vec::new();
    for (href, sha256) in links {
        let Ok(mut url) = base.join(&href) else {
            continue;
        };
        let fragment_hash = url
            .fragment()
            .and_then(|fragment| fragment.strip_prefix("sha256="))
            .map(str::to_ascii_lowercase);
        url.set_fragment(None);
        let Ok(wheel) = WheelName::parse(&file_name(&url)) else {
            continue;
        };
        if wheel.name.as_str() == name {
            files.push(IndexFile {
                wheel,
                url: url.to_string(),
                sha256: sha256.or(fragment_hash),
            });
        }
    }
    Ok(files)
}

fn json_links(body: &[u8], page: &str) -> Result<Vec<(String, Option<String>)>, Error> {
    let value: Value = serde_json::from_slice(body).map_err(|error| Error::BadUrl {
        url: page.to_owned(),
        reason: format!("its PEP 691 page is not valid JSON: {error}"),
    })?;
    Ok(value
        .get("files")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        // PEP 691: `yanked` is `false`, `true` or the reason.
        .filter(|file| matches!(file.get("yanked"), None | Some(Value::Bool(false))))
        .filter_map(|file| {
            let url = file.get("url")?.as_str()?.to_owned();
            let sha256 = file
                .get("hashes")
                .and_then(|hashes| hashes.get("sha256"))
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase);
            Some((url, sha256))
        })
        .collect())
}

/// The `href`s of `<a>` tags, entities `&amp;` decoded.
fn html_links(html: &str) -> Vec<(String, Option<String>)> {
    let mut links = Vec::new();
    let lower = html.to_ascii_lowercase();
    let mut at = 0;
    while let Some(start) = lower[at..].find("<a ") {
        let tag_start = at + start;
        let Some(end) = lower[tag_start..].find('>') else {
            break;
        };
        let tag = &html[tag_start..tag_start + end];
        let tag_lower = &lower[tag_start..tag_start + end];
        if let Some(href_at) = tag_lower.find("href=") {
            let value = &tag[href_at + 5..];
            let href = match value.chars().next() {
                Some(quote @ ('"' | '\'')) => value[1..].split(quote).next(),
                _ => value.split([' ', '\t', '\n']).next(),
            };
            if let Some(href) = href {
                links.push((href.replace("&amp;", "&"), None));
            }
        }
        at = tag_start + end;
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_links_of_an_html_page() {
        let html = r#"<html><body><A HREF="../../packages/flash_attn-2.8.3-cp314-cp314-linux_x86_64.whl#sha256=AB12">flash_attn</A>
<a data-x="1" href='https://cdn.example.com/x/flash_attn-2.8.2.tar.gz'>sdist</a></body></html>"#;
        assert_eq!(
            html_links(html),
            [
                (
                    "../../packages/flash_attn-2.8.3-cp314-cp314-linux_x86_64.whl#sha256=AB12"
                        .to_owned(),
                    None
                ),
                (
                    "https://cdn.example.com/x/flash_attn-2.8.2.tar.gz".to_owned(),
                    None
                ),
            ]
        );
    }
}
