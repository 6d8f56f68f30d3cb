//! The edits themselves: splices of the original text, located with rnix, checked by reading
//! the result again.

use std::collections::HashMap;
use std::path::Path;

use rnix::{SyntaxKind, TextSize};

use super::{SyncEdit, SyncError, Wanted};
use crate::Location;
use crate::location::LineIndex;
use crate::read::{EntryState, FlakeEntry, on_parser_stack, parse_flake_packages};

/// The comment line of a commented-out entry, by byte offsets in the flake's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CommentLine {
    line_start: usize,
    hash: usize,
    line_end: usize,
}

/// The line of `location` when it is a `#` comment line (only blanks before the `#`); `None`
/// for an entry inside a `/* */` block, which no one-line edit can turn on.
pub(super) fn comment_line(text: &str, location: &Location) -> Option<CommentLine> {
    let line_start = line_start(text, location.line)?;
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |end| line_start + end);
    let line = &text[line_start..line_end];
    let blanks = line.len() - line.trim_start().len();
    line[blanks..].starts_with('#').then_some(CommentLine {
        line_start,
        hash: line_start + blanks,
        line_end,
    })
}

/// Applies the uncomments and additions to `text`; returns the new text and the edits in file
/// order.
pub(super) fn apply(
    text: &str,
    path: &Path,
    entries: &[FlakeEntry],
    uncomment: Vec<(Wanted, FlakeEntry, CommentLine)>,
    add: Vec<Wanted>,
) -> Result<(String, Vec<SyncEdit>), SyncError> {
    // (start, end, replacement, the edit once its location in the new text is known)
    let mut splices: Vec<(usize, usize, String, Pending)> = Vec::new();
    for (wanted, entry, line) in uncomment {
        let before = text[line.hash..line.line_end].trim().to_owned();
        let after = uncommented(&before, &entry.attr, &wanted.attribute);
        splices.push((
            line.hash,
            line.line_end,
            after.clone(),
            Pending::Uncomment {
                wanted,
                location: entry.location,
                before,
                after,
            },
        ));
    }
    if !add.is_empty() {
        let target = main_list(text, entries).ok_or_else(|| SyncError::NoPackageList {
            path: path.to_path_buf(),
        })?;
        let mut block = String::new();
        let mut added = Vec::new();
        for wanted in add {
            let written = target.style.write(&wanted.attribute);
            if target.own_line {
                block.push_str(&format!("{}{written}\n", target.indent));
            } else {
                block.push_str(&format!("{written} "));
            }
            added.push((wanted, written));
        }
        if target.own_line {
            block.insert_str(0, &format!("{}# Added by megapak sync\n", target.indent));
        }
        splices.push((target.at, target.at, block, Pending::Add(added)));
    }
    splices.sort_by_key(|splice| splice.0);

    let mut out = String::with_capacity(text.len() + 256);
    let mut done = 0;
    let mut placed = Vec::new();
    for (start, end, replacement, pending) in splices {
        out.push_str(&text[done..start]);
        placed.push((out.len(), pending));
        out.push_str(&replacement);
        done = end;
    }
    out.push_str(&text[done..]);

    let index = LineIndex::new(&out, path);
    let mut edits = Vec::new();
    for (at, pending) in placed {
        match pending {
            Pending::Uncomment {
                wanted,
                location,
                before,
                after,
            } => edits.push(SyncEdit::Uncomment {
                wanted,
                location,
                before,
                after,
            }),
            Pending::Add(added) => {
                // The items follow each other (after the heading line, or inline) from `at`.
                let mut cursor = at;
                for (wanted, written) in added {
                    cursor += out[cursor..].find(&written).unwrap_or(0);
                    edits.push(SyncEdit::Add {
                        location: index.location(to_text_size(cursor)),
                        wanted,
                        written,
                    });
                }
            }
        }
    }
    check(&out, path, &edits)?;
    Ok((out, edits))
}

/// An edit whose location in the new text is not known yet.
enum Pending {
    Uncomment {
        wanted: Wanted,
        location: Location,
        before: String,
        after: String,
    },
    Add(Vec<(Wanted, String)>),
}

