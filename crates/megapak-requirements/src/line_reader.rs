//! Physical lines to logical lines, as pip's `req_file.preprocess` does it: `\` continuations
//! joined, comments removed, surrounding whitespace trimmed, blank lines skipped.
//!
//! Every step is a single forward scan, so a file of many lines or one huge line costs time
//! linear in its size. A logical line keeps a map from its byte offsets back to physical
//! `line:column` positions, so errors point at the physical line even inside a continuation.

use std::borrow::Cow;
use std::cell::Cell;

/// Where the reader stands in a text: a byte offset and the number of the next physical line.
///
/// Kept outside the text so the caller can hold many texts (an include stack) without
/// self-referential borrows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cursor {
    pos: usize,
    line: u32,
}

impl Cursor {
    /// The start of a text. A UTF-8 byte order mark is skipped.
    pub(crate) fn new(text: &str) -> Self {
        Self {
            pos: if text.starts_with('\u{feff}') { 3 } else { 0 },
            line: 1,
        }
    }
}

/// One piece of a logical line: the physical line it came from.
#[derive(Debug)]
struct Segment<'a> {
    /// Byte offset of the piece in the joined text.
    offset: usize,
    /// Its physical line number.
    line: u32,
    /// The physical line, without the line ending (and without a trailing `\`).
    physical: &'a str,
}

/// A non-blank requirements line, continuations joined and the comment removed.
#[derive(Debug)]
pub(crate) struct LogicalLine<'a> {
    joined: Cow<'a, str>,
    /// Byte range of the trimmed content in `joined`.
    start: usize,
    end: usize,
    segments: Vec<Segment<'a>>,
    /// The last position computed: segment index, byte offset in it, characters before it.
    /// Positions asked in increasing order (the options of a line) are counted from there,
    /// so a line of many options costs linear time, not quadratic.
    checkpoint: Cell<(usize, usize, usize)>,
}

impl LogicalLine<'_> {
    /// The line's content: trimmed, without comment.
    pub(crate) fn content(&self) -> &str {
        &self.joined[self.start..self.end]
    }

    /// The physical `(line, column)` of a byte offset into [`Self::content`].
    pub(crate) fn position(&self, offset: usize) -> (u32, u32) {
        let offset = (self.start + offset).min(self.joined.len());
        let index = self
            .segments
            .partition_point(|segment| segment.offset <= offset)
            .saturating_sub(1);
        let segment = &self.segments[index];
        let within = (offset - segment.offset).min(segment.physical.len());
        let (checkpoint_index, checkpoint_within, checkpoint_chars) = self.checkpoint.get();
        let (from, chars_before) = if checkpoint_index == index && checkpoint_within <= within {
            (checkpoint_within, checkpoint_chars)
        } else {
            (0, 0)
        };
        // `within` may land inside a multi-byte character only if the caller passed such an
        // offset; count the characters that start before it.
        let chars = chars_before
            + segment.physical[from..]
                .char_indices()
                .take_while(|(i, _)| from + i < within)
                .count();
        if segment.physical.is_char_boundary(within) {
            self.checkpoint.set((index, within, chars));
        }
        (segment.line, saturating_u32(chars).saturating_add(1))
    }
}

/// Reads the next non-blank logical line of `text` from `cursor`, or `None` at the end.
pub(crate) fn next_logical_line<'a>(text: &'a str, cursor: &mut Cursor) -> Option<LogicalLine<'a>> {
    loop {
        let mut segments: Vec<Segment<'a>> = Vec::new();
        let mut joined_len = 0;
        while let Some(physical) = next_physical_line(text, cursor) {
            let line = cursor.line.saturating_sub(1);
            // pip: a comment line never continues, and it ends a continuation (its text is a
            // comment, so dropping it is the same as joining it).
            let is_comment = physical.trim_start().starts_with('#');
            if is_comment && !segments.is_empty() {
                break;
            }
            if !is_comment && physical.ends_with('\\') {
                let physical = physical.trim_end_matches('\\');
                segments.push(Segment {
                    offset: joined_len,
                    line,
                    physical,
                });
                joined_len += physical.len();
                continue;
            }
            segments.push(Segment {
                offset: joined_len,
                line,
                physical,
            });
            break;
        }
        if segments.is_empty() {
            return None;
        }
        let joined: Cow<'a, str> = if let [segment] = segments.as_slice() {
            Cow::Borrowed(segment.physical)
        } else {
            Cow::Owned(segments.iter().map(|segment| segment.physical).collect())
        };
        let without_comment = &joined[..comment_start(&joined)];
        let end = without_comment.trim_end().len();
        let start = end - without_comment[..end].trim_start().len();
        if start < end {
            return Some(LogicalLine {
                joined,
                start,
                end,
                segments,
                checkpoint: Cell::new((0, 0, 0)),
            });
        }
    }
}

/// What ends a line for Python's `str.splitlines`, which pip splits a file with: `\r\n` is
/// one ending.
pub(crate) const LINE_BREAKS: [char; 10] = [
    '\n', '\r', '\u{0B}', '\u{0C}', '\u{1C}', '\u{1D}', '\u{1E}', '\u{85}', '\u{2028}', '\u{2029}',
];

/// The next physical line without its ending (see [`LINE_BREAKS`]), advancing the cursor.
fn next_physical_line<'a>(text: &'a str, cursor: &mut Cursor) -> Option<&'a str> {
    let rest = text.get(cursor.pos..).filter(|rest| !rest.is_empty())?;
    let (line, consumed) = match rest.find(LINE_BREAKS) {
        Some(i) if rest[i..].starts_with("\r\n") => (&rest[..i], i + 2),
        Some(i) => {
            let ending = rest[i..].chars().next().map_or(1, char::len_utf8);
            (&rest[..i], i + ending)
        }
        None => (rest, rest.len()),
    };
    cursor.pos += consumed;
    cursor.line = cursor.line.saturating_add(1);
    Some(line)
}

