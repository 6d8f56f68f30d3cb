//! What can go wrong with a plugin: at load time (the file is refused and skipped), during a
//! call, and for the set as a whole (duplicates, a required plugin missing).

use std::fmt;
use std::path::PathBuf;

use megapak_plugin_abi::{AbiVersion, ENTRY_SYMBOL};
use megapak_types::Hint;

/// The plugin functions the host calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `describe`, during the handshake.
    Describe,
    /// `candidates`.
    Candidates,
    /// `details`.
    Details,
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Describe => "describe",
            Self::Candidates => "candidates",
            Self::Details => "details",
        })
    }
}

/// A call into a loaded plugin failed. The message reads after the plugin's name.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The plugin caught a panic of its own and reported it.
    #[error("panicked in `{call}`: {message}")]
    Panicked {
        /// The function called.
        call: Call,
        /// The panic message.
        message: String,
    },
    /// The plugin reported a failure.
    #[error("returned an error from `{call}`: {message}")]
    Failed {
        /// The function called.
        call: Call,
        /// The plugin's message.
        message: String,
    },
    /// The answer was not JSON (or not UTF-8).
    #[error("answered `{call}` with invalid JSON: {detail}")]
    InvalidJson {
        /// The function called.
        call: Call,
        /// What the JSON parser said.
        detail: String,
    },
    /// The answer was JSON, but not of wire schema 2.
    #[error("answered `{call}` with JSON of the wrong schema: {detail}")]
    WrongSchema {
        /// The function called.
        call: Call,
        /// What did not match.
        detail: String,
    },
    /// The answer has the shape of ABI 1's `resolve`.
    #[error(
        "answered `{call}` with JSON of plugin ABI 1 (`candidates` listed in a package's answer, no `outcome`): it was built against an older `megapak-plugin-abi`"
    )]
    OlderSchema {
        /// The function called.
        call: Call,
    },
    /// The answer names a package (or version) the request did not ask about.
    #[error("answered `{call}` for {what}, which was not asked about")]
    NotAsked {
        /// The function called.
        call: Call,
        /// The package, and its version for `details`, in backticks.
        what: String,
    },
    /// The answer has two entries for one package (or version).
    #[error("answered `{call}` for {what} twice")]
    AnsweredTwice {
        /// The function called.
        call: Call,
        /// The package, and its version for `details`, in backticks.
        what: String,
    },
    /// The status code is none of those the ABI defines.
    #[error("answered `{call}` with the unknown status code {code}")]
    UnknownStatus {
        /// The function called.
        call: Call,
        /// The code.
        code: i32,
    },
}

/// Why a plugin file was refused at load time. The message reads after the plugin's name and
/// path.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Reading the file's header failed.
    #[error("could not be read: {0}")]
    Read(std::io::Error),
    /// The file does not start with an ELF header.
    #[error("is not a shared library (it has no ELF header)")]
    NotElf,
    /// The name is not a regular file (a FIFO would block the reading of its header forever).
    #[error("is not a regular file (it is a {kind})")]
    NotAFile {
        /// `directory`, `FIFO`, `socket`, ...
        kind: &'static str,
    },
    /// The file is an ELF object, but not a shared library.
    #[error("is not a shared library (it is an ELF {kind})")]
    NotSharedObject {
        /// `executable`, `relocatable object`, ...
        kind: &'static str,
    },
    /// The file is a shared library for another machine.
    #[error("is built for another architecture (`{found}`), but this megapak runs on `{expected}`")]
    ForeignArchitecture {
        /// The library's architecture.
        found: String,
        /// This process's architecture.
        expected: &'static str,
    },
    /// `dlopen` failed.
    #[error("could not be loaded: {0}")]
    Open(String),
    /// The library does not export the entry symbol.
    #[error("has no `{ENTRY_SYMBOL}` symbol, so it is not a megapak resolver plugin")]
    MissingSymbol,
    /// The entry function returned a null pointer.
    #[error("returned no function table from `{ENTRY_SYMBOL}`")]
    NullTable,
    /// The entry function returned a pointer not aligned for the table.
    #[error("returned a function table at a misaligned address from `{ENTRY_SYMBOL}`")]
    MisalignedTable,
    /// The plugin was built for another ABI major version.
    #[error("was built for plugin ABI {plugin}, but this megapak speaks ABI {host}")]
    AbiMismatch {
        /// What the plugin's table says.
        plugin: AbiVersion,
        /// What the host speaks.
        host: AbiVersion,
    },
    /// The table is smaller than ABI 2.0's.
    #[error("declares a function table of {size} bytes, less than the {expected} bytes of ABI 2.0")]
    TableTooSmall {
        /// The declared size.
        size: u32,
        /// ABI 2.0's size.
        expected: u32,
    },
    /// A required function pointer is null.
    #[error("has no `{0}` function in its table")]
    MissingFunction(&'static str),
    /// The handshake call failed.
    #[error(transparent)]
    Describe(CallError),
    /// The plugin calls itself something its file name does not say.
    #[error("calls itself `{declared}`, but its file name says `{expected}`")]
    NameMismatch {
        /// The name from `describe`.
        declared: String,
        /// The name from the file name.
        expected: String,
    },
    /// Another file with the same plugin name was found first.
    #[error("has the same name as `{}`, found first", first.display())]
    Duplicate {
        /// The file found first.
        first: PathBuf,
    },
}

