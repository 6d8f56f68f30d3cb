//! Where something was written: `file:line:column`.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// A position in a requirements file. Lines and columns count from 1; the column counts
/// characters (not bytes) of the physical line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    /// The file as it was named: the path given by the caller, or for an included file the
    /// including file's directory joined with the `-r`/`-c` argument.
    pub file: PathBuf,
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// A value together with where it was written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Where the value was written.
    pub location: Location,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_file_line_column() {
        let location = Location {
            file: PathBuf::from("dir/pak5.txt"),
            line: 12,
            column: 7,
        };
        assert_eq!(location.to_string(), "dir/pak5.txt:12:7");
    }
}
