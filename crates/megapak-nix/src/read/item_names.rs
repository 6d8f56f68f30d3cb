//! Which package a list item names: `numpy`, `ps.numpy`, `ps."opencv-python"`,
//! `(ps.foo.override { … })`, `(foo.overridePythonAttrs (old: { … }))`, and packages defined in
//! the list: `(ps.callPackage ./pkgs/decord.nix { })`, `(buildPythonPackage { pname = "x"; … })`.

use rnix::ast::{self, AstToken, Expr, HasEntry, InterpolPart};
use rowan::ast::AstNode;

use super::package_sets::is_override;

/// A package named by a list item: the attribute and the set it was selected from, both as
/// written. `set` is empty for a bare identifier (`numpy`), whose set is whatever `with` is in
/// scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ItemName {
    pub(crate) set: Vec<String>,
    pub(crate) attr: String,
}

/// The package `item` names, or `None` for anything else (strings, paths, function calls other
/// than overrides and package definitions, selects with `${…}` in the name).
pub(crate) fn item_name(item: &Expr) -> Option<ItemName> {
    match item {
        Expr::Paren(paren) => item_name(&paren.expr()?),
        Expr::Ident(ident) => Some(ItemName {
            set: Vec::new(),
            attr: ident_text(ident),
        }),
        Expr::Select(select) => {
            let mut path = select_path(select)?;
            let attr = path.pop()?;
            Some(ItemName { set: path, attr })
        }
        Expr::Apply(apply) => {
            if let Some(defined) = defined_package(apply) {
                return Some(defined);
            }
            // `(ps.foo.override { … })`: the function is a select ending in an override.
            let Expr::Select(select) = strip_parens(apply.lambda()?)? else {
                return None;
            };
            let mut path = select_path(&select)?;
            if !path.last().is_some_and(|last| is_override(last)) {
                return None;
            }
            path.pop();
            if select.attrpath()?.attrs().count() == 1 {
                // `(ps.foo.override { … }).overridePythonAttrs (…)` or `foo.override { … }`:
                // the overridden package is the whole expression before the dot.
                return item_name(&select.expr()?);
            }
            let attr = path.pop()?;
            Some(ItemName { set: path, attr })
        }
        _ => None,
    }
}

/// A package defined by the item itself, named as nixpkgs would name it:
/// `callPackage ./pkgs/decord.nix { }` and `callPackage ./pkgs/decord { }` (or
/// `./pkgs/decord/default.nix`) define `decord`; `buildPythonPackage { pname = "decord"; … }`
/// (`rec` or not, `buildPythonApplication` too) defines its `pname` when that is a plain string.
/// The set is the one the function is selected from (`ps` for `ps.callPackage`).
fn defined_package(apply: &ast::Apply) -> Option<ItemName> {
    let mut arguments = vec![apply.argument()?];
    let mut function = strip_parens(apply.lambda()?)?;
    while let Expr::Apply(inner) = function {
        arguments.push(inner.argument()?);
        function = strip_parens(inner.lambda()?)?;
    }
    let first_argument = strip_parens(arguments.pop()?)?;
    let (set, function_name) = match &function {
        Expr::Ident(ident) => (Vec::new(), ident_text(ident)),
        Expr::Select(select) => {
            let mut path = select_path(select)?;
            let name = path.pop()?;
            (path, name)
        }
        _ => return None,
    };
    let attr = match function_name.as_str() {
        "callPackage" => name_of_package_file(&first_argument)?,
        "buildPythonPackage" | "buildPythonApplication" => pname(&first_argument)?,
        _ => return None,
    };
    Some(ItemName { set, attr })
}

/// `decord` for `./pkgs/decord.nix`, `./pkgs/decord` and `./pkgs/decord/default.nix`; `None`
/// for anything but a literal path.
fn name_of_package_file(expr: &Expr) -> Option<String> {
    let (Expr::PathRel(_) | Expr::PathAbs(_) | Expr::PathHome(_)) = expr else {
        return None;
    };
    let text = expr.syntax().text().to_string();
    if text.contains("${") {
        return None;
    }
    let path = std::path::Path::new(&text);
    let path = match path.file_name()?.to_str()? {
        "default.nix" => path.parent()?,
        _ => path,
    };
    let name = path.file_name()?.to_str()?;
    let name = name.strip_suffix(".nix").unwrap_or(name);
    (!name.is_empty() && name != "." && name != "..").then(|| name.to_owned())
}

/// The plain-string `pname` of an attribute set (`pname = "decord";`).
fn pname(expr: &Expr) -> Option<String> {
    let Expr::AttrSet(set) = expr else {
        return None;
    };
    let value = set.attrpath_values().find_map(|entry| {
        let mut attrs = entry.attrpath()?.attrs();
        let first = attrs.next()?;
        (attrs.next().is_none() && attr_name(&first)? == "pname").then(|| entry.value())?
    })?;
    let Expr::Str(string) = value else {
        return None;
    };
    let mut name = String::new();
    for part in string.parts() {
        match part {
            InterpolPart::Literal(literal) => name.push_str(literal.syntax().text()),
            InterpolPart::Interpolation(_) => return None,
        }
    }
    (!name.is_empty()).then_some(name)
}

/// The written components of a select: its base (an identifier, or the source text of any other
/// expression as one component) followed by its attribute names. `None` if an attribute is
/// computed (`${…}`).
fn select_path(select: &ast::Select) -> Option<Vec<String>> {
    let mut path = vec![static_text(&select.expr()?)];
    for attr in select.attrpath()?.attrs() {
        path.push(attr_name(&attr)?);
    }
    Some(path)
}

