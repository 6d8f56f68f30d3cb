//! One logical line to a requirement entry or a list of file-wide options.

use std::path::Path;

use crate::entry::Entry;
use crate::error::{RequirementsError, SyntaxError, snippet};
use crate::line_reader::LogicalLine;
use crate::location::Location;
use crate::options::{LineOption, OptionKind, parse_options, requirement_token_count, tokenize};
use crate::requirement::parse_requirement;

/// What a line says.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "one value per line, moved once: boxing would only add an allocation"
)]
pub(crate) enum Line {
    /// A requirement (possibly `-e`), with its `--hash` options.
    Entry(Entry),
    /// File-wide options: includes, constraints, index options.
    Options(Vec<FileOption>),
}

/// A file-wide option with its value and location.
#[derive(Debug)]
pub(crate) struct FileOption {
    pub(crate) kind: OptionKind,
    pub(crate) value: Option<String>,
    pub(crate) location: Location,
}

/// Parses a non-blank logical line of `file`.
pub(crate) fn parse_line(line: &LogicalLine<'_>, file: &Path) -> Result<Line, RequirementsError> {
    let content = line.content();
    let syntax = |offset: usize, error: SyntaxError| RequirementsError::Syntax {
        location: location(line, file, offset),
        error,
    };
    let tokens = tokenize(content);
    let requirement_tokens = requirement_token_count(&tokens);
    let options = parse_options(&tokens[requirement_tokens..])
        .map_err(|(offset, error)| syntax(offset, error))?;

    let (text, text_offset, editable, per_requirement) = if requirement_tokens == 0 {
        match options.split_first() {
            Some((first, rest)) if first.kind == OptionKind::Editable => {
                let value = first.value.unwrap_or_default();
                (value, first.value_offset, true, rest)
            }
            _ => return file_options(&options, line, file).map(Line::Options),
        }
    } else {
        let (first, _) = tokens[0];
        let (last, last_token) = tokens[requirement_tokens - 1];
        (
            &content[first..last + last_token.len()],
            first,
            false,
            options.as_slice(),
        )
    };

    let mut hashes = Vec::new();
    for option in per_requirement {
        match option.kind {
            OptionKind::Hash => {
                let value = option.value.unwrap_or_default();
                if !is_valid_hash(value) {
                    return Err(syntax(
                        option.value_offset,
                        SyntaxError::InvalidHash {
                            value: snippet(value),
                        },
                    ));
                }
                hashes.push(value.to_string());
            }
            OptionKind::Editable => {
                return Err(syntax(option.offset, SyntaxError::EditableNotFirst));
            }
            _ => {
                return Err(syntax(
                    option.offset,
                    SyntaxError::OptionAfterRequirement {
                        option: format!("--{}", option.name),
                    },
                ));
            }
        }
    }

    let requirement = parse_requirement(text, editable)
        .map_err(|(offset, error)| syntax(text_offset + offset, error))?;
    Ok(Line::Entry(Entry {
        name: requirement.name,
        spelling: requirement.spelling,
        source: requirement.source,
        extras: requirement.extras,
        marker: requirement.marker,
        hashes,
        editable,
        location: location(line, file, 0),
        raw: content.to_string(),
    }))
}

/// A line of options only: everything but `--hash` and `-e` (which need a requirement).
fn file_options(
    options: &[LineOption<'_>],
    line: &LogicalLine<'_>,
    file: &Path,
) -> Result<Vec<FileOption>, RequirementsError> {
    options
        .iter()
        .map(|option| {
            let error = match option.kind {
                OptionKind::Hash => Some(SyntaxError::NeedsRequirement {
                    option: "--hash".to_string(),
                }),
                OptionKind::Editable => Some(SyntaxError::EditableNotFirst),
                _ => None,
            };
            match error {
                Some(error) => Err(RequirementsError::Syntax {
                    location: location(line, file, option.offset),
                    error,
                }),
                None => Ok(FileOption {
                    kind: option.kind,
                    value: option.value.map(str::to_string),
                    location: location(line, file, option.value_offset),
                }),
            }
        })
        .collect()
}

/// pip's `--hash` rule: a strong algorithm, `:`, and the hex digest of its length.
fn is_valid_hash(value: &str) -> bool {
    let Some((algorithm, digest)) = value.split_once(':') else {
        return false;
    };
    let length = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return false,
    };
    digest.len() == length && digest.bytes().all(|b| b.is_ascii_hexdigit())
}

fn location(line: &LogicalLine<'_>, file: &Path, offset: usize) -> Location {
    let (line, column) = line.position(offset);
    Location {
        file: file.to_path_buf(),
        line,
        column,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_hashes() {
        let sha256 = format!("sha256:{}", "a".repeat(64));
        assert!(is_valid_hash(&sha256));
        assert!(is_valid_hash(&format!("sha512:{}", "0F".repeat(64))));
        for bad in [
            "sha256",
            "sha256:",
            "md5:d41d8cd98f00b204e9800998ecf8427e",
            &format!("sha256:{}", "a".repeat(63)),
            &format!("sha256:{}", "g".repeat(64)),
            &format!("SHA256:{}", "a".repeat(64)),
        ] {
            assert!(!is_valid_hash(bad), "{bad}");
        }
    }
}