/// `# onnx  # TODO: check if available` -> `onnx`; `# alembic (run by hand)` ->
/// `alembic  # (run by hand)`; `# decord  # not in nixpkgs` -> `decord  # not in nixpkgs`.
/// When the comment names the package by another name than its attribute in the set
/// (`# onnxruntime-gpu` for nixpkgs' `onnxruntime`), the attribute is written and the name the
/// user wrote stays as a note: `onnxruntime  # for onnxruntime-gpu`.
fn uncommented(comment: &str, written_name: &str, attribute: &str) -> String {
    let body = comment.trim_start_matches('#').trim_start();
    let path_end = body
        .find(|c: char| c.is_whitespace() || c == '#' || c == '(')
        .unwrap_or(body.len());
    let (path, rest) = body.split_at(path_end);
    let mut notes = Vec::new();
    let path = if written_name == attribute {
        path.to_owned()
    } else {
        notes.push(format!("for {written_name}"));
        let name = ItemStyle::Bare { set: None }.write(attribute);
        match path.rfind('.') {
            // `ps.onnxruntime-gpu` -> `ps.onnxruntime`; a quoted last name has no `.` after
            // its set either way.
            Some(dot) if !path.ends_with('"') || path[..dot].ends_with(char::is_alphanumeric) => {
                format!("{}.{}", &path[..dot], name.trim_start_matches("ps."))
            }
            _ => name,
        }
    };
    let rest = rest.trim();
    let note = rest.trim_start_matches('#').trim();
    if !note.is_empty() && !is_to_do(note) {
        notes.push(if rest.starts_with('#') {
            note.to_owned()
        } else {
            rest.to_owned()
        });
    }
    if notes.is_empty() {
        path
    } else {
        format!("{path}  # {}", notes.join("; "))
    }
}

/// A note that the edit makes obsolete: `TODO: check if available`, `FIXME`, `check ...`.
fn is_to_do(note: &str) -> bool {
    let lower = note.to_ascii_lowercase();
    ["todo", "fixme", "xxx", "check", "tbd"]
        .iter()
        .any(|word| lower.starts_with(word))
}

/// Where and how to add entries.
struct TargetList {
    /// Byte offset to insert at: the start of the closing `]`'s line, or the `]` itself.
    at: usize,
    /// Whether `]` starts its own line (items go on lines of their own).
    own_line: bool,
    /// The indentation of the list's items.
    indent: String,
    style: ItemStyle,
}

/// How the list writes its items: `decord` under `with ps;`, or `ps.decord`.
enum ItemStyle {
    Bare { set: Option<String> },
    Selected { set: String },
}

impl ItemStyle {
    fn write(&self, attribute: &str) -> String {
        let name = if is_identifier(attribute) {
            attribute.to_owned()
        } else {
            format!(
                "\"{}\"",
                attribute.replace('\\', "\\\\").replace('"', "\\\"")
            )
        };
        match self {
            Self::Bare { .. } if is_identifier(attribute) => name,
            Self::Bare { set: Some(set) } | Self::Selected { set } => format!("{set}.{name}"),
            // A quoted name with no set to select it from would be a string: rare enough to
            // write it selected from the conventional `ps`.
            Self::Bare { set: None } => format!("ps.{name}"),
        }
    }
}

/// The Python package list holding most listed entries (the first of equals).
fn main_list(text: &str, entries: &[FlakeEntry]) -> Option<TargetList> {
    let listed: Vec<(usize, &FlakeEntry)> = entries
        .iter()
        .filter(|entry| entry.state == EntryState::Listed)
        .filter_map(|entry| Some((offset_of(text, &entry.location)?, entry)))
        .collect();
    let owned = text.to_owned();
    // (list start, list end, `]` offset) of every list, innermost first when nested.
    let lists: Vec<(usize, usize, usize)> = on_parser_stack(move || {
        let root = rnix::Root::parse(&owned).syntax();
        root.descendants()
            .filter(|node| node.kind() == SyntaxKind::NODE_LIST)
            .filter_map(|node| {
                let range = node.text_range();
                let close = node
                    .children_with_tokens()
                    .filter_map(|element| element.into_token())
                    .find(|token| token.kind() == SyntaxKind::TOKEN_R_BRACK)?;
                Some((
                    usize::from(range.start()),
                    usize::from(range.end()),
                    usize::from(close.text_range().start()),
                ))
            })
            .collect()
    });
    let mut counts: HashMap<usize, Vec<(usize, &FlakeEntry)>> = HashMap::new();
    for (offset, entry) in &listed {
        // The innermost list holding the entry: the one that starts last.
        if let Some(index) = (0..lists.len())
            .filter(|&i| lists[i].0 <= *offset && *offset < lists[i].1)
            .max_by_key(|&i| lists[i].0)
        {
            counts.entry(index).or_default().push((*offset, entry));
        }
    }
    let (index, members) = counts
        .into_iter()
        .max_by_key(|(index, members)| (members.len(), std::cmp::Reverse(*index)))?;
    let (_, _, close) = lists[index];
    let close_line = text[..close].rfind('\n').map_or(0, |at| at + 1);
    let own_line = text[close_line..close].trim().is_empty();
    let last = members.iter().map(|(offset, _)| *offset).max()?;
    let last_line = text[..last].rfind('\n').map_or(0, |at| at + 1);
    let indent = text[last_line..last]
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect();
    Some(TargetList {
        at: if own_line { close_line } else { close },
        own_line,
        indent,
        style: style_of(text, &members),
    })
}

