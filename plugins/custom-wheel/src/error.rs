//! What can go wrong with one declared wheel, index or git source, and which declaration it was.
//!
//! Every message names the package and its declaration: by its table and place in the list,
//! and by its `megapak.toml:LINE` when the host says where the settings were written
//! (`settings_locations` of the request): `[[resolvers.custom-wheel.wheel]]` #2 at
//! `megapak.toml:14`.

use std::fmt;
use std::io;

use crate::elf::ElfError;

/// Where a package was asked for: a declaration of `megapak.toml` or a pak file's URL line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// `[[resolvers.custom-wheel.<table>]]` number `index` (from 1), for package `name`.
    Declared {
        /// `wheel`, `index` or `git`.
        table: &'static str,
        /// Its place in the list, from 1.
        index: usize,
        /// The package it declares.
        name: String,
        /// Where it is written (`megapak.toml:14`), when the host said.
        at: Option<String>,
    },
    /// A pak file's `name @ https://...whl` or `git+https://...` line.
    Pak {
        /// The package.
        name: String,
        /// The URL as the pak file gives it.
        url: String,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Declared {
                table,
                index,
                name,
                at,
            } => write!(
                f,
                "`{name}` ({})",
                declaration(table, *index, at.as_deref())
            ),
            Self::Pak { name, url } => write!(f, "`{name}` (`{url}` of the pak files)"),
        }
    }
}

/// `` `[[resolvers.custom-wheel.wheel]]` #2 at `megapak.toml:14` `` (without `at` when the
/// host did not say where: `` ... #2 of `megapak.toml` ``).
pub fn declaration(table: &str, index: usize, at: Option<&str>) -> String {
    match at {
        Some(at) => format!("`[[resolvers.custom-wheel.{table}]]` #{index} at `{at}`"),
        None => format!("`[[resolvers.custom-wheel.{table}]]` #{index} of `megapak.toml`"),
    }
}

/// A failure of one source; shown after its [`Origin`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An `http://` URL to a host other than the loopback address.
    #[error(
        "`{url}` is plain HTTP: only `https://` is fetched (`http://` only from the loopback address)"
    )]
    PlainHttp {
        /// The URL.
        url: String,
    },
    /// A URL that cannot be fetched at all.
    #[error("`{url}` cannot be fetched: {reason}")]
    BadUrl {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The server sends whole files only (the caller may fetch the whole file instead).
    #[error("`{url}` does not answer range requests")]
    NoRanges {
        /// The URL.
        url: String,
    },
    /// The server answered, but not with the file.
    #[error("`{url}` answered HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
    },
    /// The server could not be reached or the transfer broke.
    #[error("`{url}` could not be fetched: {reason}")]
    Network {
        /// The URL.
        url: String,
        /// The transport's message.
        reason: String,
    },
    /// A file or member over a limit.
    #[error("`{what}` is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The URL, file or member.
        what: String,
        /// The limit.
        limit: u64,
    },
    /// A download that stopped early.
    #[error("The download of `{url}` ended after {got} of {expected} bytes")]
    Truncated {
        /// The URL.
        url: String,
        /// The bytes announced.
        expected: u64,
        /// The bytes received.
        got: u64,
    },
    /// The declared hash is not the file's.
    #[error("`{file}` has sha256 `{actual}`, but `{declared}` is expected")]
    HashMismatch {
        /// The file name.
        file: String,
        /// The sha256 declared in `megapak.toml`, given by the index or by the URL, hex.
        declared: String,
        /// The downloaded file's sha256, hex.
        actual: String,
    },
    /// A file name that is not `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`.
    #[error("`{file}` is not a wheel file name: {reason}")]
    WheelName {
        /// The file name.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// A wheel for another Python, platform or CUDA.
    #[error("`{file}` does not fit the target: {reason}")]
    Incompatible {
        /// The file name.
        file: String,
        /// Which tag does not fit.
        reason: String,
    },
    /// The wheel is of another package than declared.
    #[error("`{file}` is a wheel of `{found}`, not of `{declared}`")]
    NameMismatch {
        /// The file name.
        file: String,
        /// The name the file gives.
        found: String,
        /// The name declared.
        declared: String,
    },
    /// The archive cannot be read.
    #[error("`{file}` is not a readable wheel: {reason}")]
    Zip {
        /// The file name.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// A member that would unpack past the limits.
    #[error("`{member}` of `{file}` unpacks to more than {limit} bytes: refused as a zip bomb")]
    ZipBomb {
        /// The file name.
        file: String,
        /// The member.
        member: String,
        /// The limit.
        limit: u64,
    },
    /// No `*.dist-info/METADATA`.
    #[error("`{file}` has no `.dist-info/METADATA`")]
    NoMetadata {
        /// The file name.
        file: String,
    },
    /// METADATA without a name or version, or not text.
    #[error("The METADATA of `{file}` is malformed: {reason}")]
    BadMetadata {
        /// The file name.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// An ELF member that cannot be read.
    #[error("`{member}` of `{file}`: {cause}")]
    Elf {
        /// The file name.
        file: String,
        /// The member.
        member: String,
        /// What is wrong.
        cause: ElfError,
    },
    /// A declared `path` that is not there.
    #[error("`{path}` does not exist")]
    NoFile {
        /// The path.
        path: String,
    },
    /// A file of the workspace or the cache.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// `git` failed.
    #[error("`git {command}` failed for `{url}`: {message}")]
    Git {
        /// The repository.
        url: String,
        /// The subcommand, e.g. `ls-remote`.
        command: String,
        /// git's last lines of stderr.
        message: String,
    },
    /// A repository fetched without TLS from another host than the loopback address.
    #[error(
        "`{url}` is fetched without TLS: use `https://` or `ssh://` (`git://` and `http://` only from the loopback address)"
    )]
    PlainGit {
        /// The repository.
        url: String,
    },
    /// A ref the repository does not have.
    #[error("`{rev}` is no branch, tag or commit of `{url}`")]
    GitRef {
        /// The repository.
        url: String,
        /// The ref asked for.
        rev: String,
    },
    /// A repository that did not answer in time.
    #[error("`{url}` did not answer within {seconds} s (`git {command}` stopped)")]
    GitTimeout {
        /// The repository.
        url: String,
        /// The subcommand.
        command: String,
        /// The limit.
        seconds: u64,
    },
    /// A checkout whose name or version cannot be read.
    #[error("The checkout of `{url}` at `{rev}`: {reason}")]
    Project {
        /// The repository.
        url: String,
        /// The commit.
        rev: String,
        /// What is missing.
        reason: String,
    },
    /// A declaration that does not say enough.
    #[error("{0}")]
    Declaration(String),
}

/// A failure with its declaration, as the user reads it.
pub fn describe(origin: &Origin, error: &Error) -> String {
    format!("{origin}: {error}")
}
