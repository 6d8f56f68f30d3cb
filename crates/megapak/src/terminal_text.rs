//! Text from files, shown on a terminal: control and invisible characters written as escapes.
//!
//! A pak line with `ESC ] 0 ; title BEL` in it, quoted raw in an error, sets the terminal's
//! window title; `ESC [ 2 J` clears the screen; a carriage return or a right-to-left override
//! makes a message read as something else; a zero-width space hides a difference between two
//! names. Every message megapak prints goes through [`escape_controls`]; data on stdout (a
//! report) is left as it is.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with every control character but the line feed, and every invisible or
/// direction-changing character, written as `\u{1b}`.
pub(crate) fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if needs_escape(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    match c {
        // Line feeds separate the lines of a message; a tab is only white space.
        '\n' | '\t' => false,
        // C0 and C1 controls and DEL: escape sequences, carriage returns, backspaces, bells.
        c if c.is_control() => true,
        // Direction marks, embeddings, overrides and isolates (the "Trojan Source" set).
        '\u{061C}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}' => true,
        // Zero-width and other invisible characters, line and paragraph separators.
        '\u{00AD}'
        | '\u{034F}'
        | '\u{115F}'
        | '\u{1160}'
        | '\u{180E}'
        | '\u{200B}'..='\u{200D}'
        | '\u{2028}'
        | '\u{2029}'
        | '\u{2060}'..='\u{2064}'
        | '\u{3164}'
        | '\u{FEFF}'
        | '\u{FFA0}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0000}'..='\u{E007F}' => true,
        _ => false,
    }
}

/// The most warnings shown one by one; past them, one line says how many more there were
/// (100,000 overrides of unknown packages must not bury the report under 200,000 lines).
pub(crate) const MAX_WARNINGS_SHOWN: usize = 20;

/// Prints `note: ...` on stderr, escaped.
pub(crate) fn note(message: &dyn std::fmt::Display) {
    use crate::exit::HINT_STYLE;
    anstream::eprintln!(
        "{HINT_STYLE}note{HINT_STYLE:#}: {}",
        escape_controls(&message.to_string())
    );
}

/// Prints each warning and its hint on stderr, escaped: the first [`MAX_WARNINGS_SHOWN`] of
/// them, then how many were left out.
pub(crate) fn warnings<W: std::fmt::Display>(
    warnings: impl IntoIterator<Item = W>,
    hint: impl Fn(&W) -> Option<String>,
) {
    use crate::exit::{HINT_STYLE, WARNING_STYLE};
    let mut left_out = 0usize;
    for (i, warning) in warnings.into_iter().enumerate() {
        if i >= MAX_WARNINGS_SHOWN {
            left_out += 1;
            continue;
        }
        anstream::eprintln!(
            "{WARNING_STYLE}warning{WARNING_STYLE:#}: {}",
            escape_controls(&warning.to_string())
        );
        if let Some(hint) = hint(&warning) {
            anstream::eprintln!("{HINT_STYLE}hint{HINT_STYLE:#}: {}", escape_controls(&hint));
        }
    }
    if left_out > 0 {
        anstream::eprintln!(
            "{WARNING_STYLE}warning{WARNING_STYLE:#}: {left_out} more warning{} like these left out",
            if left_out == 1 { "" } else { "s" }
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_invisible_characters_are_written_out() {
        let title = "r.txt:1:1: Invalid requirement `\u{1b}]0;pwned\u{7}torch`";
        insta::assert_snapshot!(escape_controls(title), @r"r.txt:1:1: Invalid requirement `\u{1b}]0;pwned\u{7}torch`");
        let sneaky = "to\u{200b}rch \u{202e}lmth.txt\r\u{1b}[2J\u{9b}x\u{feff}";
        insta::assert_snapshot!(escape_controls(sneaky), @r"to\u{200b}rch \u{202e}lmth.txt\u{d}\u{1b}[2J\u{9b}x\u{feff}");
    }

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        let text = "Failed to read `paks/é 𝄞.txt`\n\thint: line two — naïve";
        assert!(matches!(escape_controls(text), Cow::Borrowed(t) if t == text));
    }
}
