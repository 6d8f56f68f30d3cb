//! Byte offsets to `line:column`, both 1-based, columns counted in characters.

/// The 1-based line and column of byte `offset` in `text`.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    Lines::new(text).line_column(offset)
}

/// The line starts of a text, found once: then each position costs a binary search, so
/// numbering the lines of 100,000 `[[override]]`s stays linear (one scan of the text per
/// override made them quadratic).
#[derive(Debug)]
pub(crate) struct Lines<'a> {
    text: &'a str,
    /// Byte offset of the first character of each line; `starts[0] == 0`.
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        Self { text, starts }
    }

    /// The 1-based line and column of byte `offset`.
    pub(crate) fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let line = self.starts.partition_point(|&start| start <= offset);
        let start = self.starts[line - 1];
        let column = self.text[start..offset].chars().count() + 1;
        (line, column)
    }

    /// The 1-based line of byte `offset`.
    pub(crate) fn line(&self, offset: usize) -> usize {
        self.line_column(offset).0
    }
}

/// The text of `range`, if it is short and on one line: worth quoting in a message.
pub(crate) fn snippet(text: &str, range: std::ops::Range<usize>) -> Option<String> {
    let start = floor_char_boundary(text, range.start.min(text.len()));
    let end = floor_char_boundary(text, range.end.min(text.len()));
    let slice = text.get(start..end)?.trim();
    let fits = !slice.is_empty() && !slice.contains('\n') && slice.chars().count() <= 80;
    fits.then(|| slice.to_owned())
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_one_based_lines_and_columns() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        // `=` after a two-byte character is the 4th character of line 2.
        assert_eq!(line_column(text, 10), (2, 4));
        assert_eq!(line_column(text, 999), (3, 1));
        let lines = Lines::new(text);
        for offset in 0..text.len() + 2 {
            assert_eq!(
                lines.line_column(offset),
                slow_line_column(text, offset),
                "{offset}"
            );
        }
    }

    /// The definition: count the line breaks before the offset.
    fn slow_line_column(text: &str, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let before = &text[..offset];
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    #[test]
    fn snippets_are_single_short_lines() {
        assert_eq!(snippet("a = 1\n", 0..5).as_deref(), Some("a = 1"));
        assert_eq!(snippet("a\nb", 0..3), None);
    }
}
