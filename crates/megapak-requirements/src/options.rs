//! Splitting a logical line into its requirement and its options, and parsing the options
//! that pip accepts in requirements files.
//!
//! pip takes the words of a line up to the first one that starts with `-` as the requirement,
//! and splits the rest with Python's `shlex.split`: quotes and backslashes work as in a POSIX
//! shell (`-r "my reqs.txt"`, `--extra-index-url 'https://x/simple'`). [`split_words`] does
//! the same, and remembers where each word was written for error locations.

use crate::error::{SyntaxError, snippet};
pub(crate) use crate::shell_words::{Word, split_words};

/// Listed in the hint of an unknown option.
pub(crate) const SUPPORTED_OPTIONS: &str = "`-r`/`--requirement`, `-c`/`--constraint`, \
`-e`/`--editable`, `-i`/`--index-url`, `--extra-index-url`, `--no-index`, `-f`/`--find-links`, \
`--pre`, `--no-binary`, `--only-binary`, `--prefer-binary`, `--require-hashes`, \
`--trusted-host`, `--use-feature`, and after a requirement `--hash`, `-C`/`--config-settings`, \
`--global-option`; long names shortened as pip allows (`--extra-index`)";

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
    /// `--use-feature`: a pip feature to enable, file-wide.
    UseFeature,
    /// Per-requirement: `--hash`.
    Hash,
    /// Per-requirement: `-C`/`--config-settings KEY=VALUE` for the build backend.
    ConfigSettings,
    /// Per-requirement: `--global-option` for `setup.py`.
    GlobalOption,
}

impl OptionKind {
    /// Whether the option belongs to the requirement of its line, not to the file.
    pub(crate) fn is_per_requirement(self) -> bool {
        matches!(self, Self::Hash | Self::ConfigSettings | Self::GlobalOption)
    }
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
    spec("use-feature", None, true, OptionKind::UseFeature),
    spec("hash", None, true, OptionKind::Hash),
    spec(
        "config-settings",
        Some('C'),
        true,
        OptionKind::ConfigSettings,
    ),
    spec("global-option", None, true, OptionKind::GlobalOption),
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

/// A whitespace-separated word of a line and its byte offset: the requirement part of a line,
/// which pip does not unquote.
pub(crate) type Token<'a> = (usize, &'a str);

/// One option of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LineOption<'a> {
    pub(crate) kind: OptionKind,
    /// `--long` name, for messages.
    pub(crate) name: &'static str,
    /// Byte offset of the option in the line.
    pub(crate) offset: usize,
    /// The value (`None` for flags).
    value: Option<OptionValue<'a>>,
}

/// The value of an option: the word it is in, where it starts in the word's text, and where
/// it is written in the line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OptionValue<'a> {
    word: Word<'a>,
    start: usize,
    offset: usize,
}

impl LineOption<'_> {
    /// The value, unquoted (`None` for flags).
    pub(crate) fn value(&self) -> Option<&str> {
        self.value
            .as_ref()
            .map(|value| &value.word.text[value.start..])
    }

    /// Byte offset of the value in the line (of the option itself for flags).
    pub(crate) fn value_offset(&self) -> usize {
        self.value
            .as_ref()
            .map_or(self.offset, |value| value.offset)
    }

    /// Byte offset in the line of byte `index` of the unquoted value.
    pub(crate) fn value_position(&self, index: usize) -> usize {
        match &self.value {
            Some(value) if index > 0 => value.word.position(value.start + index),
            _ => self.value_offset(),
        }
    }
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

