//! What can go wrong with a lock; the next step comes through [`Hint`], never in the message.

use std::path::PathBuf;

use megapak_types::Hint;

use crate::model::LOCK_VERSION;

/// What can go wrong reading or writing a lock.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// The file could not be read.
    #[error("Cannot read the lock `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, or a key or value does not fit the lock's schema.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// The lock was written in a format newer than this megapak reads.
    #[error(
        "{}:{line}:{column}: Lock format version {found}{} is newer than this megapak reads (version {LOCK_VERSION})",
        path.display(),
        written_by.as_ref().map(|by| format!(", written by megapak `{by}`,")).unwrap_or_default()
    )]
    TooNew {
        path: PathBuf,
        line: usize,
        column: usize,
        /// The file's `version`.
        found: i64,
        /// The file's `megapak`, when it has one.
        written_by: Option<String>,
    },
    /// The lock could not be written; the previous one, if any, is left as it was.
    #[error("Cannot write the lock `{}`", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Hint for LockError {
    fn hint(&self) -> Option<String> {
        match self {
            Self::TooNew { written_by, .. } => Some(format!(
                "upgrade megapak (this is megapak `{}`) to {}, or delete the lock and run `megapak resolve` to lock again with this one",
                env!("CARGO_PKG_VERSION"),
                written_by
                    .as_ref()
                    .map_or("a newer one".to_owned(), |by| format!("`{by}` or newer")),
            )),
            Self::Invalid { .. } => Some(
                "the lock is written by `megapak resolve`: run it again rather than editing the lock by hand"
                    .to_owned(),
            ),
            Self::Read { .. } | Self::Write { .. } => None,
        }
    }
}