/// Bare when most items are written bare, else selected from their most common set.
fn style_of(text: &str, members: &[(usize, &FlakeEntry)]) -> ItemStyle {
    let mut sets: HashMap<&str, usize> = HashMap::new();
    let mut bare = 0;
    for (offset, entry) in members {
        match &entry.set {
            Some(set) if text[*offset..].starts_with(&format!("{set}.")) => {
                *sets.entry(set.as_str()).or_default() += 1;
            }
            _ => bare += 1,
        }
    }
    let common = |sets: &HashMap<&str, usize>| {
        sets.iter()
            .max_by_key(|(set, count)| (**count, std::cmp::Reverse(**set)))
            .map(|(set, _)| (*set).to_owned())
    };
    let selected: usize = sets.values().sum();
    if selected > bare {
        ItemStyle::Selected {
            set: common(&sets).unwrap_or_else(|| "ps".to_owned()),
        }
    } else {
        let with_set = members
            .iter()
            .filter_map(|(_, entry)| entry.set.clone())
            .next();
        ItemStyle::Bare { set: with_set }
    }
}

/// The result must still be Nix and list every package an edit was for.
fn check(text: &str, path: &Path, edits: &[SyncEdit]) -> Result<(), SyncError> {
    let after = parse_flake_packages(text, path).map_err(|source| SyncError::Broke {
        detail: source.to_string(),
    })?;
    for edit in edits {
        let wanted = match edit {
            SyncEdit::Uncomment { wanted, .. } | SyncEdit::Add { wanted, .. } => wanted,
        };
        let listed = after
            .listed()
            .any(|entry| super::entry_matches(entry, wanted));
        if !listed {
            return Err(SyncError::Broke {
                detail: format!("`{}` is not listed after the edit", wanted.name),
            });
        }
    }
    Ok(())
}

/// A Nix identifier that needs no quotes: a letter or `_`, then letters, digits, `_`, `-`, `'`.
fn is_identifier(name: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or",
    ];
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\''))
        && !KEYWORDS.contains(&name)
}

/// The byte offset of a 1-based line's start.
fn line_start(text: &str, line: u32) -> Option<usize> {
    if line == 0 {
        return None;
    }
    let mut start = 0;
    for _ in 1..line {
        start += text[start..].find('\n')? + 1;
    }
    Some(start)
}

/// The byte offset of a location (its column counts characters).
fn offset_of(text: &str, location: &Location) -> Option<usize> {
    let start = line_start(text, location.line)?;
    let column = usize::try_from(location.column).ok()?.checked_sub(1)?;
    let line = &text[start..];
    let within = line
        .char_indices()
        .nth(column)
        .map_or(line.len(), |(at, _)| at);
    Some(start + within)
}

fn to_text_size(offset: usize) -> TextSize {
    TextSize::from(u32::try_from(offset).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn comments_become_entries_and_to_do_notes_go() {
        for (comment, name, attribute, entry) in [
            ("# onnx  # TODO: check if available", "onnx", "onnx", "onnx"),
            (
                "#imageio-ffmpeg # TODO: wheel only",
                "imageio-ffmpeg",
                "imageio-ffmpeg",
                "imageio-ffmpeg",
            ),
            (
                "# decord  # not in nixpkgs",
                "decord",
                "decord",
                "decord  # not in nixpkgs",
            ),
            (
                "# alembic (run by hand)",
                "alembic",
                "alembic",
                "alembic  # (run by hand)",
            ),
            (
                "# ps.insightface",
                "insightface",
                "insightface",
                "ps.insightface",
            ),
            (
                "# ps.\"opencv-python\"  # FIXME",
                "opencv-python",
                "opencv4",
                "ps.opencv4  # for opencv-python",
            ),
            (
                "# onnxruntime-gpu  # TODO: CUDA 13 build?",
                "onnxruntime-gpu",
                "onnxruntime",
                "onnxruntime  # for onnxruntime-gpu",
            ),
            (
                "# ps.torch-gpu  # fast",
                "torch-gpu",
                "torchWithCuda",
                "ps.torchWithCuda  # for torch-gpu; fast",
            ),
        ] {
            assert_eq!(uncommented(comment, name, attribute), entry, "{comment}");
        }
    }

    #[test]
    fn names_that_are_not_identifiers_are_quoted_and_selected() {
        let bare = ItemStyle::Bare {
            set: Some("ps".into()),
        };
        assert_eq!(bare.write("decord"), "decord");
        assert_eq!(bare.write("2captcha"), "ps.\"2captcha\"");
        assert_eq!(bare.write("in"), "ps.\"in\"");
        let selected = ItemStyle::Selected {
            set: "python3Packages".into(),
        };
        assert_eq!(selected.write("decord"), "python3Packages.decord");
    }
}
