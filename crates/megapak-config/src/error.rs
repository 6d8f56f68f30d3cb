use std::path::PathBuf;

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
    #[error("{}:{line}:{column}: {}", path.display(), with_snippet(message, snippet))]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
        /// The offending text, when it fits on one line.
        snippet: Option<String>,
    },
}

/// Puts the quoted offending text after the message's first line, before any `hint:` lines.
fn with_snippet(message: &str, snippet: &Option<String>) -> String {
    let Some(text) = snippet else {
        return message.to_owned();
    };
    match message.split_once('\n') {
        Some((first, rest)) => format!("{first} (at `{text}`)\n{rest}"),
        None => format!("{message} (at `{text}`)"),
    }
}
