//! `pkgs/top-level/python-packages.nix`: which file defines each attribute of the Python set.

use std::path::{Path, PathBuf};

use rnix::ast::{self, Expr, HasEntry};

use super::syntax::{attr_name, attrpath, call, parse, select_path, short_text, strip};

/// How `python-packages.nix` defines one attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Definition {
    /// `callPackage ../development/python-modules/foo { }`: this file.
    File(PathBuf),
    /// `self.torch.override { … }`, `toPythonModule self.x`, `foo = bar;`: the same package as
    /// this attribute of the set, possibly built another way.
    Like(String),
    /// Anything else (`toPythonModule (pkgs.opencv4.override { … })`, `inherit (pkgs) x;`),
    /// as written: the `source` backend does not follow nixpkgs outside the Python set.
    Outside(String),
}

/// The attributes of `python-packages.nix` (its text; `folder` is its folder).
pub(crate) fn read_definitions(
    text: &str,
    folder: &Path,
) -> Result<Vec<(String, Definition)>, String> {
    let set = package_set(parse(text)?)
        .ok_or_else(|| "It has no attribute set of packages".to_owned())?;
    let mut definitions = Vec::new();
    for entry in set.entries() {
        match entry {
            ast::Entry::AttrpathValue(binding) => {
                let (Some(path), Some(value)) = (
                    binding.attrpath().and_then(|p| attrpath(&p)),
                    binding.value(),
                ) else {
                    continue;
                };
                if let [name] = path.as_slice() {
                    definitions.push((name.clone(), definition(strip(value), folder)));
                }
            }
            ast::Entry::Inherit(inherit) => {
                let from = inherit
                    .from()
                    .and_then(|from| from.expr())
                    .and_then(|expr| select_path(&strip(expr)));
                for attr in inherit.attrs() {
                    let Some(name) = attr_name(&attr) else {
                        continue;
                    };
                    let definition = match from.as_deref() {
                        Some([set]) if set == "self" => Definition::Like(name.clone()),
                        Some(set) => Definition::Outside(format!("{}.{name}", set.join("."))),
                        None => Definition::Outside(name.clone()),
                    };
                    definitions.push((name, definition));
                }
            }
        }
    }
    Ok(definitions)
}

/// The package set: under `self: super:`, `with self;`, `let … in`.
fn package_set(expr: Expr) -> Option<ast::AttrSet> {
    match strip(expr) {
        Expr::AttrSet(set) => Some(set),
        Expr::Lambda(lambda) => package_set(lambda.body()?),
        Expr::With(with) => package_set(with.body()?),
        Expr::LetIn(let_in) => package_set(let_in.body()?),
        Expr::Assert(assert) => package_set(assert.body()?),
        _ => None,
    }
}

fn definition(value: Expr, folder: &Path) -> Definition {
    match &value {
        Expr::Apply(apply) => {
            let Some((function, arguments)) = call(apply) else {
                return Definition::Outside(short_text(&value));
            };
            let name = select_path(&function).unwrap_or_default();
            let last = name.last().map(String::as_str).unwrap_or_default();
            match last {
                "callPackage" | "callPackages" => {
                    if let Some(file) = arguments
                        .first()
                        .and_then(|a| file(&strip(a.clone()), folder))
                    {
                        return Definition::File(file);
                    }
                }
                "toPythonModule" | "toPythonApplication" | "recurseIntoAttrs" => {
                    if let Some(argument) = arguments.first() {
                        return definition(strip(argument.clone()), folder);
                    }
                }
                "override" | "overridePythonAttrs" | "overrideAttrs" | "overrideScope" => {
                    if let Some(like) = like(&name[..name.len() - 1]) {
                        return Definition::Like(like);
                    }
                }
                _ => {}
            }
            Definition::Outside(short_text(&value))
        }
        Expr::Ident(_) | Expr::Select(_) => select_path(&value)
            .and_then(|path| like(&path))
            .map_or_else(|| Definition::Outside(short_text(&value)), Definition::Like),
        _ => Definition::Outside(short_text(&value)),
    }
}

/// The attribute of the Python set a selection names: `torch`, `self.torch`.
fn like(path: &[String]) -> Option<String> {
    match path {
        [name] if !matches!(name.as_str(), "null" | "true" | "false" | "pkgs") => {
            Some(name.clone())
        }
        [set, name] if matches!(set.as_str(), "self" | "super") => Some(name.clone()),
        _ => None,
    }
}

/// The Nix file a `callPackage` argument names: a file, or a folder's `default.nix`.
fn file(expr: &Expr, folder: &Path) -> Option<PathBuf> {
    let Expr::PathRel(path) = expr else {
        return None;
    };
    let text = rowan::ast::AstNode::syntax(path).text().to_string();
    let joined = folder.join(text);
    if joined.extension().is_some_and(|ext| ext == "nix") {
        Some(joined)
    } else {
        Some(joined.join("default.nix"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_kind_of_definition() {
        let text = r#"
self: super:
with self;
{
  numpy = callPackage ../development/python-modules/numpy/2.nix { };
  torch = callPackage ../development/python-modules/torch/source { };
  torchWithCuda = self.torch.override { cudaSupport = true; };
  opencv4 = toPythonModule (pkgs.opencv4.override { enablePython = true; });
  "pyyaml" = callPackage ../development/python-modules/pyyaml { inherit (pkgs) libyaml; };
  numpy_2 = numpy;
  inherit (pkgs) ffmpeg;
}
"#;
        let folder = Path::new("/n/pkgs/top-level");
        let definitions = read_definitions(text, folder).unwrap();
        let expected = [
            (
                "numpy",
                Definition::File(
                    "/n/pkgs/top-level/../development/python-modules/numpy/2.nix".into(),
                ),
            ),
            (
                "torch",
                Definition::File(
                    "/n/pkgs/top-level/../development/python-modules/torch/source/default.nix"
                        .into(),
                ),
            ),
            ("torchWithCuda", Definition::Like("torch".into())),
            (
                "opencv4",
                Definition::Outside("pkgs.opencv4.override { enablePython = true; }".into()),
            ),
            (
                "pyyaml",
                Definition::File(
                    "/n/pkgs/top-level/../development/python-modules/pyyaml/default.nix".into(),
                ),
            ),
            ("numpy_2", Definition::Like("numpy".into())),
            ("ffmpeg", Definition::Outside("pkgs.ffmpeg".into())),
        ];
        let expected: Vec<(String, Definition)> = expected
            .into_iter()
            .map(|(n, d)| (n.to_owned(), d))
            .collect();
        assert_eq!(definitions, expected);
    }
}
