//! Why a flake could not be read.

use std::io;
use std::path::PathBuf;

use crate::Location;

/// Reading a flake's Python package lists failed.
#[derive(Debug, thiserror::Error)]
pub enum FlakeError {
    /// The file could not be read. The source comes from `fs-err` and names the path again with
    /// the operating system's reason.
    #[error("Failed to read flake `{}`", path.display())]
    Read {
        /// The file that was asked for.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// The file is not UTF-8, the only encoding Nix reads.
    #[error("{location}: The flake is not valid UTF-8: {problem}")]
    Encoding {
        /// The first invalid byte: its line, and its column among the characters before it.
        location: Location,
        /// What was found (`found byte 0xE9`).
        problem: String,
    },
    /// The file is not valid Nix syntax. Only the first error rnix reports is kept: the ones
    /// after it are mostly consequences of the first.
    #[error("Failed to parse `{location}`: {message}")]
    Parse {
        /// Where the first syntax error starts.
        location: Location,
        /// The source text of the offending token, if the error is not at the end of the file.
        found: Option<String>,
        /// What rnix expected there, in words (`` `;` ``, `an identifier`); empty when it did not
        /// say.
        expected: Vec<String>,
        /// `found` and `expected` as one sentence.
        message: String,
    },
}
