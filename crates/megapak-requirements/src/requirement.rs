//! The requirement part of a line: PEP 508 through `pep508_rs`, plus the forms pip accepts in
//! requirements files that PEP 508 lacks (a bare URL, a VCS URL, `-e`).

use std::collections::BTreeSet;
use std::str::FromStr;

use pep440_rs::VersionSpecifiers;
use pep508_rs::{ExtraName, MarkerTree, Pep508Error, Requirement, VersionOrUrl};
use url::Url;

use crate::entry::EntrySource;
use crate::error::{SyntaxError, snippet};
use crate::guard::{
    check_after_url, check_complexity, check_marker_ascii, check_names, marker_start,
};
use crate::url_source::{looks_like_url, name_of_url, source_of_url};
use megapak_types::PackageName;

/// A requirement without its options and location.
#[derive(Debug)]
pub(crate) struct ParsedRequirement {
    pub(crate) name: PackageName,
    pub(crate) spelling: String,
    pub(crate) source: EntrySource,
    pub(crate) extras: BTreeSet<String>,
    pub(crate) marker: Option<MarkerTree>,
}

/// An error and the byte offset in the requirement text where it starts.
pub(crate) type Located = (usize, SyntaxError);

/// Parses the requirement part of a line. `editable` is set for the value of `-e`.
pub(crate) fn parse_requirement(text: &str, editable: bool) -> Result<ParsedRequirement, Located> {
    check_complexity(text)?;
    if looks_like_url(text) {
        let requirement = parse_unnamed_url(text)?;
        if editable && !matches!(requirement.source, EntrySource::Vcs(_)) {
            return Err((0, editable_not_vcs(text)));
        }
        return Ok(requirement);
    }
    if editable {
        return Err((0, editable_not_vcs(text)));
    }
    if looks_like_path(text) {
        return Err((
            0,
            SyntaxError::LocalPath {
                text: snippet(text),
            },
        ));
    }
    parse_pep508(text)
}

fn editable_not_vcs(text: &str) -> SyntaxError {
    SyntaxError::EditableNotVcs {
        text: snippet(text),
    }
}

/// `name [extras] specifiers ; marker` or `name [extras] @ url ; marker`.
fn parse_pep508(text: &str) -> Result<ParsedRequirement, Located> {
    let spelling = check_names(text)?;
    check_after_url(text)?;
    if let Some(start) = marker_start(text) {
        check_marker_ascii(&text[start..], start)?;
    }
    let requirement = Requirement::<Url>::from_str(text).map_err(|error| {
        pep508_error(text, 0, &error, |text, message| {
            SyntaxError::InvalidRequirement { text, message }
        })
    })?;
    let source = match requirement.version_or_url {
        None => EntrySource::Registry {
            specifiers: VersionSpecifiers::empty(),
        },
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => EntrySource::Registry { specifiers },
        Some(VersionOrUrl::Url(url)) => {
            let offset = text.find('@').map_or(0, |at| {
                at + 1 + (text[at + 1..].len() - text[at + 1..].trim_start().len())
            });
            source_of_url(&url).map_err(|error| (offset, error))?
        }
    };
    // `pep508_rs` checked the same PEP 508 name grammar, so this cannot fail in practice.
    let name = PackageName::new(requirement.name.as_ref()).map_err(|error| {
        (
            0,
            SyntaxError::InvalidRequirement {
                text: snippet(text),
                message: error.to_string(),
            },
        )
    })?;
    Ok(ParsedRequirement {
        name,
        spelling,
        source,
        extras: requirement.extras.iter().map(ToString::to_string).collect(),
        marker: (!requirement.marker.is_true()).then_some(requirement.marker),
    })
}

