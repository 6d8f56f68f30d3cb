//! The layout nixfmt (RFC 166) gives the few constructs the emitter writes, by hand: nixfmt
//! cannot run here, so these rules copy its output: two-space indentation, a function's
//! arguments one a line when there are several, lists of several items one a line, a list of
//! one item inline when it fits in 100 columns, `key = value;` one a line.

use std::fmt::Write as _;

/// nixfmt's line width.
pub(crate) const WIDTH: usize = 100;

/// A function header `{ a }:` or, for several arguments, one a line with trailing commas.
pub(crate) fn formals(out: &mut String, names: &[String]) {
    match names {
        [] => out.push_str("{ }:\n"),
        [one] => {
            let _ = writeln!(out, "{{ {one} }}:");
        }
        several => {
            out.push_str("{\n");
            for name in several {
                let _ = writeln!(out, "  {name},");
            }
            out.push_str("}:\n");
        }
    }
}

/// `key = value;` at `indent` spaces.
pub(crate) fn binding(out: &mut String, indent: usize, key: &str, value: &str) {
    let _ = writeln!(out, "{:indent$}{key} = {value};", "");
}

/// `key = [ ... ];` at `indent` spaces: inline for one item that fits, else one item a line.
/// Nothing for no items: nixpkgs leaves empty lists out.
pub(crate) fn list_binding(out: &mut String, indent: usize, key: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    if let [one] = items {
        let line = format!("{:indent$}{key} = [ {one} ];", "");
        if line.len() <= WIDTH && !one.contains('\n') {
            out.push_str(&line);
            out.push('\n');
            return;
        }
    }
    let _ = writeln!(out, "{:indent$}{key} = [", "");
    for item in items {
        let _ = writeln!(out, "{:width$}{item}", "", width = indent + 2);
    }
    let _ = writeln!(out, "{:indent$}];", "");
}

/// `key = { ... };` at `indent` spaces, one binding a line.
pub(crate) fn set_binding(
    out: &mut String,
    indent: usize,
    key: &str,
    bindings: &[(String, String)],
) {
    let _ = writeln!(out, "{:indent$}{key} = {{", "");
    for (name, value) in bindings {
        binding(out, indent + 2, name, value);
    }
    let _ = writeln!(out, "{:indent$}}};", "");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_inline_one_item_and_break_several() {
        let mut out = String::new();
        list_binding(&mut out, 2, "a", &["x".to_owned()]);
        list_binding(&mut out, 2, "b", &["x".to_owned(), "y".to_owned()]);
        list_binding(&mut out, 2, "c", &[]);
        list_binding(&mut out, 2, "d", &["x".repeat(100)]);
        assert_eq!(
            out,
            format!(
                "  a = [ x ];\n  b = [\n    x\n    y\n  ];\n  d = [\n    {}\n  ];\n",
                "x".repeat(100)
            )
        );
    }

    #[test]
    fn formals_break_when_several() {
        let mut out = String::new();
        formals(&mut out, &["pkgs".to_owned()]);
        formals(&mut out, &["lib".to_owned(), "fetchurl".to_owned()]);
        assert_eq!(out, "{ pkgs }:\n{\n  lib,\n  fetchurl,\n}:\n");
    }
}
