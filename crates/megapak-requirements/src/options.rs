//! Splitting a logical line into its requirement and its options, and parsing the options
//! that pip accepts in requirements files.

use crate::error::{SyntaxError, snippet};

/// Listed in the hint of an unknown option.
pub(crate) const SUPPORTED_OPTIONS: &str = "`-r`/`--requirement`, `-c`/`--constraint`, \
`-e`/`--editable`, `-i`/`--index-url`, `--extra-index-url`, `--no-index`, `-f`/`--find-links`, \
`--pre`, `--no-binary`, `--only-binary`, `--prefer-binary`, `--require-hashes`, \
`--trusted-host`, `--hash`";

/// What an option means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OptionKind {
    Requirement,
    Constraint,
    Editable,
    IndexUrl,
    ExtraIndexUrl,
    NoIndex,
    FindLinks,
    Pre,
    NoBinary,
    OnlyBinary,
    PreferBinary,
    RequireHashes,
    TrustedHost,
    /// The only per-requirement option.
    Hash,
}

struct OptionSpec {
    long: &'static str,
    short: Option<char>,
    takes_value: bool,
    kind: OptionKind,
}

const SPECS: &[OptionSpec] = &[
    spec("requirement", Some('r'), true, OptionKind::Requirement),
    spec("constraint", Some('c'), true, OptionKind::Constraint),
    spec("editable", Some('e'), true, OptionKind::Editable),
    spec("index-url", Some('i'), true, OptionKind::IndexUrl),
    spec("extra-index-url", None, true, OptionKind::ExtraIndexUrl),
    spec("no-index", None, false, OptionKind::NoIndex),
    spec("find-links", Some('f'), true, OptionKind::FindLinks),
    spec("pre", None, false, OptionKind::Pre),
    spec("no-binary", None, true, OptionKind::NoBinary),
    spec("only-binary", None, true, OptionKind::OnlyBinary),
    spec("prefer-binary", None, false, OptionKind::PreferBinary),
    spec("require-hashes", None, false, OptionKind::RequireHashes),
    spec("trusted-host", None, true, OptionKind::TrustedHost),
    spec("hash", None, true, OptionKind::Hash),
];

const fn spec(
    long: &'static str,
    short: Option<char>,
    takes_value: bool,
    kind: OptionKind,
) -> OptionSpec {
    OptionSpec {
        long,
        short,
        takes_value,
        kind,
    }
}

/// A whitespace-separated word of a line and its byte offset.
pub(crate) type Token<'a> = (usize, &'a str);

/// One option of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LineOption<'a> {
    pub(crate) kind: OptionKind,
    /// `--long` name, for messages.
    pub(crate) name: &'static str,
    /// The value (`None` for flags).
    pub(crate) value: Option<&'a str>,
    /// Byte offset of the option in the line.
    pub(crate) offset: usize,
    /// Byte offset of the value in the line.
    pub(crate) value_offset: usize,
}

