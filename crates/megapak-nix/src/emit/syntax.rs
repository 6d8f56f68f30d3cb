//! Nix's lexical rules, in one place: every piece of lock data that reaches an emitted file goes
//! through one of these functions, so a name, version, URL or summary holding `${`, `"`, `\`,
//! `''` or a newline can only ever be a string's value, never code.

/// Nix's keywords: not usable as bare attribute names or function arguments.
const KEYWORDS: [&str; 10] = [
    "assert", "else", "if", "in", "inherit", "let", "or", "rec", "then", "with",
];

/// A double-quoted Nix string whose value is exactly `value`.
///
/// `"` and `\` are escaped, and so is every `$` that a `{` follows (`${` would start an
/// interpolation); newlines, carriage returns and tabs are written as `\n`, `\r`, `\t` so every
/// string stays on one line. Any other character, control characters and non-ASCII text
/// included, stands for itself in a Nix string.
pub(crate) fn string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `name` can be written bare as an attribute name or a function argument.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let starts_well = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    starts_well
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '-'))
        && !KEYWORDS.contains(&name)
}

/// `name` as an attribute name: bare when it can be, quoted otherwise (`"3to2"`).
pub(crate) fn attribute_name(name: &str) -> String {
    if is_identifier(name) {
        name.to_owned()
    } else {
        string(name)
    }
}

/// A dotted attribute path, each part bare or quoted: `pkgs.cudaPackages_13_0`.
pub(crate) fn attribute_path(parts: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    let mut out = String::new();
    for (index, part) in parts.into_iter().enumerate() {
        if index > 0 {
            out.push('.');
        }
        out.push_str(&attribute_name(part.as_ref()));
    }
    out
}

/// A Nix path expression for `relative` (a `/`-separated path) seen from a file `depth` folders
/// below the folder `relative` is relative to: a path literal (`../../vendor/x.whl`) where Nix's
/// path syntax allows one, `./. + "/../../vendor/x y.whl"` otherwise.
pub(crate) fn relative_path(depth: usize, relative: &str) -> String {
    let mut joined = "../".repeat(depth);
    joined.push_str(relative.trim_start_matches("./"));
    let literal_ok = joined
        .split('/')
        .all(|part| !part.is_empty() && part.bytes().all(is_path_byte));
    if depth == 0 {
        joined.insert_str(0, "./");
    }
    if literal_ok {
        joined
    } else {
        format!(
            "./. + {}",
            string(&format!("/{}", joined.trim_start_matches("./")))
        )
    }
}

/// The characters of a Nix path literal's parts: `[a-zA-Z0-9._+~-]`.
fn is_path_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'+' | b'~' | b'-')
}

/// Whether `name` may name a Nix store path: `[A-Za-z0-9+._?=-]`, not starting with `.`, at most
/// 211 characters.
pub(crate) fn is_store_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 211
        && !name.starts_with('.')
        && name.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.' | b'_' | b'?' | b'=')
        })
}

/// One line of comment text: line breaks and other control characters become spaces, so a
/// summary cannot end the comment and start code.
pub(crate) fn comment_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        out.push(if c.is_control() { ' ' } else { c });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_what_nix_would_read_as_code() {
        assert_eq!(string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(string("${x} $y $${z} ''"), r#""\${x} $y $\${z} ''""#);
        assert_eq!(string("l1\nl2\r\t"), r#""l1\nl2\r\t""#);
        assert_eq!(string("ünï$"), "\"ünï$\"");
    }

    #[test]
    fn identifiers_are_bare_and_the_rest_quoted() {
        for bare in ["numpy", "cupy-cuda13x", "_x", "a'", "typing-extensions"] {
            assert_eq!(attribute_name(bare), bare);
        }
        for quoted in ["3to2", "with", "or", "a.b", "", "-x", "ü"] {
            assert_eq!(attribute_name(quoted), string(quoted), "{quoted}");
        }
        assert_eq!(
            attribute_path(["pkgs", "cudaPackages_13_0"]),
            "pkgs.cudaPackages_13_0"
        );
        assert_eq!(attribute_path(["ps", "3to2"]), r#"ps."3to2""#);
    }

    #[test]
    fn relative_paths_are_literals_where_nix_allows() {
        assert_eq!(
            relative_path(2, "vendor/wheels/x-1.0-py3-none-any.whl"),
            "../../vendor/wheels/x-1.0-py3-none-any.whl"
        );
        assert_eq!(relative_path(0, "x.whl"), "./x.whl");
        assert_eq!(relative_path(1, "./a/x.whl"), "../a/x.whl");
        assert_eq!(
            relative_path(2, "my wheels/x.whl"),
            r#"./. + "/../../my wheels/x.whl""#
        );
        assert_eq!(relative_path(1, "a//x.whl"), r#"./. + "/../a//x.whl""#);
        assert_eq!(relative_path(0, "${x}.whl"), r#"./. + "/\${x}.whl""#);
    }

    #[test]
    fn store_names_and_comments() {
        assert!(is_store_name(
            "torch-2.10.0+cu130-cp314-cp314-manylinux_2_28_x86_64.whl"
        ));
        assert!(!is_store_name(".hidden"));
        assert!(!is_store_name("a b.whl"));
        assert_eq!(comment_text("a\nb\u{7}c"), "a b c");
    }
}
