//! Turns rnix's first parse error into a [`FlakeError::Parse`] a person can act on: where, what
//! was found, what was expected.

use rnix::{ParseError, SyntaxKind, SyntaxNode, SyntaxToken, TextRange, TextSize};

use super::FlakeError;
use crate::location::LineIndex;

/// The longest offending text quoted in a message; the rest is cut with `…`.
const MAX_FOUND_CHARS: usize = 40;

/// Describes `error`, which rnix reported for the tree `root` of the text indexed by `index`.
pub(super) fn syntax_error(error: &ParseError, root: &SyntaxNode, index: &LineIndex) -> FlakeError {
    use ParseError as E;
    let (range, expected, reason): (Option<TextRange>, &[SyntaxKind], Option<String>) = match error
    {
        E::Unexpected(range) => (Some(*range), &[], None),
        E::UnexpectedExtra(range) => (
            Some(*range),
            &[],
            Some("after the end of the expression".to_owned()),
        ),
        E::UnexpectedWanted(_, range, wanted) => (Some(*range), wanted, None),
        E::UnexpectedDoubleBind(range) => (Some(*range), &[], Some("is bound twice".to_owned())),
        E::DuplicatedArgs(range, ident) => (
            Some(*range),
            &[],
            Some(format!("repeats the argument `{ident}`")),
        ),
        E::UnexpectedEOF => (None, &[], None),
        E::UnexpectedEOFWanted(wanted) => (None, wanted, None),
        E::RecursionLimitExceeded => {
            // rnix puts the rest of the file into an error node where it gave up.
            let at = root
                .descendants()
                .find(|node| node.kind() == SyntaxKind::NODE_ERROR)
                .map_or(TextSize::from(0), |node| node.text_range().start());
            let message = "the expression is nested too deeply for the parser".to_owned();
            return parse_error(index.location(at), None, Vec::new(), message);
        }
        // `ParseError` is non-exhaustive: fall back to rnix's own words.
        other => {
            return parse_error(index.end(), None, Vec::new(), other.to_string());
        }
    };

    let found = range.and_then(|range| first_token(root, range));
    let (location, found_text) = match &found {
        Some(token) => (
            index.location(token.text_range().start()),
            Some(token.text().to_owned()),
        ),
        None => (
            index.location(range.map_or(root.text_range().end(), TextRange::start)),
            None,
        ),
    };
    let expected = describe_expected(expected);

    let mut message = match &found_text {
        Some(text) => format!("unexpected `{}`", shorten(text)),
        None if range.is_some() => "unexpected text".to_owned(),
        None => "unexpected end of file".to_owned(),
    };
    if let Some(reason) = reason {
        message.push(' ');
        message.push_str(&reason);
    }
    match expected.as_slice() {
        [] => {}
        [one] => message.push_str(&format!(", expected {one}")),
        many => message.push_str(&format!(", expected one of {}", many.join(", "))),
    }
    parse_error(location, found_text, expected, message)
}

fn parse_error(
    location: crate::Location,
    found: Option<String>,
    expected: Vec<String>,
    message: String,
) -> FlakeError {
    FlakeError::Parse {
        location,
        found,
        expected,
        message,
    }
}

/// The first token in `range` that is not whitespace or a comment.
fn first_token(root: &SyntaxNode, range: TextRange) -> Option<SyntaxToken> {
    let mut token = root.token_at_offset(range.start()).right_biased()?;
    while token.kind().is_trivia() {
        token = token.next_token()?;
    }
    (token.text_range().start() < range.end().max(range.start() + TextSize::from(1)))
        .then_some(token)
}

/// The first line of `text`, at most [`MAX_FOUND_CHARS`] characters.
fn shorten(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() > MAX_FOUND_CHARS || line.len() < text.len() {
        let kept: String = line.chars().take(MAX_FOUND_CHARS).collect();
        format!("{kept}…")
    } else {
        line.to_owned()
    }
}

/// rnix's expected kinds in words, without repeats. The parser lists `or` and `__curPos` beside
/// identifiers because both may be used as names; saying "an identifier" covers them.
fn describe_expected(kinds: &[SyntaxKind]) -> Vec<String> {
    let has_ident = kinds.contains(&SyntaxKind::TOKEN_IDENT);
    let mut words: Vec<String> = Vec::new();
    for &kind in kinds {
        if has_ident && matches!(kind, SyntaxKind::TOKEN_OR | SyntaxKind::TOKEN_CUR_POS) {
            continue;
        }
        let word = describe_kind(kind);
        if !words.contains(&word) {
            words.push(word);
        }
    }
    words
}

