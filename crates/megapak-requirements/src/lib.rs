//! Reads pip requirements files (the pak lists of big GPU Python images) into typed entries,
//! and merges several files into one package set.
//!
//! # Reading
//!
//! [`read_requirements_file`] reads a file and everything it includes into a
//! [`RequirementsFile`]; [`parse_requirements_str`] does the same for text in memory. The
//! `_with` variants take a [`Loader`] ([`FsLoader`], [`MemoryLoader`]) to read included files
//! from somewhere else than the disk.
//!
//! What pip accepts in a requirements file, and this crate reads:
//!
//! - comments: a `#` at the start of a line or after whitespace (`x.whl#sha256=` and `#egg=`
//!   fragments are not comments); blank lines;
//! - `\` line continuations: the entry keeps the line number of its first physical line,
//!   errors point at the physical line;
//! - PEP 508 requirements through `pep508_rs`: extras (`imageio[ffmpeg,pyav]`), PEP 440
//!   specifiers, markers (`; python_version < "3.13"`, kept as [`pep508_rs::MarkerTree`] for
//!   later evaluation), `name @ https://.../x.whl` and `name @ git+https://...`;
//! - bare URLs: `https://.../name-1.0-py3-none-any.whl` (named by the wheel file name or an
//!   `#egg=` fragment) and VCS URLs `git+https://github.com/o/r@main#egg=name` (named by
//!   `#egg=`, else by the repository name without `.git`), also as `-e git+...`;
//! - `-r`/`--requirement` includes, relative to the including file; a file is read once
//!   however often it is included; include cycles are an error naming the chain;
//! - `-c`/`--constraint` files, whose entries go to [`RequirementsFile::constraints`];
//! - index options, recorded in [`IndexOptions`]: `-i`/`--index-url`, `--extra-index-url`,
//!   `-f`/`--find-links`, `--no-index`, `--pre`, `--no-binary`, `--only-binary`,
//!   `--prefer-binary`, `--require-hashes`, `--trusted-host`, and `--use-feature`
//!   ([`IndexOptions::use_features`]);
//! - per-requirement options, kept in the [`Entry`] (and merged into [`MergedPackage`]):
//!   `--hash=sha256:...`, `-C`/`--config-settings KEY=VALUE`, `--global-option` (each
//!   several times allowed; `-e` lines take them too).
//!
//! Options are written `--opt value`, `--opt=value` or `-o value`. As pip does (with Python's
//! `shlex.split`), the options part of a line is split into words with POSIX shell quoting:
//! `-r "my reqs.txt"`, `--extra-index-url 'https://x/simple'`, `--find-links my\ wheels`; an
//! unterminated quote is an error. Unknown options are an error, as are local paths (`./pkg`,
//! `x.whl`) and `-r https://...`.
//!
//! Unlike pip, `${VAR}` (pip's `${UPPER_CASE_NAME}` form) is not expanded from the
//! environment but refused: a pak file must mean the same on every machine, so the result
//! never depends on the environment. Files are UTF-8, UTF-16/UTF-32 starting with a byte
//! order mark (PowerShell's `pip freeze > requirements.txt` writes UTF-16LE), or in the
//! encoding a comment on their first or second line declares (`# -*- coding: latin-1 -*-`),
//! as pip reads them; pip decodes other files with the machine's locale, megapak refuses
//! them, naming the line of the first invalid byte.
//!
//! Every [`Entry`] remembers its [`Location`] (`file:line:column`) and its text. Errors name
//! the location, the offending text and what was expected:
//!
//! ```
//! use std::path::Path;
//! use megapak_requirements::parse_requirements_str;
//!
//! let file = parse_requirements_str(
//!     "# pak\ntorch==2.10.0\nimageio[ffmpeg,pyav] ; python_version < \"3.13\"\n",
//!     Path::new("pak3.txt"),
//! )?;
//! assert_eq!(file.entries.len(), 2);
//! assert_eq!(file.entries[1].location.to_string(), "pak3.txt:3:1");
//!
//! let error = parse_requirements_str("\ntorch==>2\n", Path::new("pak5.txt")).unwrap_err();
//! assert_eq!(
//!     error.to_string(),
//!     "pak5.txt:2:6: Invalid requirement `torch==>2`: no such comparison operator \"==>\", \
//!      must be one of ~= == != <= >= < > ===",
//! );
//! # Ok::<(), megapak_requirements::RequirementsError>(())
//! ```
//!
//! Reading is linear in the size of the input: a file of 100,000 lines or a line of a
//! megabyte is read in one pass, and nothing recurses on the input (includes use an explicit
//! stack; marker nesting is bounded before `pep508_rs` sees it). Inputs on which
//! `pep508_rs` 0.9.2 panics (a name or extra ending in `-`, `_` or `.` with text after it,
//! a non-ASCII character after a marker expression) are refused before it sees them; a
//! cargo-fuzz target (`fuzz/`, `requirements_reader`) checks that nothing panics.
//!
//! # Merging
//!
//! [`merge`] turns several files into a [`PackageSet`]: one [`MergedPackage`] per
//! [`PackageName`] (PEP 503 normalized), extras united, specifiers intersected, locations
//! kept. Two different URL/VCS sources of one name are a [`MergeError`] naming the places.
//! [`merge_for_environment`] evaluates markers first. Whether some version satisfies all the
//! entries of a name is not judged here: megapak has one version judge, the solver
//! (`megapak_solve::check_root_requirements` for the pak files alone), so that `status` and
//! `resolve` can never disagree.
//!
//! Errors carry an optional next step through [`Hint`]: [`RequirementsError`], [`MergeError`].

mod declared_encoding;
mod decode;
mod entry;
mod error;
mod file;
mod guard;
mod index;
mod line_reader;
mod merge;
mod options;
mod parse;
mod requirement;
mod shell_words;
mod url_source;

pub use entry::{Entry, EntrySource, VcsKind, VcsSource};
pub use error::{RequirementsError, SyntaxError};
pub use file::{
    FsLoader, Include, IncludeKind, Loader, MemoryLoader, RequirementsFile, parse_requirements_str,
    parse_requirements_str_with, read_requirements_file, read_requirements_file_with,
};
pub use index::IndexOptions;
pub use megapak_types::{Hint, InvalidNameError, Located, Location, PackageName};
pub use merge::{
    Conflict, MergeError, MergedPackage, PackageSet, PackageSource, merge, merge_for_environment,
};
pub use pep440_rs;
pub use pep508_rs;
