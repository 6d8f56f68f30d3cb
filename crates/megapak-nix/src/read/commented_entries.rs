//! The heuristic that tells a commented-out list entry (`# onnx  # TODO: check if available`)
//! from a prose comment (`# Essentials`, `# --- HuggingFace ---`, `# TODO: add more`).
//!
//! A line of a comment (a `#` comment is one line; a `/* */` comment is looked at line by line,
//! a leading `*` dropped) is an entry when all of these hold:
//!
//! 1. It starts with an attribute path: Nix identifiers (`[A-Za-z_][A-Za-z0-9_'-]*`, not a
//!    keyword) or quoted names (`"opencv-python"`) joined by `.`, ended by whitespace or the end
//!    of the line. `ps.insightface`, `onnx`, `imageio-ffmpeg` qualify; `TODO:`, `---`,
//!    `numpy>=1.26`, `e.g.` do not.
//! 2. After it comes nothing, another `#` comment (`# onnx  # TODO: check`: the note is
//!    `TODO: check`), or one parenthesised note of at most [`MAX_PAREN_NOTE`] characters
//!    (`# alembic (run by hand)`: the note is `run by hand`). Anything else makes it prose:
//!    `# onnx is not packaged`.
//! 3. Its last name does not read like a word of prose: it has a lower-case letter (`TODO`,
//!    `FIXME`, `CUDA` are labels), it is not capitalised with the rest in lower case
//!    (`Essentials`, `Optional`; camel case such as `GitPython` is kept), and a lone lower-case
//!    name is not one of [`LABELS`] (`todo`, `optional`, `deps`, …). Quoted names skip this
//!    check: quoting is deliberate.
//!
//! Known misses, accepted: a lone camel-case heading (`# HuggingFace`) reads as an entry, and a
//! package whose attribute is capitalised (`# Pillow`) reads as prose.

/// The longest parenthesised note that still makes a one-name comment an entry.
pub(crate) const MAX_PAREN_NOTE: usize = 80;

/// Lower-case words that people write alone on a comment line as labels, not package names.
pub(crate) const LABELS: &[&str] = &[
    "todo",
    "fixme",
    "xxx",
    "hack",
    "note",
    "notes",
    "nb",
    "optional",
    "deprecated",
    "disabled",
    "misc",
    "other",
    "others",
    "extra",
    "extras",
    "essentials",
    "deps",
    "dependencies",
];

const KEYWORDS: &[&str] = &[
    "if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or",
];

/// A commented-out entry found in a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CommentedName {
    /// The attribute path as written, quotes removed: `["ps", "insightface"]`.
    pub(crate) path: Vec<String>,
    /// The text after a second `#`, or inside the parentheses, trimmed; `None` if empty.
    pub(crate) note: Option<String>,
    /// Byte offset of the path's first character in the comment's text.
    pub(crate) offset: usize,
}

/// The commented-out entries in one comment token's text (with its `#` or `/* */`).
pub(crate) fn commented_names(comment: &str) -> Vec<CommentedName> {
    if let Some(body) = comment.strip_prefix("/*") {
        let body = body.strip_suffix("*/").unwrap_or(body);
        let mut found = Vec::new();
        let mut line_offset = 2;
        for line in body.split('\n') {
            let trimmed = line.trim_start();
            let (start, text) = match trimmed.strip_prefix('*') {
                Some(rest) if !rest.starts_with('/') => {
                    let rest_trimmed = rest.trim_start();
                    (line.len() - rest_trimmed.len(), rest_trimmed)
                }
                _ => (line.len() - trimmed.len(), trimmed),
            };
            if let Some(name) = commented_name(text, line_offset + start) {
                found.push(name);
            }
            line_offset += line.len() + 1;
        }
        found
    } else {
        let body = comment.trim_start_matches('#');
        let trimmed = body.trim_start();
        let start = comment.len() - trimmed.len();
        commented_name(trimmed, start).into_iter().collect()
    }
}

/// Applies the rules of the module docs to one comment line with leading space removed.
fn commented_name(line: &str, offset: usize) -> Option<CommentedName> {
    let (path, rest) = split_attr_path(line)?;
    let rest = rest.trim();
    let note = if rest.is_empty() {
        None
    } else if let Some(note) = rest.strip_prefix('#') {
        Some(note.trim_start_matches('#').trim())
    } else if let Some(inner) = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        if rest.chars().count() > MAX_PAREN_NOTE || inner.contains(['(', ')']) {
            return None;
        }
        Some(inner.trim())
    } else {
        return None;
    };
    let last = path.last()?;
    if last.unquoted && reads_like_prose(&last.name, path.len() == 1) {
        return None;
    }
    Some(CommentedName {
        path: path.into_iter().map(|part| part.name).collect(),
        note: note.filter(|n| !n.is_empty()).map(str::to_owned),
        offset,
    })
}

struct PathPart {
    name: String,
    unquoted: bool,
}