/// Parses option words: `--long value`, `--long=value`, `-s value`, `-svalue`.
pub(crate) fn parse_options(
    words: Vec<Word<'_>>,
) -> Result<Vec<LineOption<'_>>, (usize, SyntaxError)> {
    let mut options = Vec::new();
    let mut words = words.into_iter();
    while let Some(word) = words.next() {
        let text: &str = &word.text;
        let (spec, name_len, inline) = lookup(text).map_err(|why| {
            let option = || snippet(text.split_once('=').map_or(text, |(name, _)| name));
            let error = match why {
                _ if !text.starts_with('-') => SyntaxError::NotAnOption {
                    text: snippet(text),
                },
                NoOption::Unknown => SyntaxError::UnknownOption { option: option() },
                NoOption::Ambiguous(candidates) => SyntaxError::AmbiguousOption {
                    option: option(),
                    candidates: match candidates.split_last() {
                        Some((last, rest)) if !rest.is_empty() => format!(
                            "{} and `--{last}`",
                            rest.iter()
                                .map(|long| format!("`--{long}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        _ => candidates
                            .iter()
                            .map(|long| format!("`--{long}`"))
                            .collect(),
                    },
                },
            };
            (word.offset, error)
        })?;
        let name = spec.long;
        let offset = word.offset;
        let value = match (spec.takes_value, inline) {
            // The character before an inline value is the `=` or the short option letter.
            (true, Some(start)) => Some(OptionValue {
                offset: word.position(start - 1) + 1,
                word,
                start,
            }),
            (true, None) => {
                let value = words.next().ok_or_else(|| {
                    (
                        word.position(name_len),
                        SyntaxError::MissingValue {
                            option: format!("--{name}"),
                        },
                    )
                })?;
                Some(OptionValue {
                    offset: value.offset,
                    word: value,
                    start: 0,
                })
            }
            (false, Some(start)) => {
                return Err((
                    word.position(name_len),
                    SyntaxError::UnexpectedValue {
                        option: format!("--{name}"),
                        value: snippet(&text[start..]),
                    },
                ));
            }
            (false, None) => None,
        };
        options.push(LineOption {
            kind: spec.kind,
            name,
            offset,
            value,
        });
    }
    Ok(options)
}

/// Older long names pip still accepts, and the option they name.
const LONG_ALIASES: &[(&str, OptionKind)] = &[("pypi-url", OptionKind::IndexUrl)];

/// Every long name with its spec.
fn long_names() -> impl Iterator<Item = (&'static str, &'static OptionSpec)> {
    let aliases = LONG_ALIASES.iter().filter_map(|&(alias, kind)| {
        let spec = SPECS.iter().find(|spec| spec.kind == kind)?;
        Some((alias, spec))
    });
    SPECS.iter().map(|spec| (spec.long, spec)).chain(aliases)
}

/// Why a word names no option.
enum NoOption {
    Unknown,
    /// A long name shortened to a prefix of several (`--no` for `--no-binary`, `--no-index`).
    Ambiguous(Vec<&'static str>),
}

/// The option a long name names: itself, or as Python's `optparse` (pip's parser) allows,
/// an unambiguous prefix of one (`--extra-index` for `--extra-index-url`).
fn long_option(name: &str) -> Result<&'static OptionSpec, NoOption> {
    if name.is_empty() {
        return Err(NoOption::Unknown);
    }
    if let Some((_, spec)) = long_names().find(|(long, _)| *long == name) {
        return Ok(spec);
    }
    let mut matches: Vec<_> = long_names()
        .filter(|(long, _)| long.starts_with(name))
        .collect();
    match matches.len() {
        0 => Err(NoOption::Unknown),
        1 => Ok(matches[0].1),
        _ => {
            matches.sort_by_key(|(long, _)| *long);
            Err(NoOption::Ambiguous(
                matches.into_iter().map(|(long, _)| long).collect(),
            ))
        }
    }
}

/// Finds the option a word names; returns its spec, the length of the option name in the
/// word and where an inline value starts (`--x=value`, `-xvalue`).
fn lookup(word: &str) -> Result<(&'static OptionSpec, usize, Option<usize>), NoOption> {
    if let Some(long) = word.strip_prefix("--") {
        let name = long.split_once('=').map_or(long, |(name, _)| name);
        let spec = long_option(name)?;
        let name_len = 2 + name.len();
        Ok((
            spec,
            name_len,
            (name_len < word.len()).then_some(name_len + 1),
        ))
    } else {
        let mut chars = word.strip_prefix('-').ok_or(NoOption::Unknown)?.chars();
        let short = chars.next().ok_or(NoOption::Unknown)?;
        let spec = SPECS
            .iter()
            .find(|spec| spec.short == Some(short))
            .ok_or(NoOption::Unknown)?;
        let name_len = 1 + short.len_utf8();
        Ok((spec, name_len, (name_len < word.len()).then_some(name_len)))
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    type Parsed = Vec<(OptionKind, Option<String>, usize)>;

    fn options(line: &str) -> Result<Parsed, (usize, SyntaxError)> {
        let words = split_words(line, 0)?;
        Ok(parse_options(words)?
            .into_iter()
            .map(|o| {
                if let Some(value) = o.value() {
                    assert!(line[o.value_offset()..].starts_with(value), "{line}");
                }
                (o.kind, o.value().map(str::to_string), o.offset)
            })
            .collect())
    }

    /// Each word's text and where it starts.
    fn words(line: &str) -> Result<Vec<(usize, String)>, (usize, SyntaxError)> {
        Ok(split_words(line, 0)?
            .into_iter()
            .map(|word| (word.offset, word.text.into_owned()))
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
    fn splits_words_as_shlex_does() {
        let split = |line| words(line).unwrap();
        assert_eq!(
            split(" a\tbb  c "),
            [(1, "a".into()), (3, "bb".into()), (7, "c".into())]
        );
        assert!(split("   ").is_empty());
        assert_eq!(
            split(r#"-r "my reqs.txt""#),
            [(0, "-r".into()), (3, "my reqs.txt".into())]
        );
        assert_eq!(split("'a b'c\"d e\"f"), [(0, "a bcd ef".into())]);
        assert_eq!(
            split(r#"a\ b \'c\"\\"#),
            [(0, "a b".into()), (5, "'c\"\\".into())]
        );
        // Inside double quotes only `\"` and `\\` are escapes; inside single quotes nothing is.
        assert_eq!(split(r#""\"\\\$\a""#), [(0, r#""\\$\a"#.into())]);
        assert_eq!(split(r"'\\' '\'"), [(0, r"\\".into()), (5, "\\".into())]);
        // Empty quotes are an empty word.
        assert_eq!(split("'' \"\""), [(0, String::new()), (3, String::new())]);
        assert_eq!(split("é'ü' €"), [(0, "éü".into()), (7, "€".into())]);
        // Only ASCII space, tab, CR and LF separate words, as in Python's `shlex`.
        assert_eq!(split("a\u{a0}b"), [(0, "a\u{a0}b".into())]);
    }

    #[test]
    fn unquoted_words_borrow_the_line() {
        let words = split_words("--pre ab'' x", 0).unwrap();
        assert!(
            words
                .iter()
                .all(|word| matches!(word.text, Cow::Borrowed(_)))
        );
        let words = split_words("'ab'", 0).unwrap();
        assert!(matches!(words[0].text, Cow::Owned(_)));
    }

    #[test]
    fn word_positions_point_into_the_line() {
        let line = r#"x "a b"c\ d'é'f"#;
        let words = split_words(line, 2).unwrap();
        let [word] = words.as_slice() else {
            panic!("{words:?}")
        };
        assert_eq!(word.text, "a bc déf");
        for (index, c) in word.text.char_indices() {
            let at = word.position(index);
            assert!(line[at..].starts_with(c), "{index} {c} -> {at}");
        }
        assert_eq!(word.position(word.text.len()), line.len());
    }

    #[test]
    fn unterminated_quotes_and_lone_backslashes_are_errors() {
        assert_eq!(
            words(r#"-r "my reqs.txt"#),
            Err((
                3,
                SyntaxError::UnterminatedQuote {
                    quote: '"',
                    text: "\"my reqs.txt".into()
                }
            ))
        );
        assert_eq!(
            words(r#"-r 'a'b'c"#),
            Err((
                7,
                SyntaxError::UnterminatedQuote {
                    quote: '\'',
                    text: "'c".into()
                }
            ))
        );
        assert_eq!(
            words("a \"b\\\""),
            Err((
                2,
                SyntaxError::UnterminatedQuote {
                    quote: '"',
                    text: "\"b\\\"".into()
                }
            ))
        );
        assert_eq!(words(r"-r a\"), Err((4, SyntaxError::TrailingBackslash)));
    }

    #[test]
    fn parses_both_value_spellings() {
        use OptionKind::*;
        let some = |value: &str| Some(value.to_string());
        assert_eq!(
            options("-r a.txt --requirement=b.txt -rc.txt --requirement d.txt").unwrap(),
            [
                (Requirement, some("a.txt"), 0),
                (Requirement, some("b.txt"), 9),
                (Requirement, some("c.txt"), 29),
                (Requirement, some("d.txt"), 37),
            ]
        );
        assert_eq!(
            options("--pre --index-url=https://x/simple -f https://y/links --no-index").unwrap(),
            [
                (Pre, None, 0),
                (IndexUrl, some("https://x/simple"), 6),
                (FindLinks, some("https://y/links"), 35),
                (NoIndex, None, 54),
            ]
        );
        assert_eq!(
            options("--use-feature=fast-deps -C k=v --config-settings=a=b --global-option x")
                .unwrap(),
            [
                (UseFeature, some("fast-deps"), 0),
                (ConfigSettings, some("k=v"), 24),
                (ConfigSettings, some("a=b"), 31),
                (GlobalOption, some("x"), 53),
            ]
        );
    }

    #[test]
    fn quoted_values_are_unquoted_and_located() {
        let line =
            r#"-r "my reqs.txt" --config-settings="k=a b" -C'x=1' --index-url='https://x/simple'"#;
        let parsed = parse_options(split_words(line, 0).unwrap()).unwrap();
        let values: Vec<(Option<&str>, usize)> = parsed
            .iter()
            .map(|option| (option.value(), option.value_offset()))
            .collect();
        assert_eq!(
            values,
            [
                (Some("my reqs.txt"), 3),
                (Some("k=a b"), 35),
                (Some("x=1"), 45),
                (Some("https://x/simple"), 63),
            ]
        );
        assert_eq!(&line[35..36], "\"");
        assert_eq!(&line[63..64], "'");
        // Inside the value, positions point at the characters themselves.
        let path = &parsed[0];
        assert_eq!(path.value_position(3), line.find("reqs").unwrap());
        // A whole option in quotes is still the option.
        let parsed = parse_options(split_words(r#""--index-url=a b""#, 0).unwrap()).unwrap();
        assert_eq!(parsed[0].kind, OptionKind::IndexUrl);
        assert_eq!(
            (parsed[0].value(), parsed[0].value_offset()),
            (Some("a b"), 13)
        );
    }

    #[test]
    fn long_names_can_be_shortened_as_optparse_allows() {
        assert_eq!(
            options("--extra-index https://x/simple --no-i --pypi-url=https://y/simple").unwrap(),
            [
                (
                    OptionKind::ExtraIndexUrl,
                    Some("https://x/simple".into()),
                    0
                ),
                (OptionKind::NoIndex, None, 31),
                (OptionKind::IndexUrl, Some("https://y/simple".into()), 38),
            ]
        );
        // An exact name wins over longer ones it starts (`--pre`, `--prefer-binary`).
        assert_eq!(options("--pre").unwrap(), [(OptionKind::Pre, None, 0)]);
        assert_eq!(
            options("--requirem=a.txt").unwrap(),
            [(OptionKind::Requirement, Some("a.txt".into()), 0)]
        );
        assert_eq!(
            options("--no x"),
            Err((
                0,
                SyntaxError::AmbiguousOption {
                    option: "--no".into(),
                    candidates: "`--no-binary` and `--no-index`".into()
                }
            ))
        );
        assert_eq!(
            options("--=x"),
            Err((
                0,
                SyntaxError::UnknownOption {
                    option: "--".into()
                }
            ))
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
        assert_eq!(
            options("--pre 'torch x'"),
            Err((
                6,
                SyntaxError::NotAnOption {
                    text: "torch x".into()
                }
            ))
        );
    }
}