/// A call into a loaded plugin failed; names the plugin and its file.
#[derive(Debug, thiserror::Error)]
#[error("Plugin `{name}` (`{}`) {cause}", path.display())]
pub struct PluginError {
    /// The plugin's name.
    pub name: String,
    /// Its file.
    pub path: PathBuf,
    /// What went wrong.
    pub cause: CallError,
}

/// The plugin set cannot be used: the run cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// Two files give the same plugin name.
    #[error(
        "Two plugins are named `{name}`: `{}` and `{}`",
        first.display(), second.display()
    )]
    DuplicateName {
        /// The plugin name.
        name: String,
        /// The file found first.
        first: PathBuf,
        /// The file found next.
        second: PathBuf,
    },
    /// A plugin that `megapak.toml` requires was refused.
    #[error("Required plugin `{name}` (`{}`) {reason}", path.display())]
    RequiredRefused {
        /// The plugin name.
        name: String,
        /// Its file.
        path: PathBuf,
        /// Why it was refused.
        reason: String,
        /// What to do about it, when there is an obvious next step.
        hint: Option<String>,
    },
    /// A plugin that `megapak.toml` requires was not found.
    #[error(
        "Required plugin `{name}` was not found: no `{file}` in {}",
        folder_list(searched)
    )]
    RequiredMissing {
        /// The plugin name.
        name: String,
        /// The file name that was looked for.
        file: String,
        /// The folders searched, in order.
        searched: Vec<PathBuf>,
    },
}

impl Hint for LoadError {
    fn hint(&self) -> Option<String> {
        match self {
            Self::MissingSymbol => Some(
                "a Rust plugin exports it with `megapak_plugin_abi::export_resolver!`".to_owned(),
            ),
            Self::MisalignedTable => Some(
                "return the address of a `static` `megapak_plugin_table`, not a pointer into a byte buffer"
                    .to_owned(),
            ),
            Self::AbiMismatch { host, .. } => Some(format!(
                "rebuild the plugin against the `megapak-plugin-abi` of this megapak (plugin ABI {}.x)",
                host.major
            )),
            _ => None,
        }
    }
}

impl Hint for HostError {
    fn hint(&self) -> Option<String> {
        match self {
            Self::DuplicateName { .. } => Some(
                "remove one of them, or the folder that holds it from `MEGAPAK_PLUGIN_PATH` or `[plugins] paths`"
                    .to_owned(),
            ),
            Self::RequiredRefused { hint, .. } => hint.clone(),
            Self::RequiredMissing { file, .. } => Some(format!(
                "build the plugin and put `{file}` in one of those folders, or name its folder in `[plugins] paths`"
            )),
        }
    }
}

/// `` `a`, `b` `` for the folders searched, as the messages name them.
pub fn folder_list(folders: &[PathBuf]) -> String {
    if folders.is_empty() {
        return "no folder (none was configured)".to_owned();
    }
    folders
        .iter()
        .map(|folder| format!("`{}`", folder.display()))
        .collect::<Vec<_>>()
        .join(", ")
}
