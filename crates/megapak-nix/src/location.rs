//! Positions in a Nix file as people read them: `file:line:column`.

use std::path::Path;

pub use megapak_types::Location;
use rnix::TextSize;

/// Turns byte offsets of one text into [`Location`]s.
///
/// Built once per file (one pass over the text), then each lookup is a binary search over the
/// line starts, so converting every entry of a 20k-line flake stays linear overall.
#[derive(Debug)]
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    file: &'a Path,
    /// Byte offset of the first character of each line; `line_starts[0] == 0`.
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(text: &'a str, file: &'a Path) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        Self {
            text,
            file,
            line_starts,
        }
    }

    /// The location of a byte offset. An offset past the end maps to the end of the text; an
    /// offset inside a multi-byte character counts that character as not yet reached.
    pub(crate) fn location(&self, offset: TextSize) -> Location {
        let offset = usize::from(offset).min(self.text.len());
        // The last line start at or before `offset`.
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let line_start = self.line_starts[line];
        let column = self
            .text
            .get(line_start..)
            .unwrap_or_default()
            .char_indices()
            .take_while(|&(at, _)| line_start + at < offset)
            .count();
        Location {
            file: self.file.to_path_buf(),
            line: to_u32(line + 1),
            column: to_u32(column + 1),
        }
    }

    /// The location just past the last character of the text.
    pub(crate) fn end(&self) -> Location {
        self.location(TextSize::of(self.text))
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, offset: u32) -> String {
        LineIndex::new(text, Path::new("f.nix"))
            .location(TextSize::from(offset))
            .to_string()
    }

    #[test]
    fn first_character_is_line_1_column_1() {
        assert_eq!(at("abc", 0), "f.nix:1:1");
    }

    #[test]
    fn offsets_after_newlines_start_new_lines() {
        let text = "ab\ncd\n\nef";
        assert_eq!(at(text, 1), "f.nix:1:2");
        assert_eq!(at(text, 2), "f.nix:1:3");
        assert_eq!(at(text, 3), "f.nix:2:1");
        assert_eq!(at(text, 6), "f.nix:3:1");
        assert_eq!(at(text, 8), "f.nix:4:2");
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        // `é` is two bytes: `x` after it is the third character.
        assert_eq!(at("aéx", 3), "f.nix:1:3");
    }

    #[test]
    fn end_is_past_the_last_character() {
        let index = LineIndex::new("a\nbc", Path::new("f.nix"));
        assert_eq!(index.end().to_string(), "f.nix:2:3");
        assert_eq!(at("a\n", 99), "f.nix:2:1");
    }
}