/// A URL without a name in front: `https://.../x.whl`, `git+https://...#egg=x`, optionally
/// with `[extras]` right after the URL and `; marker` after whitespace (as pip asks).
fn parse_unnamed_url(text: &str) -> Result<ParsedRequirement, Located> {
    let url_end = text.find(char::is_whitespace).unwrap_or(text.len());
    let (mut url_text, rest) = text.split_at(url_end);
    let mut marker_start = None;
    if let Some(stripped) = url_text.strip_suffix(';') {
        url_text = stripped;
        marker_start = Some(url_end);
    } else {
        let trimmed = rest.trim_start();
        let at = text.len() - trimmed.len();
        if trimmed.starts_with(';') {
            marker_start = Some(at + 1);
        } else if !trimmed.is_empty() {
            return Err((
                at,
                SyntaxError::InvalidRequirement {
                    text: snippet(text),
                    message: format!(
                        "expected `;` and a marker after the URL, found `{}`",
                        snippet(trimmed)
                    ),
                },
            ));
        }
    }

    let (url_text, extras) = split_extras(url_text)?;
    let url = Url::parse(url_text).map_err(|error| {
        (
            0,
            SyntaxError::InvalidUrl {
                url: snippet(url_text),
                message: error.to_string(),
            },
        )
    })?;
    let source = source_of_url(&url).map_err(|error| (0, error))?;
    let spelling = name_of_url(&url, &source).map_err(|error| (0, error))?;
    let marker = match marker_start {
        None => None,
        Some(start) => {
            let marker_text = &text[start..];
            check_marker_ascii(marker_text, start)?;
            let marker = MarkerTree::parse_str::<Url>(marker_text).map_err(|error| {
                pep508_error(marker_text, start, &error, |text, message| {
                    SyntaxError::InvalidMarker { text, message }
                })
            })?;
            (!marker.is_true()).then_some(marker)
        }
    };
    Ok(ParsedRequirement {
        // `name_of_url` returns valid names only.
        name: PackageName::new(&spelling).map_err(|_| {
            (
                0,
                SyntaxError::UnnamedUrl {
                    url: snippet(url_text),
                },
            )
        })?,
        spelling,
        source,
        extras,
        marker,
    })
}

/// `https://x/y.whl[a,b]` -> (`https://x/y.whl`, {a, b}), as pip's `_strip_extras`.
fn split_extras(url: &str) -> Result<(&str, BTreeSet<String>), Located> {
    let Some((bare, extras)) = url
        .strip_suffix(']')
        .and_then(|inner| inner.rsplit_once('['))
    else {
        return Ok((url, BTreeSet::new()));
    };
    extras
        .split(',')
        .map(|extra| {
            ExtraName::from_str(extra.trim())
                .map(|extra| extra.to_string())
                .map_err(|error| {
                    (
                        bare.len() + 1,
                        SyntaxError::InvalidRequirement {
                            text: snippet(url),
                            message: lowercase_first(&error.to_string()),
                        },
                    )
                })
        })
        .collect::<Result<_, _>>()
        .map(|extras| (bare, extras))
}

/// pip treats a requirement as a path if its name part holds a path separator, starts with
/// `.` or `~`, or names an archive file.
fn looks_like_path(text: &str) -> bool {
    let name_part = text
        .split(|c: char| c.is_whitespace() || "[;@<>=!~(".contains(c))
        .next()
        .unwrap_or_default();
    let lower = name_part.to_ascii_lowercase();
    name_part.contains(['/', '\\'])
        || text.starts_with(['.', '~'])
        || [".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tar"]
            .iter()
            .any(|ext| lower.ends_with(ext))
}

/// Maps a `pep508_rs` error to ours: its byte offset (`start`) shifted by `base`, and its
/// message, lowercased after the colon of ours.
fn pep508_error<T: pep508_rs::Pep508Url>(
    text: &str,
    base: usize,
    error: &Pep508Error<T>,
    make: fn(String, String) -> SyntaxError,
) -> Located {
    // `start` is a byte offset into `error.input`, which is the text we passed. Some spans
    // start at the whitespace before the offending token: point at the token.
    let start = error.start.min(text.len());
    let start = if text.is_char_boundary(start) {
        text.len() - text[start..].trim_start().len()
    } else {
        start
    };
    let message = lowercase_first(&error.message.to_string());
    let message = if message.is_empty() {
        "expected a PEP 508 requirement".to_string()
    } else {
        message
    };
    (base + start, make(snippet(text), message))
}

/// `Expected ...` -> `expected ...`, but `URL ...` stays.
fn lowercase_first(message: &str) -> String {
    let mut chars = message.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && second.is_lowercase() => first
            .to_lowercase()
            .chain(message[first.len_utf8()..].chars())
            .collect(),
        _ => message.to_string(),
    }
}

#[cfg(test)]
#[path = "requirement_tests.rs"]
mod tests;