/// Splits a line into whitespace-separated tokens.
pub(crate) fn tokenize(line: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                tokens.push((s, &line[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        tokens.push((s, &line[s..]));
    }
    tokens
}

/// The number of leading tokens that form the requirement: pip takes tokens up to the first
/// one that starts with `-`. Unlike pip, a `-` inside a quoted marker string does not count.
pub(crate) fn requirement_token_count(tokens: &[Token<'_>]) -> usize {
    let mut quote: Option<char> = None;
    for (i, (_, token)) in tokens.iter().enumerate() {
        if quote.is_none() && token.starts_with('-') {
            return i;
        }
        for c in token.chars() {
            match quote {
                None if c == '"' || c == '\'' => quote = Some(c),
                Some(q) if c == q => quote = None,
                _ => {}
            }
        }
    }
    tokens.len()
}

/// Parses option tokens: `--long value`, `--long=value`, `-s value`, `-svalue`.
pub(crate) fn parse_options<'a>(
    tokens: &[Token<'a>],
) -> Result<Vec<LineOption<'a>>, (usize, SyntaxError)> {
    let mut options = Vec::new();
    let mut tokens = tokens.iter();
    while let Some(&(offset, token)) = tokens.next() {
        let (spec, name_len, inline) = lookup(token).ok_or_else(|| {
            let error = if token.starts_with('-') {
                let option = token.split_once('=').map_or(token, |(name, _)| name);
                SyntaxError::UnknownOption {
                    option: snippet(option),
                }
            } else {
                SyntaxError::NotAnOption {
                    text: snippet(token),
                }
            };
            (offset, error)
        })?;
        let name = spec.long;
        let (value, value_offset) = match (spec.takes_value, inline) {
            (true, Some(value)) => (Some(value), offset + token.len() - value.len()),
            (true, None) => {
                let &(value_offset, value) = tokens.next().ok_or((
                    offset + name_len,
                    SyntaxError::MissingValue {
                        option: format!("--{name}"),
                    },
                ))?;
                (Some(value), value_offset)
            }
            (false, Some(value)) => {
                return Err((
                    offset + name_len,
                    SyntaxError::UnexpectedValue {
                        option: format!("--{name}"),
                        value: snippet(value),
                    },
                ));
            }
            (false, None) => (None, offset),
        };
        options.push(LineOption {
            kind: spec.kind,
            name,
            value,
            offset,
            value_offset,
        });
    }
    Ok(options)
}

/// Finds the option a token names; returns its spec, the length of the option name in the
/// token and an inline value (`--x=value`, `-xvalue`).
fn lookup(token: &str) -> Option<(&'static OptionSpec, usize, Option<&str>)> {
    if let Some(long) = token.strip_prefix("--") {
        let (name, inline) = match long.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (long, None),
        };
        let spec = SPECS.iter().find(|spec| spec.long == name)?;
        Some((spec, 2 + name.len(), inline))
    } else {
        let mut chars = token.strip_prefix('-')?.chars();
        let short = chars.next()?;
        let spec = SPECS.iter().find(|spec| spec.short == Some(short))?;
        let rest = chars.as_str();
        Some((
            spec,
            1 + short.len_utf8(),
            (!rest.is_empty()).then_some(rest),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Parsed<'a> = Vec<(OptionKind, Option<&'a str>, usize)>;

    fn options(line: &str) -> Result<Parsed<'_>, (usize, SyntaxError)> {
        let tokens = tokenize(line);
        Ok(parse_options(&tokens)?
            .into_iter()
            .map(|o| {
                assert_eq!(o.value.map(|v| &line[o.value_offset..][..v.len()]), o.value);
                (o.kind, o.value, o.offset)
            })
            .collect())
    }

    #[test]
    fn tokenizes_on_any_whitespace() {
        assert_eq!(tokenize(" a\tbb  c "), [(1, "a"), (3, "bb"), (7, "c")]);
        assert!(tokenize("   ").is_empty());
    }

    #[test]
    fn requirement_ends_at_the_first_option_outside_quotes() {
        let count = |line| requirement_token_count(&tokenize(line));
        assert_eq!(count("torch==2 --hash=sha256:x"), 1);
        assert_eq!(count("--pre"), 0);
        assert_eq!(count("x ; os_name == 'a -b' --hash=y"), 6);
        assert_eq!(count("x ; os_name == \"-b\""), 5);
        assert_eq!(count("x ; os_name == \"it's\" -c y"), 5);
    }

    #[test]
    fn parses_both_value_spellings() {
        use OptionKind::*;
        assert_eq!(
            options("-r a.txt --requirement=b.txt -rc.txt --requirement d.txt").unwrap(),
            [
                (Requirement, Some("a.txt"), 0),
                (Requirement, Some("b.txt"), 9),
                (Requirement, Some("c.txt"), 29),
                (Requirement, Some("d.txt"), 37),
            ]
        );
        assert_eq!(
            options("--pre --index-url=https://x/simple -f https://y/links --no-index").unwrap(),
            [
                (Pre, None, 0),
                (IndexUrl, Some("https://x/simple"), 6),
                (FindLinks, Some("https://y/links"), 35),
                (NoIndex, None, 54),
            ]
        );
    }

    #[test]
    fn rejects_unknown_missing_and_unexpected() {
        assert_eq!(
            options("--pre --bogus=1"),
            Err((
                6,
                SyntaxError::UnknownOption {
                    option: "--bogus".into()
                }
            ))
        );
        assert_eq!(
            options("-x"),
            Err((
                0,
                SyntaxError::UnknownOption {
                    option: "-x".into()
                }
            ))
        );
        assert_eq!(
            options("-"),
            Err((0, SyntaxError::UnknownOption { option: "-".into() }))
        );
        assert_eq!(
            options("--index-url"),
            Err((
                11,
                SyntaxError::MissingValue {
                    option: "--index-url".into()
                }
            ))
        );
        assert_eq!(
            options("--pre=yes"),
            Err((
                5,
                SyntaxError::UnexpectedValue {
                    option: "--pre".into(),
                    value: "yes".into()
                }
            ))
        );
        assert_eq!(
            options("--pre torch"),
            Err((
                6,
                SyntaxError::NotAnOption {
                    text: "torch".into()
                }
            ))
        );
    }
}