/// Splits `line` into a leading attribute path and the rest, or `None` if it does not start with
/// one followed by whitespace or the end.
fn split_attr_path(line: &str) -> Option<(Vec<PathPart>, &str)> {
    let mut parts = Vec::new();
    let mut rest = line;
    loop {
        let (part, after) = if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"')?;
            let name = &quoted[..end];
            if name.is_empty() || name.contains(['\\', '$']) {
                return None;
            }
            let part = PathPart {
                name: name.to_owned(),
                unquoted: false,
            };
            (part, &quoted[end + 1..])
        } else {
            let len = identifier_len(rest)?;
            let name = &rest[..len];
            if KEYWORDS.contains(&name) {
                return None;
            }
            let part = PathPart {
                name: name.to_owned(),
                unquoted: true,
            };
            (part, &rest[len..])
        };
        parts.push(part);
        match after.strip_prefix('.') {
            Some(next) => rest = next,
            None if after.is_empty() || after.starts_with(char::is_whitespace) => {
                return Some((parts, after));
            }
            None => return None,
        }
    }
}

/// The length of the Nix identifier at the start of `text`, if there is one.
fn identifier_len(text: &str) -> Option<usize> {
    let mut chars = text.char_indices();
    let (_, first) = chars.next()?;
    if !(first.is_ascii_alphabetic() || first == '_') {
        return None;
    }
    let end = chars
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '-')))
        .map_or(text.len(), |(at, _)| at);
    Some(end)
}

/// Rule 3 of the module docs.
fn reads_like_prose(name: &str, alone: bool) -> bool {
    let has_lower = name.chars().any(|c| c.is_ascii_lowercase());
    let mut chars = name.chars();
    let capitalised = chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| !c.is_ascii_uppercase());
    !has_lower || capitalised || (alone && LABELS.contains(&name))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The entries of a comment as `path [note] @offset`, one per line.
    fn names(comment: &str) -> String {
        commented_names(comment)
            .iter()
            .map(|name| {
                let note = name
                    .note
                    .as_deref()
                    .map(|n| format!(" [{n}]"))
                    .unwrap_or_default();
                format!("{}{note} @{}", name.path.join("."), name.offset)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn one_name_is_an_entry() {
        assert_eq!(names("# onnx"), "onnx @2");
        assert_eq!(names("#decord"), "decord @1");
        assert_eq!(names("# imageio-ffmpeg"), "imageio-ffmpeg @2");
        assert_eq!(names("# GitPython"), "GitPython @2");
        assert_eq!(names("# torch_2'"), "torch_2' @2");
    }

    #[test]
    fn a_second_hash_starts_the_note() {
        assert_eq!(
            names("# onnx  # TODO: check if available"),
            "onnx [TODO: check if available] @2"
        );
        assert_eq!(
            names("#decord # not in nixpkgs"),
            "decord [not in nixpkgs] @1"
        );
        assert_eq!(names("# onnx ## twice"), "onnx [twice] @2");
        assert_eq!(names("# onnx #"), "onnx @2");
    }

    #[test]
    fn a_short_parenthesised_note_is_kept() {
        assert_eq!(names("# alembic (run by hand)"), "alembic [run by hand] @2");
        let long = format!("# alembic ({})", "x".repeat(MAX_PAREN_NOTE));
        assert_eq!(names(&long), "");
        assert_eq!(names("# alembic (a) (b)"), "");
    }

    #[test]
    fn attribute_paths_and_quoted_names_are_entries() {
        assert_eq!(names("# ps.insightface"), "ps.insightface @2");
        assert_eq!(
            names("# python314Packages.onnx  # TODO"),
            "python314Packages.onnx [TODO] @2"
        );
        assert_eq!(names("# ps.\"opencv-python\""), "ps.opencv-python @2");
        assert_eq!(names("# \"Pillow\""), "Pillow @2");
    }

    #[test]
    fn prose_is_not_an_entry() {
        for comment in [
            "# Essentials",
            "# --- HuggingFace ---",
            "# TODO: add more",
            "# TODO",
            "# FIXME",
            "# CUDA",
            "# todo",
            "# optional",
            "# Image and video",
            "# Not in nixpkgs, packaged by hand",
            "# onnx is not packaged",
            "# numpy>=1.26",
            "# e.g.",
            "# with ps;",
            "# inherit",
            "# see https://example.org",
            "#",
            "# ",
            "# \"\"",
            "# \"a${b}\"",
            "# ps.",
            "# 3d-tools",
        ] {
            assert_eq!(names(comment), "", "{comment:?}");
        }
    }

    #[test]
    fn label_words_are_entries_behind_a_set() {
        assert_eq!(names("# ps.extras"), "ps.extras @2");
    }

    #[test]
    fn block_comments_are_read_line_by_line() {
        assert_eq!(names("/* comfy-kitchen */"), "comfy-kitchen @3");
        assert_eq!(
            names("/*\n  mypy\n  black  # replaced by ruff\n  Linters\n*/"),
            "mypy @5\nblack [replaced by ruff] @12"
        );
        assert_eq!(names("/*\n * onnx\n */"), "onnx @6");
        assert_eq!(names("/* A long explanation. */"), "");
    }
}
