//! A requirements file and the files it includes, read into one [`RequirementsFile`].

use std::collections::{HashMap, HashSet, VecDeque};
use std::io;
use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use crate::decode::decode;
use crate::entry::Entry;
use crate::error::{RequirementsError, SyntaxError, snippet};
use crate::index::IndexOptions;
use crate::line_reader::{Cursor, next_logical_line};
use crate::options::OptionKind;
use crate::parse::{Line, parse_line};
use crate::url_source::looks_like_url;
use megapak_types::Location;

/// A requirements file with everything it includes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequirementsFile {
    /// The file as named by the caller.
    pub path: PathBuf,
    /// The requirements of the file and of its `-r` includes, in reading order (an include's
    /// entries come where its `-r` line is). Each keeps its own `file:line:column`.
    pub entries: Vec<Entry>,
    /// The entries of `-c` constraint files: they bound versions of packages that are
    /// required elsewhere, and are not packages themselves.
    pub constraints: Vec<Entry>,
    /// Index options of all the files.
    pub index: IndexOptions,
    /// Every `-r`/`-c` line of the tree, in reading order.
    pub includes: Vec<Include>,
}

/// An `-r`/`-c` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Include {
    /// The included file: the including file's directory joined with the argument.
    pub path: PathBuf,
    /// `-r` or `-c`.
    pub kind: IncludeKind,
    /// Where the `-r`/`-c` argument is written.
    pub location: Location,
}

/// How a file is included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IncludeKind {
    /// `-r`/`--requirement`: more requirements.
    Requirements,
    /// `-c`/`--constraint`: constraints (and everything such a file includes too).
    Constraints,
}

/// Where the reader gets file contents from.
pub trait Loader {
    /// The contents of a file, as bytes: the reader decodes them (UTF-8, or UTF-16/UTF-32
    /// after a byte order mark, as pip does).
    fn load(&mut self, path: &Path) -> io::Result<Vec<u8>>;

    /// A key equal for two paths that name the same file, to find include cycles.
    fn identity(&self, path: &Path) -> PathBuf {
        normalize_lexically(path)
    }
}

/// Reads files from the file system (through `fs-err`, so errors name the path).
///
/// A file is read up to 16 MiB, or as many MiB as the environment variable
/// `MEGAPAK_MAX_FILE_MIB` says: past that the load fails with
/// [`io::ErrorKind::FileTooLarge`]. Character and block devices (`-r /dev/zero`), sockets and
/// folders are refused before a byte is read; a FIFO (`--paks <(generate)`) is read, capped.
#[derive(Debug, Default, Clone, Copy)]
pub struct FsLoader;

impl FsLoader {
    /// The cap when `MEGAPAK_MAX_FILE_MIB` is unset: 16 MiB.
    pub const DEFAULT_MAX_FILE_SIZE: u64 = megapak_types::bounded_read::DEFAULT_MAX_FILE_SIZE;
    /// The environment variable that sets the cap, in MiB.
    pub const MAX_FILE_SIZE_VARIABLE: &str = megapak_types::bounded_read::MAX_FILE_SIZE_VARIABLE;
}

impl Loader for FsLoader {
    fn load(&mut self, path: &Path) -> io::Result<Vec<u8>> {
        megapak_types::bounded_read::read_capped(path, megapak_types::bounded_read::max_file_size())
    }

    fn identity(&self, path: &Path) -> PathBuf {
        fs_err::canonicalize(path).unwrap_or_else(|_| normalize_lexically(path))
    }
}

/// Files held in memory, for tests, fuzzing and files embedded in a binary. Paths are
/// compared after lexical normalization (`a/./b/../c` is `a/c`).
#[derive(Debug, Default, Clone)]
pub struct MemoryLoader {
    files: HashMap<PathBuf, Vec<u8>>,
}

