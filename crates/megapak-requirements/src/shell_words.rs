//! Splitting the options part of a requirements line into words as Python's `shlex.split`
//! does (pip uses it): quotes and backslashes work as in a POSIX shell, and each word remembers
//! where it was written, so that errors point at `file:line:column`.

use std::borrow::Cow;

use crate::error::{SyntaxError, snippet};

/// A word of the options part of a line, quotes and escapes removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word<'a> {
    /// Byte offset of the word in the line.
    pub(crate) offset: usize,
    /// The word without its quotes and escaping backslashes.
    pub(crate) text: Cow<'a, str>,
    /// `(index in text, offset in line)` of each character of the text that does not follow
    /// the previous one in the line (a quote or a backslash came between). Empty for a word
    /// written without quotes and backslashes.
    jumps: Vec<(usize, usize)>,
}

impl Word<'_> {
    /// The byte offset in the line of byte `index` of the text; `text.len()` gives the end.
    pub(crate) fn position(&self, index: usize) -> usize {
        match self
            .jumps
            .partition_point(|&(at, _)| at <= index)
            .checked_sub(1)
        {
            None => self.offset + index,
            Some(jump) => {
                let (at, offset) = self.jumps[jump];
                offset + (index - at)
            }
        }
    }
}

/// Collects the characters of one word, borrowing the line while they are written as is.
struct WordBuilder<'a> {
    line: &'a str,
    start: usize,
    /// The line offset after the last character of the text.
    next: usize,
    owned: Option<String>,
    jumps: Vec<(usize, usize)>,
}

impl<'a> WordBuilder<'a> {
    fn new(line: &'a str, start: usize) -> Self {
        Self {
            line,
            start,
            next: start,
            owned: None,
            jumps: Vec::new(),
        }
    }

    /// Adds the character `c`, written at line offset `at`.
    fn push(&mut self, at: usize, c: char) {
        if at != self.next || self.owned.is_some() {
            let owned = self
                .owned
                .get_or_insert_with(|| self.line[self.start..self.next].to_string());
            if at != self.next {
                self.jumps.push((owned.len(), at));
            }
            owned.push(c);
        }
        self.next = at + c.len_utf8();
    }

    fn finish(self) -> Word<'a> {
        Word {
            offset: self.start,
            text: match self.owned {
                Some(owned) => Cow::Owned(owned),
                None => Cow::Borrowed(&self.line[self.start..self.next]),
            },
            jumps: self.jumps,
        }
    }
}

/// Python's `shlex` whitespace.
fn is_shell_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Splits `line[from..]` into words as pip does with `shlex.split` (POSIX mode): `'...'`
/// keeps everything, `"..."` keeps everything but `\"` and `\\`, a backslash outside quotes
/// escapes the next character, and quoted parts join the text around them (`a"b c"` is
/// `ab c`). Errors carry the line offset of the unterminated quote or the lone backslash.
pub(crate) fn split_words(line: &str, from: usize) -> Result<Vec<Word<'_>>, (usize, SyntaxError)> {
    let mut words = Vec::new();
    let mut chars = line[from..]
        .char_indices()
        .map(|(i, c)| (from + i, c))
        .peekable();
    let unterminated = |at: usize, quote: char| {
        (
            at,
            SyntaxError::UnterminatedQuote {
                quote,
                text: snippet(&line[at..]),
            },
        )
    };
    loop {
        while chars.next_if(|&(_, c)| is_shell_space(c)).is_some() {}
        let Some(&(start, _)) = chars.peek() else {
            break;
        };
        let mut word = WordBuilder::new(line, start);
        while let Some((at, c)) = chars.next() {
            match c {
                c if is_shell_space(c) => break,
                '\\' => match chars.next() {
                    Some((escaped_at, escaped)) => word.push(escaped_at, escaped),
                    None => return Err((at, SyntaxError::TrailingBackslash)),
                },
                '\'' => loop {
                    match chars.next() {
                        Some((_, '\'')) => break,
                        Some((inner_at, inner)) => word.push(inner_at, inner),
                        None => return Err(unterminated(at, '\'')),
                    }
                },
                '"' => loop {
                    match chars.next() {
                        Some((_, '"')) => break,
                        Some((backslash_at, '\\')) => match chars.next() {
                            Some((escaped_at, escaped @ ('"' | '\\'))) => {
                                word.push(escaped_at, escaped);
                            }
                            Some((escaped_at, escaped)) => {
                                word.push(backslash_at, '\\');
                                word.push(escaped_at, escaped);
                            }
                            None => return Err(unterminated(at, '"')),
                        },
                        Some((inner_at, inner)) => word.push(inner_at, inner),
                        None => return Err(unterminated(at, '"')),
                    }
                },
                c => word.push(at, c),
            }
        }
        words.push(word.finish());
    }
    Ok(words)
}