/// An expression used as a set, as one or more path components: `pkgs.python3Packages` gives
/// two, anything else (`(import ./x.nix { })`) one, its source text with runs of whitespace
/// made single spaces.
pub(crate) fn static_path(expr: &Expr) -> Vec<String> {
    match expr {
        Expr::Ident(ident) => vec![ident_text(ident)],
        Expr::Select(select) => select_path(select).unwrap_or_else(|| vec![static_text(expr)]),
        other => vec![collapse_whitespace(&other.syntax().text().to_string())],
    }
}

fn static_text(expr: &Expr) -> String {
    static_path(expr).join(".")
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An attribute name as written, quotes removed; `None` if it is computed.
pub(crate) fn attr_name(attr: &ast::Attr) -> Option<String> {
    match attr {
        ast::Attr::Ident(ident) => Some(ident_text(ident)),
        ast::Attr::Str(string) => {
            let mut name = String::new();
            for part in string.parts() {
                match part {
                    InterpolPart::Literal(literal) => name.push_str(literal.syntax().text()),
                    InterpolPart::Interpolation(_) => return None,
                }
            }
            Some(name)
        }
        ast::Attr::Dynamic(_) => None,
    }
}

/// An identifier's name (`or` is an identifier too, held in a different token kind).
pub(crate) fn ident_text(ident: &ast::Ident) -> String {
    ident.syntax().text().to_string()
}

/// `expr` without the parentheses around it.
pub(crate) fn strip_parens(mut expr: Expr) -> Option<Expr> {
    while let Expr::Paren(paren) = expr {
        expr = paren.expr()?;
    }
    Some(expr)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The name of the only item of the list `text`, as `set|attr`.
    fn name(text: &str) -> Option<String> {
        let root = rnix::Root::parse(text).ok().expect("test input parses");
        let Some(Expr::List(list)) = root.expr() else {
            panic!("not a list: {text}");
        };
        let item = list.items().next()?;
        item_name(&item).map(|name| format!("{}|{}", name.set.join("."), name.attr))
    }

    #[test]
    fn bare_identifiers_have_no_set() {
        assert_eq!(name("[ numpy ]").as_deref(), Some("|numpy"));
    }

    #[test]
    fn selects_keep_their_set_as_written() {
        assert_eq!(name("[ ps.numpy ]").as_deref(), Some("ps|numpy"));
        assert_eq!(
            name("[ pkgs.python314Packages.torch ]").as_deref(),
            Some("pkgs.python314Packages|torch")
        );
        assert_eq!(
            name("[ ps.\"opencv-python\" ]").as_deref(),
            Some("ps|opencv-python")
        );
        assert_eq!(
            name("[ (import ./p.nix {  }).spandrel ]").as_deref(),
            Some("(import ./p.nix { })|spandrel")
        );
    }

    #[test]
    fn overrides_name_the_overridden_package() {
        assert_eq!(
            name("[ (ps.foo.override { x = 1; }) ]").as_deref(),
            Some("ps|foo")
        );
        assert_eq!(
            name("[ (foo.overridePythonAttrs (old: { doCheck = false; })) ]").as_deref(),
            Some("|foo")
        );
        assert_eq!(
            name("[ ((ps.foo.override { }).overridePythonAttrs (_: { })) ]").as_deref(),
            Some("ps|foo")
        );
        assert_eq!(
            name("[ (ps.bar.overrideAttrs (_: { })) ]").as_deref(),
            Some("ps|bar")
        );
    }

    #[test]
    fn packages_defined_in_the_list_are_named_as_nixpkgs_would() {
        for (text, expected) in [
            ("[ (ps.callPackage ./pkgs/decord.nix { }) ]", "ps|decord"),
            ("[ (callPackage ./pkgs/decord { }) ]", "|decord"),
            (
                "[ (ps.callPackage ../nodes/decord/default.nix { }) ]",
                "ps|decord",
            ),
            (
                "[ (python.pkgs.callPackage ./spandrel.nix { }) ]",
                "python.pkgs|spandrel",
            ),
            ("[ (ps.callPackage ./pkgs/compel.nix) ]", "ps|compel"),
            (
                "[ (ps.buildPythonPackage rec { pname = \"comfy-kitchen\"; version = \"0.1\"; }) ]",
                "ps|comfy-kitchen",
            ),
            ("[ (buildPythonApplication { pname = \"x\"; }) ]", "|x"),
        ] {
            assert_eq!(name(text).as_deref(), Some(expected), "{text}");
        }
    }

    #[test]
    fn other_items_name_nothing() {
        for text in [
            "[ \"numpy\" ]",
            "[ ./numpy ]",
            "[ ps.${name} ]",
            "[ (ps.callPackage ./pkgs/${name}.nix { }) ]",
            "[ (ps.callPackage ./. { }) ]",
            "[ (ps.callPackage (fetchurl { url = \"x\"; }) { }) ]",
            "[ (ps.buildPythonPackage { pname = \"${name}-x\"; }) ]",
            "[ (ps.buildPythonPackage { version = \"1\"; }) ]",
            "[ (ps.buildPythonPackage (finalAttrs: { pname = \"x\"; })) ]",
            "[ { } ]",
            "[ (f x) ]",
        ] {
            assert_eq!(name(text), None, "{text}");
        }
    }
}
