//! Byte offsets to `line:column`, both 1-based, columns counted in characters.

/// The 1-based line and column of byte `offset` in `text`.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
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
    }

    #[test]
    fn snippets_are_single_short_lines() {
        assert_eq!(snippet("a = 1\n", 0..5).as_deref(), Some("a = 1"));
        assert_eq!(snippet("a\nb", 0..3), None);
    }
}
