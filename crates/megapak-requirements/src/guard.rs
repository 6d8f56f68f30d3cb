//! Inputs refused before `pep508_rs` 0.9.2 sees them: those that make it recurse deeply,
//! take quadratic time, or panic. Each check is one forward scan of the text.

use crate::error::{SyntaxError, snippet};
use crate::requirement::Located;

/// Markers nest parentheses by recursion in `pep508_rs`: bound the depth.
const MAX_PARENTHESES_DEPTH: usize = 32;
/// Every `and`/`or` of distinct marker variables deepens `pep508_rs`'s decision diagram (and
/// its recursion): bound their number. Real markers have a handful.
const MAX_MARKER_OPERATORS: usize = 128;
/// `pep508_rs` copies the whole input once per extra it reads: bound their number.
const MAX_EXTRAS: usize = 64;

/// Refuses inputs that would make `pep508_rs` recurse deeply or build a huge marker diagram.
pub(crate) fn check_complexity(text: &str) -> Result<(), Located> {
    let too_complex = |at: usize, message: String| {
        Err((
            at,
            SyntaxError::InvalidRequirement {
                text: snippet(text),
                message,
            },
        ))
    };
    let mut depth = 0usize;
    let mut operators = 0usize;
    let mut in_brackets = false;
    let mut extras = 1usize;
    let mut quote = None;
    let mut word_start = None;
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        let delimiter = c.is_whitespace() || matches!(c, '(' | ')' | '"' | '\'');
        if delimiter {
            if let Some(start) = word_start.take()
                && matches!(&text[start..i], "and" | "or")
            {
                operators += 1;
                if operators > MAX_MARKER_OPERATORS {
                    return too_complex(
                        start,
                        format!("expected at most {MAX_MARKER_OPERATORS} `and`/`or` in a marker"),
                    );
                }
            }
        } else if word_start.is_none() {
            word_start = Some(i);
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '(' => {
                depth += 1;
                if depth > MAX_PARENTHESES_DEPTH {
                    return too_complex(
                        i,
                        format!("expected parentheses nested at most {MAX_PARENTHESES_DEPTH} deep"),
                    );
                }
            }
            ')' => depth = depth.saturating_sub(1),
            '[' => in_brackets = true,
            ']' => in_brackets = false,
            ',' if in_brackets => {
                extras += 1;
                if extras > MAX_EXTRAS {
                    return too_complex(i, format!("expected at most {MAX_EXTRAS} extras"));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The name as written. `pep508_rs` 0.9.2 panics on a name or extra that ends in `-`, `_` or
/// `.` when more text follows (`foo- ==1`, `foo[a-]`): they are refused here first.
pub(crate) fn check_names(text: &str) -> Result<String, Located> {
    let name_start = text.len() - text.trim_start().len();
    let spelling: String = text[name_start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    check_name_end(text, name_start, &spelling, "package name")?;
    let after_name = text[name_start + spelling.len()..].trim_start();
    if let Some(extras) = after_name.strip_prefix('[') {
        let mut offset = text.len() - extras.len();
        let extras = extras.split(']').next().unwrap_or_default();
        for item in extras.split(',') {
            let lead = item.len() - item.trim_start().len();
            let extra = &item[lead..];
            let name_len = extra
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
                .unwrap_or(extra.len());
            check_name_end(text, offset + lead, &extra[..name_len], "extra")?;
            offset += item.len() + 1;
        }
    }
    Ok(spelling)
}

/// The end of the URL of `name @ url`, if the requirement has one: the URL ends at
/// whitespace (`pep508_rs` would let it run on over spaces; pip does not). Names, extras and
/// specifiers hold neither `@` nor `;`.
pub(crate) fn url_end(text: &str) -> Option<usize> {
    let at = text.find('@')?;
    if text[..at].contains(';') {
        return None;
    }
    let url = &text[at + 1..];
    let url_start = at + 1 + (url.len() - url.trim_start().len());
    Some(
        text[url_start..]
            .find(char::is_whitespace)
            .map_or(text.len(), |end| url_start + end),
    )
}

/// Where the marker of a PEP 508 requirement starts: after the first `;` that is not part of
/// the URL of `name @ url`.
pub(crate) fn marker_start(text: &str) -> Option<usize> {
    let search_from = url_end(text).unwrap_or(0);
    text[search_from..].find(';').map(|i| search_from + i + 1)
}

/// Refuses text between the URL of `name @ url` and its `; marker`.
pub(crate) fn check_after_url(text: &str) -> Result<(), Located> {
    let Some(end) = url_end(text) else {
        return Ok(());
    };
    let rest = text[end..].trim_start();
    // `url; marker`: `pep508_rs` says the space before `;` is missing.
    if rest.is_empty() || rest.starts_with(';') || text[..end].ends_with(';') {
        return Ok(());
    }
    Err((
        text.len() - rest.len(),
        SyntaxError::InvalidRequirement {
            text: snippet(text),
            message: format!(
                "expected `;` and a marker after the URL, found `{}`",
                snippet(rest)
            ),
        },
    ))
}

/// `pep508_rs` 0.9.2 counts characters where it means bytes when it looks for `and`/`or`
/// after a marker expression, and panics on a non-ASCII character there. Telling where it
/// looks needs its whole grammar; marker names, operators and values are ASCII in practice,
/// so a marker must be ASCII.
pub(crate) fn check_marker_ascii(marker: &str, base: usize) -> Result<(), Located> {
    match marker.char_indices().find(|(_, c)| !c.is_ascii()) {
        None => Ok(()),
        Some((i, c)) => Err((
            base + i,
            SyntaxError::InvalidMarker {
                text: snippet(marker.trim()),
                message: format!(
                    "expected ASCII characters only, found `{}`",
                    c.escape_debug()
                ),
            },
        )),
    }
}

/// Refuses a name (starting at `start` in `text`) that ends in `-`, `_` or `.`.
pub(crate) fn check_name_end(
    text: &str,
    start: usize,
    name: &str,
    what: &str,
) -> Result<(), Located> {
    match name.chars().next_back() {
        Some(last @ ('-' | '_' | '.')) => Err((
            start + name.len() - 1,
            SyntaxError::InvalidRequirement {
                text: snippet(text),
                message: format!("expected the {what} to end with a letter or digit, not `{last}`"),
            },
        )),
        _ => Ok(()),
    }
}
