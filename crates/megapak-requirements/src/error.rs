//! Errors of reading requirements files. Every message names `file:line:column`, the
//! offending text in backticks and what was expected; [`Hint::hint`] adds the
//! obvious next step where there is one.

use std::fmt;
use std::io;
use std::path::PathBuf;

use thiserror::Error;

use megapak_types::{Hint, Location};

/// Reading or parsing a requirements file failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RequirementsError {
    /// The top-level file could not be read.
    #[error("Failed to read requirements file `{}`", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A file named by `-r`/`-c` could not be read.
    #[error("{location}: Failed to read included requirements file `{}`", path.display())]
    ReadInclude {
        /// The `-r`/`-c` option that names the file.
        location: Location,
        /// The file, resolved against the including file's directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A file includes itself, directly or through others.
    #[error("{location}: Include cycle: {}", Chain(chain))]
    IncludeCycle {
        /// The `-r`/`-c` option that closes the cycle.
        location: Location,
        /// The files of the cycle, the first one repeated at the end.
        chain: Vec<PathBuf>,
    },
    /// A file that is not valid in its encoding: UTF-8, UTF-16/UTF-32 after a byte order
    /// mark, or the one it declares.
    #[error("{location}: The file is not valid {encoding}: {problem}")]
    Encoding {
        /// The first invalid byte: its line, and its column among the valid characters
        /// before it.
        location: Location,
        /// `UTF-8`, the encoding its byte order mark announces, or the one it declares.
        encoding: &'static str,
        /// What was found.
        problem: String,
    },
    /// A file that declares an encoding (`# -*- coding: ... -*-`) megapak cannot read.
    #[error("{location}: The file declares the encoding `{name}`, which megapak cannot read")]
    UnsupportedEncoding {
        /// Where the name is written.
        location: Location,
        /// The name as written.
        name: String,
    },
    /// A file and its includes hold more requirements than megapak reads (each costs about
    /// 2 KB once merged): the bound on the memory one pak file may take.
    #[error(
        "{location}: More than {max} requirements in one pak file and its includes, the most megapak reads"
    )]
    TooManyEntries {
        /// The first requirement past the bound.
        location: Location,
        /// The bound.
        max: usize,
    },
    /// A line is not valid.
    #[error("{location}: {error}")]
    Syntax {
        /// Where the problem starts.
        location: Location,
        /// What is wrong.
        error: SyntaxError,
    },
}

impl Hint for RequirementsError {
    /// The obvious next step, if there is one, to print as a `hint:` line.
    fn hint(&self) -> Option<String> {
        match self {
            Self::Syntax { error, .. } => error.hint(),
            Self::IncludeCycle { .. } => {
                Some("Remove one of the `-r`/`-c` lines of the cycle".to_string())
            }
            Self::Encoding { encoding, .. } => Some(if *encoding == "UTF-8" {
                "Save the file as UTF-8: pip would decode it with the machine's locale, \
                 so it would not mean the same on every machine"
                    .to_string()
            } else {
                "Save the file as UTF-8".to_string()
            }),
            Self::UnsupportedEncoding { .. } => Some(
                "Save the file as UTF-8 and drop the `coding:` line; an ASCII-compatible \
                 encoding with a WHATWG label (`cp1252`, `iso-8859-15`, `shift_jis`) is read too"
                    .to_string(),
            ),
            Self::Read { source, .. } | Self::ReadInclude { source, .. }
                if source.kind() == io::ErrorKind::FileTooLarge =>
            {
                Some(
                    "A pak file is a list of packages; if this one really is that big, set \
                     `MEGAPAK_MAX_FILE_MIB` to the MiB megapak may read of one file"
                        .to_string(),
                )
            }
            Self::TooManyEntries { .. } => Some(
                "A pak file lists the packages of one image, a few hundred at most: check that \
                 this is the file you meant"
                    .to_string(),
            ),
            Self::Read { .. } | Self::ReadInclude { .. } => None,
        }
    }
}

