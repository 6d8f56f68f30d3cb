//! `pkgs/top-level/python-aliases.nix`: attributes nixpkgs renamed (`old = new;`) or removed
//! (`old = throw "...";`). Read as syntax by both the `source` and the `eval` backend, so they
//! agree on it; the `eval` backend evaluates with `allowAliases = false`.

use std::collections::BTreeMap;

use rnix::ast::{self, Expr, HasEntry};

use super::syntax::{attrpath, call, parse, select_path, string_literal, strip};
use crate::snapshot::Alias;

/// The aliases of the file's text.
pub(crate) fn read_aliases(text: &str) -> Result<BTreeMap<String, Alias>, String> {
    let mut aliases = BTreeMap::new();
    let Some(set) = alias_set(parse(text)?) else {
        return Ok(aliases);
    };
    for binding in set.attrpath_values() {
        let (Some(path), Some(value)) = (
            binding.attrpath().and_then(|p| attrpath(&p)),
            binding.value(),
        ) else {
            continue;
        };
        let [alias] = path.as_slice() else { continue };
        if let Some(alias_value) = alias_value(strip(value)) {
            aliases.insert(alias.clone(), alias_value);
        }
    }
    Ok(aliases)
}

/// The attribute set of aliases: under lambdas, `with`, `let`, and the call of `mapAliases`.
fn alias_set(expr: Expr) -> Option<ast::AttrSet> {
    match strip(expr) {
        Expr::AttrSet(set) => Some(set),
        Expr::Lambda(lambda) => alias_set(lambda.body()?),
        Expr::With(with) => alias_set(with.body()?),
        Expr::LetIn(let_in) => alias_set(let_in.body()?),
        Expr::Assert(assert) => alias_set(assert.body()?),
        Expr::Apply(apply) => {
            let (_, arguments) = call(&apply)?;
            arguments.into_iter().rev().find_map(alias_set)
        }
        Expr::BinOp(op) => alias_set(op.rhs()?).or_else(|| alias_set(op.lhs()?)),
        _ => None,
    }
}

fn alias_value(value: Expr) -> Option<Alias> {
    match &value {
        Expr::Apply(apply) => {
            let (function, arguments) = call(apply)?;
            let name = select_path(&function)?;
            if name.last().map(String::as_str) == Some("throw") {
                let message = arguments
                    .first()
                    .and_then(|m| string_literal(&strip(m.clone())));
                return Some(Alias::Removed(
                    message.unwrap_or_else(|| "removed, with a computed message".to_owned()),
                ));
            }
            // `old = new.override { … }` or `lib.warn "…" new`: the renamed target is a selection.
            if name.last().is_some_and(|n| n.starts_with("warn"))
                && let Some(target) = arguments.last().and_then(|a| renamed(&strip(a.clone())))
            {
                return Some(Alias::Renamed(target));
            }
            renamed(&function).map(Alias::Renamed)
        }
        _ => renamed(&value).map(Alias::Renamed),
    }
}

/// `new`, `self.new` or `super.new`: the attribute an alias points to.
fn renamed(expr: &Expr) -> Option<String> {
    let path = select_path(expr)?;
    match path.as_slice() {
        [name] => Some(name.clone()),
        [set, name] if matches!(set.as_str(), "self" | "super" | "pythonPackages") => {
            Some(name.clone())
        }
        [set, name, last]
            if matches!(set.as_str(), "self" | "super")
                && matches!(last.as_str(), "override" | "overridePythonAttrs") =>
        {
            Some(name.clone())
        }
        [name, last] if matches!(last.as_str(), "override" | "overridePythonAttrs") => {
            Some(name.clone())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_renamed_and_removed_aliases() {
        let text = r#"
self: super:
with self;
let
  mapAliases = x: x;
in
mapAliases {
  PyGithub = pygithub; # added 2023-01-01
  opencv-python-old = self.opencv-python;
  segment-anything = throw "'segment-anything' has been removed: unmaintained upstream"; # 2024
  warned = lib.warn "renamed" new-name;
}
"#;
        let aliases = read_aliases(text).unwrap();
        assert_eq!(aliases["PyGithub"], Alias::Renamed("pygithub".into()));
        assert_eq!(
            aliases["opencv-python-old"],
            Alias::Renamed("opencv-python".into())
        );
        assert_eq!(
            aliases["segment-anything"],
            Alias::Removed("'segment-anything' has been removed: unmaintained upstream".into())
        );
        assert_eq!(aliases["warned"], Alias::Renamed("new-name".into()));
    }
}
