//! What can be wrong with a `megapak.toml`; the next step, where there is one, comes through
//! [`Hint`], never in the message.

use std::path::PathBuf;

use megapak_types::Hint;

/// What can be wrong with a `megapak.toml`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("Cannot read the configuration `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, or a key or value does not fit the schema.
    #[error("{}:{line}:{column}: {}", path.display(), with_snippet(&split_hint(message).0, snippet))]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        /// What is wrong; lines starting with `hint: ` are the next step, shown by
        /// [`Hint::hint`] and left out of the message.
        message: String,
        /// The offending text, when it fits on one line.
        snippet: Option<String>,
    },
}

impl Hint for ConfigError {
    fn hint(&self) -> Option<String> {
        match self {
            Self::Read { .. } => None,
            Self::Invalid { message, .. } => split_hint(message).1,
        }
    }
}

/// A message's text, and its `hint: ` lines joined, apart.
fn split_hint(message: &str) -> (String, Option<String>) {
    let (hints, text): (Vec<&str>, Vec<&str>) =
        message.lines().partition(|line| line.starts_with("hint: "));
    let hints: Vec<&str> = hints
        .iter()
        .filter_map(|line| line.strip_prefix("hint: "))
        .collect();
    let hint = (!hints.is_empty()).then(|| hints.join("; "));
    (text.join("\n"), hint)
}

/// Puts the quoted offending text after the message's first line.
fn with_snippet(message: &str, snippet: &Option<String>) -> String {
    let Some(text) = snippet else {
        return message.to_owned();
    };
    match message.split_once('\n') {
        Some((first, rest)) => format!("{first} (at `{text}`)\n{rest}"),
        None => format!("{message} (at `{text}`)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hint_is_apart_from_the_message() {
        let error = ConfigError::Invalid {
            path: PathBuf::from("megapak.toml"),
            line: 7,
            column: 1,
            message: "`[resolvers.x]` configures a resolver that `order` does not name\nhint: add `x` to `[resolvers] order`, or remove the table".to_owned(),
            snippet: Some("x".to_owned()),
        };
        assert_eq!(
            error.to_string(),
            "megapak.toml:7:1: `[resolvers.x]` configures a resolver that `order` does not name (at `x`)"
        );
        assert_eq!(
            error.hint().as_deref(),
            Some("add `x` to `[resolvers] order`, or remove the table")
        );
    }
}