/// What is wrong with a line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SyntaxError {
    /// Not a PEP 508 requirement; `message` says what was expected.
    #[error("Invalid requirement `{text}`: {message}")]
    InvalidRequirement {
        /// The requirement text (shortened if long).
        text: String,
        /// What was expected.
        message: String,
    },
    /// The marker after `;` of a URL line is not valid.
    #[error("Invalid marker `{text}`: {message}")]
    InvalidMarker {
        /// The marker text (shortened if long).
        text: String,
        /// What was expected.
        message: String,
    },
    /// A URL that does not parse, or has a scheme that cannot be installed from.
    #[error("Invalid URL `{url}`: {message}")]
    InvalidUrl {
        /// The URL (shortened if long).
        url: String,
        /// What was expected.
        message: String,
    },
    /// A URL without a package name in front, whose name cannot be told from the URL.
    #[error(
        "Cannot tell the package name of `{url}`: expected a wheel file name or an `#egg=name` fragment"
    )]
    UnnamedUrl {
        /// The URL (shortened if long).
        url: String,
    },
    /// A local path instead of a requirement.
    #[error(
        "Local path requirement `{text}` is not supported: expected a package name, a URL or a VCS URL"
    )]
    LocalPath {
        /// The path (shortened if long).
        text: String,
    },
    /// `-e` with something else than a VCS URL.
    #[error(
        "Editable requirement `{text}` is not supported: expected a VCS URL such as `git+https://host/repo`"
    )]
    EditableNotVcs {
        /// The `-e` value (shortened if long).
        text: String,
    },
    /// An option pip does not know, or megapak does not support.
    #[error("Unknown option `{option}`")]
    UnknownOption {
        /// The option as written, without its value.
        option: String,
    },
    /// A long option shortened to the start of several (`--no`).
    #[error("Option `{option}` is ambiguous: it starts {candidates}")]
    AmbiguousOption {
        /// The option as written, without its value.
        option: String,
        /// The options it could be, as a list for the message.
        candidates: String,
    },
    /// An option without its value.
    #[error("Option `{option}` expects a value")]
    MissingValue {
        /// The option.
        option: String,
    },
    /// A flag given a value (`--pre=yes`).
    #[error("Option `{option}` takes no value, found `{value}`")]
    UnexpectedValue {
        /// The option.
        option: String,
        /// The value given (shortened if long).
        value: String,
    },
    /// A plain word among options (`--pre torch`).
    #[error("Expected an option, found `{text}`")]
    NotAnOption {
        /// The word (shortened if long).
        text: String,
    },
    /// A file-wide option after a requirement (`torch --pre`).
    #[error(
        "Option `{option}` cannot follow a requirement: only `--hash`, `--config-settings` and `--global-option` can"
    )]
    OptionAfterRequirement {
        /// The option.
        option: String,
    },
    /// `-e` after other options.
    #[error("Option `--editable` must come first on its line")]
    EditableNotFirst,
    /// `--hash` on a line without a requirement.
    #[error("Option `{option}` must follow a requirement on the same line")]
    NeedsRequirement {
        /// The option.
        option: String,
    },
    /// A `--hash` value that is not `sha256:`/`sha384:`/`sha512:` and a hex digest.
    #[error(
        "Invalid hash `{value}`: expected `sha256:`, `sha384:` or `sha512:` and a hex digest of that length"
    )]
    InvalidHash {
        /// The value (shortened if long).
        value: String,
    },
    /// A `-C`/`--config-settings` value without `=`.
    #[error("Invalid `--config-settings` value `{value}`: expected `KEY=VALUE`")]
    InvalidConfigSetting {
        /// The value (shortened if long).
        value: String,
    },
    /// A quote in the options of a line that is not closed (`-r "my reqs.txt`).
    #[error("Unterminated quote `{quote}` in `{text}`: expected a closing `{quote}`")]
    UnterminatedQuote {
        /// `'` or `"`.
        quote: char,
        /// The text from the quote on (shortened if long).
        text: String,
    },
    /// A backslash at the end of a line's options, with nothing after it to escape.
    #[error("Backslash at the end of the line: expected a character after it to escape")]
    TrailingBackslash,
    /// `${NAME}`: pip replaces it with the environment variable `NAME`; megapak does not.
    #[error(
        "Environment variable `${{{name}}}` is not expanded: a pak file must mean the same on every machine"
    )]
    EnvironmentVariable {
        /// The variable's name (shortened if long).
        name: String,
    },
    /// A constraint that pip refuses: extras, URLs, editables.
    #[error("Constraint `{text}` is not allowed: {reason}")]
    InvalidConstraint {
        /// The constraint (shortened if long).
        text: String,
        /// Why.
        reason: &'static str,
    },
    /// `-r https://...`: pip can fetch requirements files; megapak reads local files only.
    #[error("Cannot include `{url}`: expected a local file, not a URL")]
    RemoteInclude {
        /// The URL (shortened if long).
        url: String,
    },
    /// Two different `--index-url` values in one tree of files.
    #[error(
        "Option `--index-url` `{value}` conflicts with `{previous}` given at {previous_location}"
    )]
    ConflictingIndexUrl {
        /// This value (shortened if long).
        value: String,
        /// The value given first.
        previous: String,
        /// Where the first value was given.
        previous_location: Location,
    },
}

