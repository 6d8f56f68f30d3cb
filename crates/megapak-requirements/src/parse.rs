//! One logical line to a requirement entry or a list of file-wide options.

use std::path::Path;

use crate::entry::Entry;
use crate::error::{RequirementsError, SyntaxError, snippet};
use crate::line_reader::LogicalLine;
use crate::options::{
    LineOption, OptionKind, parse_options, requirement_token_count, split_words, tokenize,
};
use crate::requirement::parse_requirement;
use megapak_types::Location;

/// What a line says.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "one value per line, moved once: boxing would only add an allocation"
)]
pub(crate) enum Line {
    /// A requirement (possibly `-e`), with its per-requirement options.
    Entry(Entry),
    /// File-wide options: includes, constraints, index options, `--use-feature`.
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
    if let Some((offset, name)) = find_environment_variable(content) {
        return Err(syntax(
            offset,
            SyntaxError::EnvironmentVariable {
                name: snippet(name),
            },
        ));
    }
    let tokens = tokenize(content);
    let requirement_tokens = requirement_token_count(&tokens);
    let options_start = tokens
        .get(requirement_tokens)
        .map_or(content.len(), |&(offset, _)| offset);
    let options = split_words(content, options_start)
        .and_then(parse_options)
        .map_err(|(offset, error)| syntax(offset, error))?;

    let (text, editable, per_requirement) = if requirement_tokens == 0 {
        match options.split_first() {
            Some((first, rest)) if first.kind == OptionKind::Editable => {
                (first.value().unwrap_or_default(), Some(first), rest)
            }
            _ => return file_options(&options, line, file).map(Line::Options),
        }
    } else {
        let (first, _) = tokens[0];
        let (last, last_token) = tokens[requirement_tokens - 1];
        (
            &content[first..last + last_token.len()],
            None,
            options.as_slice(),
        )
    };

    let mut hashes = Vec::new();
    let mut config_settings = Vec::new();
    let mut global_options = Vec::new();
    for option in per_requirement {
        let value = option.value().unwrap_or_default();
        match option.kind {
            OptionKind::Hash => {
                if !is_valid_hash(value) {
                    return Err(syntax(
                        option.value_offset(),
                        SyntaxError::InvalidHash {
                            value: snippet(value),
                        },
                    ));
                }
                hashes.push(value.to_string());
            }
            OptionKind::ConfigSettings => {
                // pip: "Arguments to --config-settings must be of the form KEY=VAL".
                if !value.contains('=') {
                    return Err(syntax(
                        option.value_offset(),
                        SyntaxError::InvalidConfigSetting {
                            value: snippet(value),
                        },
                    ));
                }
                config_settings.push(value.to_string());
            }
            OptionKind::GlobalOption => global_options.push(value.to_string()),
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

    let requirement = parse_requirement(text, editable.is_some()).map_err(|(offset, error)| {
        let offset = match editable {
            // The `-e` value may be quoted: map its offsets back to the line.
            Some(option) => option.value_position(offset),
            None => tokens[0].0 + offset,
        };
        syntax(offset, error)
    })?;
    Ok(Line::Entry(Entry {
        name: requirement.name,
        spelling: requirement.spelling,
        source: requirement.source,
        extras: requirement.extras,
        marker: requirement.marker,
        hashes,
        config_settings,
        global_options,
        editable: editable.is_some(),
        location: location(line, file, 0),
        raw: content.to_string(),
    }))
}

/// The first `${NAME}` that pip would replace with an environment variable (its pattern
/// `\$\{([A-Z0-9_]+)\}`): its byte offset and the name.
fn find_environment_variable(content: &str) -> Option<(usize, &str)> {
    // Names cannot hold `$`, so no byte is looked at more than twice.
    content.match_indices("${").find_map(|(offset, _)| {
        let rest = &content[offset + 2..];
        let length = rest
            .bytes()
            .take_while(|&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            .count();
        (length > 0 && rest[length..].starts_with('}')).then(|| (offset, &rest[..length]))
    })
}

/// A line of options only: everything but the per-requirement options and `-e` (which need a
/// requirement).
fn file_options(
    options: &[LineOption<'_>],
    line: &LogicalLine<'_>,
    file: &Path,
) -> Result<Vec<FileOption>, RequirementsError> {
    options
        .iter()
        .map(|option| {
            let error = match option.kind {
                kind if kind.is_per_requirement() => Some(SyntaxError::NeedsRequirement {
                    option: format!("--{}", option.name),
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
                    value: option.value().map(str::to_string),
                    location: location(line, file, option.value_offset()),
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
    fn finds_environment_variables_as_pip_does() {
        let find = find_environment_variable;
        assert_eq!(find("x @ https://${TOKEN}@h/x.whl"), Some((12, "TOKEN")));
        assert_eq!(find("${A_1} ${B}"), Some((0, "A_1")));
        for none in [
            "$TOKEN", "${}", "${token}", "${Token}", "${A-B}", "${A", "$ {A}", "{A}",
        ] {
            assert_eq!(find(none), None, "{none}");
        }
        assert_eq!(find("${${$${A}"), Some((5, "A")));
        let many = "${".repeat(1 << 18);
        assert_eq!(find(&many), None);
    }

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