impl MemoryLoader {
    /// An empty file set: every load fails with "not found".
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a file: text, or bytes in any encoding.
    pub fn insert(&mut self, path: impl AsRef<Path>, contents: impl Into<Vec<u8>>) -> &mut Self {
        self.files
            .insert(normalize_lexically(path.as_ref()), contents.into());
        self
    }
}

impl Loader for MemoryLoader {
    fn load(&mut self, path: &Path) -> io::Result<Vec<u8>> {
        self.files
            .get(&normalize_lexically(path))
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "No such file in memory"))
    }
}

/// The most requirements (and constraints) read from one file and its includes: with the
/// 16 MiB cap on each file, what bounds the memory one pak file takes (about 2 KB a
/// requirement once merged, so 200 MB at most).
pub(crate) const MAX_ENTRIES: usize = 100_000;

/// Reads a requirements file from disk, following `-r`/`-c` includes.
pub fn read_requirements_file(path: &Path) -> Result<RequirementsFile, RequirementsError> {
    read_requirements_file_with(path, &mut FsLoader)
}

/// Reads a requirements file and its includes through `loader`.
pub fn read_requirements_file_with(
    path: &Path,
    loader: &mut dyn Loader,
) -> Result<RequirementsFile, RequirementsError> {
    let bytes = loader
        .load(path)
        .map_err(|source| RequirementsError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    read_tree(decode(bytes, path)?, path, loader)
}

/// Parses requirements text as if it were the file `origin` (used in locations); `-r`/`-c`
/// includes are read from disk relative to `origin`'s directory.
pub fn parse_requirements_str(
    text: &str,
    origin: &Path,
) -> Result<RequirementsFile, RequirementsError> {
    parse_requirements_str_with(text, origin, &mut FsLoader)
}

/// Parses requirements text as the file `origin`, reading includes through `loader`.
pub fn parse_requirements_str_with(
    text: &str,
    origin: &Path,
    loader: &mut dyn Loader,
) -> Result<RequirementsFile, RequirementsError> {
    read_tree(text.to_string(), origin, loader)
}

/// A file being read. Includes are read with an explicit stack, never by recursion.
struct Frame {
    path: PathBuf,
    identity: PathBuf,
    text: String,
    cursor: Cursor,
    constraints: bool,
    /// Includes of the last line read, opened one at a time before the next line: a sibling
    /// waiting its turn is not an ancestor, so it cannot close a cycle.
    pending: VecDeque<Include>,
}

impl Frame {
    fn new(path: PathBuf, identity: PathBuf, text: String, constraints: bool) -> Self {
        let cursor = Cursor::new(&text);
        Self {
            path,
            identity,
            text,
            cursor,
            constraints,
            pending: VecDeque::new(),
        }
    }
}

fn read_tree(
    text: String,
    origin: &Path,
    loader: &mut dyn Loader,
) -> Result<RequirementsFile, RequirementsError> {
    let mut file = RequirementsFile {
        path: origin.to_path_buf(),
        entries: Vec::new(),
        constraints: Vec::new(),
        index: IndexOptions::default(),
        includes: Vec::new(),
    };
    let identity = loader.identity(origin);
    // A file is read once per kind: reading it again adds nothing but time (and a tree of
    // files that includes one file twice at every level would take exponential time).
    let mut seen = HashSet::from([(identity.clone(), false)]);
    // The stack index of each file being read, to find cycles without scanning the stack.
    let mut on_stack = HashMap::from([(identity.clone(), 0)]);
    let mut stack = vec![Frame::new(origin.to_path_buf(), identity, text, false)];

    while let Some(frame) = stack.last_mut() {
        if let Some(include) = frame.pending.pop_front() {
            let constraints = frame.constraints || include.kind == IncludeKind::Constraints;
            let identity = loader.identity(&include.path);
            if let Some(&start) = on_stack.get(&identity) {
                let mut chain: Vec<PathBuf> = stack[start..]
                    .iter()
                    .map(|frame| frame.path.clone())
                    .collect();
                chain.push(include.path);
                return Err(RequirementsError::IncludeCycle {
                    location: include.location,
                    chain,
                });
            }
            file.includes.push(include.clone());
            if !seen.insert((identity.clone(), constraints)) {
                continue;
            }
            let bytes =
                loader
                    .load(&include.path)
                    .map_err(|source| RequirementsError::ReadInclude {
                        location: include.location,
                        path: include.path.clone(),
                        source,
                    })?;
            let text = decode(bytes, &include.path)?;
            on_stack.insert(identity.clone(), stack.len());
            stack.push(Frame::new(include.path, identity, text, constraints));
            continue;
        }

        let Some(line) = next_logical_line(&frame.text, &mut frame.cursor) else {
            on_stack.remove(&frame.identity);
            stack.pop();
            continue;
        };
        let options = match parse_line(&line, &frame.path)? {
            Line::Entry(entry) if file.entries.len() + file.constraints.len() >= MAX_ENTRIES => {
                return Err(RequirementsError::TooManyEntries {
                    location: entry.location,
                    max: MAX_ENTRIES,
                });
            }
            Line::Entry(entry) if frame.constraints => {
                check_constraint(&entry)?;
                file.constraints.push(entry);
                continue;
            }
            Line::Entry(entry) => {
                file.entries.push(entry);
                continue;
            }
            Line::Options(options) => options,
        };
        drop(line);
        for option in options {
            let kind = match option.kind {
                OptionKind::Requirement => IncludeKind::Requirements,
                OptionKind::Constraint => IncludeKind::Constraints,
                kind => {
                    file.index
                        .record(kind, option.value.as_deref(), &option.location)
                        .map_err(|error| RequirementsError::Syntax {
                            location: option.location.clone(),
                            error,
                        })?;
                    continue;
                }
            };
            let value = option.value.unwrap_or_default();
            if looks_like_url(&value) {
                return Err(RequirementsError::Syntax {
                    location: option.location,
                    error: SyntaxError::RemoteInclude {
                        url: snippet(&value),
                    },
                });
            }
            let directory = frame.path.parent().unwrap_or(Path::new(""));
            frame.pending.push_back(Include {
                path: directory.join(&value),
                kind,
                location: option.location,
            });
        }
    }
    file.index.dedupe();
    Ok(file)
}

/// pip refuses constraints that are not a name with specifiers (and a marker).
fn check_constraint(entry: &Entry) -> Result<(), RequirementsError> {
    let reason = if entry.editable {
        "constraints cannot be editable"
    } else if entry.is_vcs_or_url() {
        "constraints cannot be URLs or VCS checkouts"
    } else if !entry.extras.is_empty() {
        "constraints cannot have extras"
    } else {
        return Ok(());
    };
    Err(RequirementsError::Syntax {
        location: entry.location.clone(),
        error: SyntaxError::InvalidConstraint {
            text: snippet(&entry.raw),
            reason,
        },
    })
}

/// `a/./b/../c` -> `a/c`, without touching the file system (`..` above the start is kept).
fn normalize_lexically(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else if !matches!(
                    out.components().next_back(),
                    Some(Component::RootDir | Component::Prefix(_))
                ) {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_paths_lexically() {
        for (given, expected) in [
            ("a/./b/../c", "a/c"),
            ("./a", "a"),
            ("../a/../../b", "../../b"),
            ("/../a", "/a"),
            ("a/b/..", "a"),
        ] {
            assert_eq!(
                normalize_lexically(Path::new(given)),
                Path::new(expected),
                "{given}"
            );
        }
    }

    #[test]
    fn memory_loader_normalizes_paths() {
        let mut loader = MemoryLoader::new();
        loader.insert("dir/a.txt", "x");
        assert_eq!(loader.load(Path::new("dir/sub/../a.txt")).unwrap(), b"x");
        let error = loader.load(Path::new("b.txt")).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
    }
}