/// pip's comment rule `(^|\s+)#.*$`: a `#` at the start or after whitespace begins a comment,
/// so `https://host/x.whl#sha256=...` and `#egg=` fragments survive.
fn comment_start(line: &str) -> usize {
    let mut previous_is_space = true;
    for (i, c) in line.char_indices() {
        if c == '#' && previous_is_space {
            return i;
        }
        previous_is_space = c.is_whitespace();
    }
    line.len()
}

pub(crate) fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every logical line as `line:column content`, the position being that of the content.
    fn lines(text: &str) -> Vec<String> {
        let mut cursor = Cursor::new(text);
        let mut out = Vec::new();
        while let Some(line) = next_logical_line(text, &mut cursor) {
            let (l, c) = line.position(0);
            out.push(format!("{l}:{c} {}", line.content()));
        }
        out
    }

    #[test]
    fn skips_blank_lines_and_comments() {
        let text = "# header\n\n  \t\nfoo  # trailing\nbar#not-a-comment\n  baz\n#\n";
        assert_eq!(lines(text), ["4:1 foo", "5:1 bar#not-a-comment", "6:3 baz"]);
    }

    #[test]
    fn joins_continuations_keeping_the_first_line_number() {
        let text = "a\nfoo>=1,\\\n<2 \\\n; python_version < '3.13'\nb\n";
        assert_eq!(
            lines(text),
            ["1:1 a", "2:1 foo>=1,<2 ; python_version < '3.13'", "5:1 b"]
        );
    }

    #[test]
    fn a_comment_line_ends_a_continuation_and_never_continues() {
        let text = "foo \\\n# comment \\\nbar\n# only comment \\\nbaz\n";
        assert_eq!(lines(text), ["1:1 foo", "3:1 bar", "5:1 baz"]);
    }

    #[test]
    fn a_trailing_comment_swallows_the_continued_lines() {
        // pip joins first and strips comments afterwards.
        assert_eq!(lines("foo # c \\\nbar\nbaz"), ["1:1 foo", "3:1 baz"]);
    }

    #[test]
    fn continuation_at_end_of_file() {
        assert_eq!(lines("foo\\"), ["1:1 foo"]);
        assert_eq!(lines("foo \\\n"), ["1:1 foo"]);
        assert_eq!(lines("\\\n\\\n"), Vec::<String>::new());
    }

    #[test]
    fn handles_crlf_cr_and_bom() {
        assert_eq!(
            lines("\u{feff}a\r\nb\rc\r\n\r\nd"),
            ["1:1 a", "2:1 b", "3:1 c", "5:1 d"]
        );
    }

    #[test]
    fn maps_offsets_back_to_physical_positions() {
        let text = "x\n  foo>=1,\\\n  <2,\\\n!=1.5 ; é\n";
        let mut cursor = Cursor::new(text);
        next_logical_line(text, &mut cursor).unwrap();
        let line = next_logical_line(text, &mut cursor).unwrap();
        assert_eq!(line.content(), "foo>=1,  <2,!=1.5 ; é");
        let at = |needle: &str| line.position(line.content().find(needle).unwrap());
        assert_eq!(at("foo"), (2, 3));
        assert_eq!(at(">=1"), (2, 6));
        assert_eq!(at("<2"), (3, 3));
        assert_eq!(at("!="), (4, 1));
        assert_eq!(at("é"), (4, 9));
        assert_eq!(line.position(line.content().len()), (4, 10));
    }

    #[test]
    fn positions_in_any_order_agree_with_counting() {
        let text = "aé€x \\\n𝄞b c é\n";
        let mut cursor = Cursor::new(text);
        let line = next_logical_line(text, &mut cursor).unwrap();
        let content = line.content();
        let first = "aé€x ";
        assert!(content.starts_with(first));
        let naive = |offset: usize| {
            let before = &content[..offset];
            if offset < first.len() {
                (1, before.chars().count() as u32 + 1)
            } else {
                (2, before[first.len()..].chars().count() as u32 + 1)
            }
        };
        let offsets: Vec<usize> = content.char_indices().map(|(i, _)| i).collect();
        for &offset in offsets
            .iter()
            .chain(offsets.iter().rev())
            .chain([&3, &0, &8, &6])
        {
            assert_eq!(line.position(offset), naive(offset), "offset {offset}");
        }
    }

    #[test]
    fn many_options_on_one_line_cost_linear_time() {
        let text = "--pre ".repeat(1 << 18);
        let mut cursor = Cursor::new(&text);
        let line = next_logical_line(&text, &mut cursor).unwrap();
        for i in 0..(1 << 18) - 1 {
            assert_eq!(line.position(i * 6), (1, i as u32 * 6 + 1));
        }
    }

    #[test]
    fn many_lines_and_one_huge_line() {
        let many: String = (0..100_000)
            .map(|i| format!("package-{i}>=1.0 # c\n"))
            .collect();
        let got = lines(&many);
        assert_eq!(got.len(), 100_000);
        assert_eq!(got[99_999], "100000:1 package-99999>=1.0");

        let huge = format!("a{}", "b".repeat(1 << 20));
        assert_eq!(lines(&huge)[0].len(), huge.len() + 4);
        let continued = "x\\\n".repeat(200_000);
        assert_eq!(lines(&continued)[0].len(), 200_000 + 4);
        let hashes = "# ".repeat(1 << 19);
        assert!(lines(&hashes).is_empty());
    }
}