/// One syntax kind in words: punctuation and keywords quoted as written, the rest named.
fn describe_kind(kind: SyntaxKind) -> String {
    use SyntaxKind as K;
    let quoted = match kind {
        K::TOKEN_ADD => "+",
        K::TOKEN_AND_AND => "&&",
        K::TOKEN_ASSIGN => "=",
        K::TOKEN_ASSERT => "assert",
        K::TOKEN_AT => "@",
        K::TOKEN_COLON => ":",
        K::TOKEN_COMMA => ",",
        K::TOKEN_CONCAT => "++",
        K::TOKEN_CUR_POS => "__curPos",
        K::TOKEN_DIV => "/",
        K::TOKEN_DOT => ".",
        K::TOKEN_ELLIPSIS => "...",
        K::TOKEN_ELSE => "else",
        K::TOKEN_EQUAL => "==",
        K::TOKEN_IF => "if",
        K::TOKEN_IMPLICATION => "->",
        K::TOKEN_IN => "in",
        K::TOKEN_INHERIT => "inherit",
        K::TOKEN_INTERPOL_END | K::TOKEN_R_BRACE => "}",
        K::TOKEN_INTERPOL_START => "${",
        K::TOKEN_INVERT => "!",
        K::TOKEN_L_BRACE => "{",
        K::TOKEN_L_BRACK => "[",
        K::TOKEN_L_PAREN => "(",
        K::TOKEN_LESS => "<",
        K::TOKEN_LESS_OR_EQ => "<=",
        K::TOKEN_LET => "let",
        K::TOKEN_MORE => ">",
        K::TOKEN_MORE_OR_EQ => ">=",
        K::TOKEN_MUL => "*",
        K::TOKEN_NOT_EQUAL => "!=",
        K::TOKEN_OR => "or",
        K::TOKEN_OR_OR => "||",
        K::TOKEN_PIPE_LEFT => "<|",
        K::TOKEN_PIPE_RIGHT => "|>",
        K::TOKEN_QUESTION => "?",
        K::TOKEN_R_BRACK => "]",
        K::TOKEN_R_PAREN => ")",
        K::TOKEN_REC => "rec",
        K::TOKEN_SEMICOLON => ";",
        K::TOKEN_SUB => "-",
        K::TOKEN_THEN => "then",
        K::TOKEN_UPDATE => "//",
        K::TOKEN_WITH => "with",
        K::TOKEN_IDENT => return "an identifier".to_owned(),
        K::TOKEN_INTEGER => return "an integer".to_owned(),
        K::TOKEN_FLOAT => return "a float".to_owned(),
        K::TOKEN_STRING_START => return "a string".to_owned(),
        K::TOKEN_STRING_END => return "the end of the string".to_owned(),
        K::TOKEN_PATH_ABS | K::TOKEN_PATH_HOME | K::TOKEN_PATH_REL | K::TOKEN_PATH_SEARCH => {
            return "a path".to_owned();
        }
        K::TOKEN_URI => return "a URI".to_owned(),
        other => return format!("{other:?}"),
    };
    format!("`{quoted}`")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn first_error(text: &str) -> String {
        let parse = rnix::Root::parse(text);
        let index = LineIndex::new(text, Path::new("f.nix"));
        syntax_error(&parse.errors()[0], &parse.syntax(), &index).to_string()
    }

    #[test]
    fn missing_semicolon_names_the_token_found_and_the_one_wanted() {
        insta::assert_snapshot!(
            first_error("let\n  a = 1\nin a"),
            @"Failed to parse `f.nix:3:1`: unexpected `in`, expected `;`"
        );
    }

    #[test]
    fn end_of_file_points_past_the_last_character() {
        insta::assert_snapshot!(
            first_error("[ 1 2"),
            @"Failed to parse `f.nix:1:6`: unexpected end of file"
        );
        insta::assert_snapshot!(
            first_error("a."),
            @"Failed to parse `f.nix:1:3`: unexpected end of file, expected an identifier"
        );
    }

    #[test]
    fn identifier_alternatives_collapse_to_one_word() {
        insta::assert_snapshot!(
            first_error("{ a. = 1; }"),
            @"Failed to parse `f.nix:1:6`: unexpected `=`, expected an identifier"
        );
    }

    #[test]
    fn long_offending_text_is_cut() {
        assert_eq!(shorten("in"), "in");
        assert_eq!(
            shorten(&"x".repeat(MAX_FOUND_CHARS)),
            "x".repeat(MAX_FOUND_CHARS)
        );
        let long = "x".repeat(MAX_FOUND_CHARS + 1);
        assert_eq!(shorten(&long), format!("{}…", "x".repeat(MAX_FOUND_CHARS)));
        assert_eq!(shorten("''\n  text\n''"), "''…");
    }

    #[test]
    fn text_after_the_expression_says_so() {
        insta::assert_snapshot!(
            first_error("{ a = 1; }\n}"),
            @"Failed to parse `f.nix:2:1`: unexpected `}` after the end of the expression"
        );
    }
}