impl Hint for SyntaxError {
    /// The obvious next step, if there is one.
    fn hint(&self) -> Option<String> {
        match self {
            Self::UnnamedUrl { url } => Some(format!("Name the package: `name @ {url}`")),
            Self::LocalPath { .. } => {
                Some("Name the package and use a URL: `name @ file:///absolute/path`".to_string())
            }
            Self::UnknownOption { .. } => Some(format!(
                "Supported options: {}",
                crate::options::SUPPORTED_OPTIONS
            )),
            Self::AmbiguousOption { .. } => {
                Some("Write the option's name out in full".to_string())
            }
            Self::NotAnOption { .. } => Some(
                "A requirement comes before its options: `name==1.0 --hash=sha256:...`".to_string(),
            ),
            Self::UnterminatedQuote { .. } => Some(
                "Options are split into words as a POSIX shell does: close the quote, or escape a \
                 literal quote with `\\`"
                    .to_string(),
            ),
            Self::TrailingBackslash => Some(
                "A line continues only when `\\` is its very last character, with no space or comment after it"
                    .to_string(),
            ),
            Self::EnvironmentVariable { name } => Some(format!(
                "Write the value of `{name}` into the pak file; for a secret in a git URL, use a \
                 git credential helper or `~/.netrc` instead, so the pak file stays reproducible"
            )),
            Self::OptionAfterRequirement { option } => {
                Some(format!("Put `{option}` on a line of its own"))
            }
            Self::InvalidRequirement { message, .. }
                if message.contains("the end of the URL is ambiguous")
                    || message.contains("expected `;` and a marker after the URL") =>
            {
                Some("A marker follows the URL after whitespace: `name @ URL ; marker`".to_string())
            }
            _ => None,
        }
    }
}

/// Shortens text quoted in a message, so a 1 MB line does not make a 1 MB message.
pub(crate) fn snippet(text: &str) -> String {
    const MAX_CHARS: usize = 100;
    match text.char_indices().nth(MAX_CHARS) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

/// `a.txt` -> `b.txt` -> `a.txt`
struct Chain<'a>(&'a [PathBuf]);

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, path) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" -> ")?;
            }
            write!(f, "`{}`", path.display())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_shortens_long_text_on_a_char_boundary() {
        assert_eq!(snippet("torch==2"), "torch==2");
        let long = "é".repeat(150);
        let short = snippet(&long);
        assert_eq!(short.chars().count(), 101);
        assert!(short.ends_with("é…"));
    }
}
