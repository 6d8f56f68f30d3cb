//! Following an identifier to the `let` binding it refers to, in the same file, without
//! evaluating anything: `python3.withPackages pythonDeps` → `pythonDeps = ps: [ … ];`.

use rnix::SyntaxKind;
use rnix::ast::{self, Expr, HasEntry};
use rowan::ast::AstNode;

use super::item_names::{attr_name, ident_text};

/// The expression `ident` is bound to by the nearest enclosing `let … in` or `rec { }`, or
/// `None` when it is a function argument there, is brought in by `inherit`, or is not bound in
/// this file (a `with` scope, a builtin).
pub(crate) fn resolve(ident: &ast::Ident) -> Option<Expr> {
    let name = ident_text(ident);
    for ancestor in ident.syntax().ancestors().skip(1) {
        match ancestor.kind() {
            SyntaxKind::NODE_LAMBDA => {
                let lambda = ast::Lambda::cast(ancestor)?;
                if binds_param(&lambda, &name) {
                    return None;
                }
            }
            SyntaxKind::NODE_LET_IN => {
                if let Some(found) = binding(&ast::LetIn::cast(ancestor)?, &name) {
                    return found;
                }
            }
            SyntaxKind::NODE_ATTR_SET => {
                let set = ast::AttrSet::cast(ancestor)?;
                if set.rec_token().is_some()
                    && let Some(found) = binding(&set, &name)
                {
                    return found;
                }
            }
            _ => {}
        }
    }
    None
}

/// `Some(value)` if `scope` binds `name` to `value` with `name = value;`, `Some(None)` if it
/// binds it some other way (`inherit`, `name.sub = …;`), `None` if it does not bind it.
fn binding(scope: &impl HasEntry, name: &str) -> Option<Option<Expr>> {
    for entry in scope.entries() {
        match entry {
            ast::Entry::AttrpathValue(value) => {
                let Some(attrpath) = value.attrpath() else {
                    continue;
                };
                let mut attrs = attrpath.attrs();
                if attrs.next().and_then(|a| attr_name(&a)).as_deref() == Some(name) {
                    let single = attrs.next().is_none();
                    return Some(value.value().filter(|_| single));
                }
            }
            ast::Entry::Inherit(inherit) => {
                if inherit
                    .attrs()
                    .any(|attr| attr_name(&attr).as_deref() == Some(name))
                {
                    return Some(None);
                }
            }
        }
    }
    None
}

/// Whether `lambda` takes an argument called `name`: `name: …`, `{ name, … }: …`,
/// `{ … }@name: …`.
fn binds_param(lambda: &ast::Lambda, name: &str) -> bool {
    match lambda.param() {
        Some(ast::Param::IdentParam(param)) => param_is(param.ident(), name),
        Some(ast::Param::Pattern(pattern)) => {
            pattern
                .pat_bind()
                .is_some_and(|bind| param_is(bind.ident(), name))
                || pattern
                    .pat_entries()
                    .any(|entry| param_is(entry.ident(), name))
        }
        None => false,
    }
}

fn param_is(ident: Option<ast::Ident>, name: &str) -> bool {
    ident.is_some_and(|ident| ident_text(&ident) == name)
}

/// The name `lambda` gives its argument when it is a plain identifier or bound with `@`.
pub(crate) fn param_name(lambda: &ast::Lambda) -> Option<String> {
    let ident = match lambda.param()? {
        ast::Param::IdentParam(param) => param.ident(),
        ast::Param::Pattern(pattern) => pattern.pat_bind()?.ident(),
    };
    Some(ident_text(&ident?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Resolves the last identifier named `name` in `text` and returns the bound text.
    fn resolved(text: &str, name: &str) -> Option<String> {
        let root = rnix::Root::parse(text).ok().expect("test input parses");
        let ident = root
            .syntax()
            .descendants()
            .filter_map(ast::Ident::cast)
            .filter(|ident| ident_text(ident) == name)
            .last()
            .expect("identifier present");
        resolve(&ident).map(|value| value.syntax().text().to_string())
    }

    #[test]
    fn let_bindings_resolve() {
        assert_eq!(
            resolved("let deps = ps: [ ps.a ]; in f deps", "deps").as_deref(),
            Some("ps: [ ps.a ]")
        );
    }

    #[test]
    fn the_nearest_let_wins() {
        assert_eq!(
            resolved("let d = [ a ]; in let d = [ b ]; in d", "d").as_deref(),
            Some("[ b ]")
        );
    }

    #[test]
    fn bindings_see_each_other() {
        assert_eq!(
            resolved("let a = [ x ]; b = a; in b", "a").as_deref(),
            Some("[ x ]")
        );
    }

    #[test]
    fn rec_sets_resolve_but_plain_sets_do_not() {
        assert_eq!(
            resolved("rec { d = [ a ]; e = d; }", "d").as_deref(),
            Some("[ a ]")
        );
        assert_eq!(resolved("{ d = [ a ]; e = d; }", "d"), None);
    }

    #[test]
    fn function_arguments_shadow_lets() {
        assert_eq!(resolved("let d = [ a ]; in d: d", "d"), None);
        assert_eq!(resolved("let d = [ a ]; in { d, ... }: d", "d"), None);
        assert_eq!(
            resolved("let d = [ a ]; in args@{ ... }: args", "args"),
            None
        );
    }

    #[test]
    fn inherited_and_nested_bindings_are_opaque() {
        assert_eq!(resolved("let inherit (pkgs) d; in d", "d"), None);
        assert_eq!(resolved("let d.x = 1; in d", "d"), None);
        assert_eq!(resolved("free", "free"), None);
    }
}
