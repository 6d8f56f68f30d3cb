//! Small readers over rnix's syntax tree, shared by the readers of nixpkgs' files.

use rnix::ast::{self, Expr, InterpolPart};
use rowan::ast::AstNode;

/// The root expression of `text`, or the first syntax error.
pub(crate) fn parse(text: &str) -> Result<Expr, String> {
    let parse = rnix::Root::parse(text);
    if let Some(error) = parse.errors().first() {
        return Err(format!("Syntax error: {error}"));
    }
    parse
        .tree()
        .expr()
        .ok_or_else(|| "The file has no expression".to_owned())
}

/// `expr` without enclosing parentheses.
pub(crate) fn strip(mut expr: Expr) -> Expr {
    while let Expr::Paren(paren) = &expr {
        match paren.expr() {
            Some(inner) => expr = inner,
            None => break,
        }
    }
    expr
}

/// The text of a string without `${…}`.
pub(crate) fn string_literal(expr: &Expr) -> Option<String> {
    let Expr::Str(string) = expr else { return None };
    let mut out = String::new();
    for part in string.normalized_parts() {
        match part {
            InterpolPart::Literal(text) => out.push_str(&text),
            InterpolPart::Interpolation(_) => return None,
        }
    }
    Some(out)
}

/// The name of an identifier.
pub(crate) fn ident_text(ident: &ast::Ident) -> Option<String> {
    Some(ident.ident_token()?.text().to_owned())
}

/// An attribute name: `foo` or `"foo"`.
pub(crate) fn attr_name(attr: &ast::Attr) -> Option<String> {
    match attr {
        ast::Attr::Ident(ident) => ident_text(ident),
        ast::Attr::Str(string) => string_literal(&Expr::Str(string.clone())),
        ast::Attr::Dynamic(_) => None,
    }
}

/// The names of an attribute path `a.b."c"`.
pub(crate) fn attrpath(path: &ast::Attrpath) -> Option<Vec<String>> {
    path.attrs().map(|attr| attr_name(&attr)).collect()
}

/// The path of a selection: `self.torch` is `["self", "torch"]`, `numpy` is `["numpy"]`.
pub(crate) fn select_path(expr: &Expr) -> Option<Vec<String>> {
    match expr {
        Expr::Ident(ident) => Some(vec![ident_text(ident)?]),
        Expr::Select(select) if select.default_expr().is_none() => {
            let mut path = select_path(&strip(select.expr()?))?;
            path.extend(attrpath(&select.attrpath()?)?);
            Some(path)
        }
        _ => None,
    }
}

/// A function call's function and its arguments in order: `f a b` is `(f, [a, b])`.
pub(crate) fn call(apply: &ast::Apply) -> Option<(Expr, Vec<Expr>)> {
    let mut arguments = vec![apply.argument()?];
    let mut function = strip(apply.lambda()?);
    while let Expr::Apply(inner) = &function {
        arguments.push(inner.argument()?);
        function = strip(inner.lambda()?);
    }
    arguments.reverse();
    Some((function, arguments))
}

/// The text of a node, shortened for a message.
pub(crate) fn short_text(expr: &Expr) -> String {
    let text = expr.syntax().text().to_string();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}
