//! A package's Nix file: `buildPythonPackage rec { pname = …; version = …; disabled = …;
//! dependencies = [ … ]; meta = { … }; }`, read as syntax.
//!
//! What reading cannot know is left unknown, never guessed: a version computed by a function
//! is `None`, a `disabled` that is not made of `pythonOlder`/`pythonAtLeast`/`isPy3k`/`!`/`&&`/`||`
//! is [`Tri::Unknown`].

use std::collections::HashMap;

use rnix::ast::{self, BinOpKind, Expr, HasEntry, UnaryOpKind};
use rowan::ast::AstNode;

use super::syntax::{
    attr_name, attrpath, call, ident_text, parse, select_path, string_literal, strip,
};
use crate::python::PythonVersion;

/// True, false, or not known from the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tri {
    /// Known true.
    True,
    /// Known false.
    False,
    /// Not known.
    Unknown,
}

/// What a package file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Facts {
    pub(crate) pname: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) disabled: Tri,
    pub(crate) broken: bool,
    pub(crate) unfree: bool,
    /// Identifiers of `dependencies` and `propagatedBuildInputs` (unconditional ones).
    pub(crate) dependencies: Vec<String>,
}

/// Reads the facts of a package file's text for `python`.
pub(crate) fn read_package(text: &str, python: PythonVersion) -> Result<Facts, String> {
    let mut strings = HashMap::new();
    let set = build_arguments(parse(text)?, &mut strings).ok_or_else(|| {
        "It is not a `buildPythonPackage` call the `source` backend can read".to_owned()
    })?;
    let mut facts = Facts {
        pname: None,
        version: None,
        disabled: Tri::False,
        broken: false,
        unfree: false,
        dependencies: Vec::new(),
    };
    for entry in set.entries() {
        match entry {
            ast::Entry::Inherit(inherit) if inherit.from().is_none() => {
                for attr in inherit.attrs() {
                    let Some(name) = attr_name(&attr) else {
                        continue;
                    };
                    match name.as_str() {
                        "pname" => facts.pname = strings.get(&name).cloned(),
                        "version" => facts.version = strings.get(&name).cloned(),
                        _ => {}
                    }
                }
            }
            ast::Entry::Inherit(_) => {}
            ast::Entry::AttrpathValue(binding) => {
                let (Some(path), Some(value)) = (
                    binding.attrpath().and_then(|p| attrpath(&p)),
                    binding.value(),
                ) else {
                    continue;
                };
                let value = strip(value);
                match path
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .as_slice()
                {
                    ["pname"] => facts.pname = string_of(&value, &strings),
                    ["version"] => facts.version = string_of(&value, &strings),
                    ["disabled"] => facts.disabled = judge(&value, python),
                    ["dependencies" | "propagatedBuildInputs"] => {
                        collect_dependencies(&value, &mut facts.dependencies);
                    }
                    ["meta"] => read_meta(&value, &mut facts),
                    ["meta", "broken"] => facts.broken = is_true(&value),
                    ["meta", "license"] => facts.unfree |= mentions_unfree(&value),
                    _ => {}
                }
            }
        }
    }
    Ok(facts)
}

/// The attribute set given to `buildPythonPackage`, remembering plain strings bound by `let`
/// on the way (`let version = "1.0"; in …`).
fn build_arguments(expr: Expr, strings: &mut HashMap<String, String>) -> Option<ast::AttrSet> {
    match strip(expr) {
        Expr::Lambda(lambda) => build_arguments(lambda.body()?, strings),
        Expr::With(with) => build_arguments(with.body()?, strings),
        Expr::Assert(assert) => build_arguments(assert.body()?, strings),
        Expr::LetIn(let_in) => {
            remember_strings(&let_in, strings);
            build_arguments(let_in.body()?, strings)
        }
        Expr::Apply(apply) => {
            let (function, arguments) = call(&apply)?;
            let name = select_path(&function)?;
            let builder =
                |n: &String| matches!(n.as_str(), "buildPythonPackage" | "buildPythonApplication");
            // `buildPythonPackage.override { stdenv = …; } (finalAttrs: { … })`: the attributes
            // are the argument after the override's.
            let (last, skip) = match name.as_slice() {
                [.., b, o] if o == "override" && builder(b) => (b.as_str(), 1),
                [.., last] => (last.as_str(), 0),
                [] => return None,
            };
            match last {
                "buildPythonPackage" | "buildPythonApplication" => {
                    let argument = strip(arguments.into_iter().nth(skip)?);
                    match argument {
                        Expr::AttrSet(set) => Some(set),
                        // `buildPythonPackage (finalAttrs: { … })`.
                        Expr::Lambda(lambda) => build_arguments_body(lambda.body()?, strings),
                        Expr::LetIn(_) => build_arguments_body(argument, strings),
                        _ => None,
                    }
                }
                "toPythonModule" | "toPythonApplication" => {
                    build_arguments(arguments.into_iter().next()?, strings)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn build_arguments_body(expr: Expr, strings: &mut HashMap<String, String>) -> Option<ast::AttrSet> {
    match strip(expr) {
        Expr::AttrSet(set) => Some(set),
        Expr::LetIn(let_in) => {
            remember_strings(&let_in, strings);
            build_arguments_body(let_in.body()?, strings)
        }
        _ => None,
    }
}

fn remember_strings(let_in: &ast::LetIn, strings: &mut HashMap<String, String>) {
    for binding in let_in.attrpath_values() {
        let (Some(path), Some(value)) = (
            binding.attrpath().and_then(|p| attrpath(&p)),
            binding.value(),
        ) else {
            continue;
        };
        if let ([name], Some(text)) = (path.as_slice(), string_literal(&strip(value))) {
            strings.insert(name.clone(), text);
        }
    }
}

/// A plain string, or a name bound to one by `let`.
fn string_of(expr: &Expr, strings: &HashMap<String, String>) -> Option<String> {
    string_literal(expr).or_else(|| match expr {
        Expr::Ident(ident) => strings.get(&ident_text(ident)?).cloned(),
        _ => None,
    })
}

fn read_meta(expr: &Expr, facts: &mut Facts) {
    let set = match expr {
        Expr::AttrSet(set) => set.clone(),
        Expr::With(with) => match with.body().map(strip) {
            Some(Expr::AttrSet(set)) => set,
            _ => return,
        },
        _ => return,
    };
    for binding in set.attrpath_values() {
        let (Some(path), Some(value)) = (
            binding.attrpath().and_then(|p| attrpath(&p)),
            binding.value(),
        ) else {
            continue;
        };
        match path
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["broken"] => facts.broken = is_true(&strip(value)),
            ["license"] => facts.unfree |= mentions_unfree(&value),
            _ => {}
        }
    }
}

fn is_true(expr: &Expr) -> bool {
    matches!(select_path(expr).as_deref(), Some([word]) if word == "true")
}

/// Whether a licence expression names an unfree licence (`lib.licenses.unfree`,
/// `licenses.unfreeRedistributable`).
fn mentions_unfree(expr: &Expr) -> bool {
    expr.syntax()
        .descendants()
        .filter_map(ast::Ident::cast)
        .filter_map(|ident| ident_text(&ident))
        .any(|name| name.starts_with("unfree"))
}

/// The identifiers of a dependency list: `[ numpy self.torch ] ++ [ pillow ]`; conditional parts
/// (`lib.optionals cudaSupport [ … ]`) are left out.
fn collect_dependencies(expr: &Expr, out: &mut Vec<String>) {
    match expr {
        Expr::List(list) => {
            for item in list.items() {
                let path = select_path(&strip(item)).unwrap_or_default();
                let name = match path.as_slice() {
                    [name] => Some(name),
                    [set, name]
                        if matches!(
                            set.as_str(),
                            "self" | "python3Packages" | "pythonPackages" | "ps"
                        ) =>
                    {
                        Some(name)
                    }
                    _ => None,
                };
                if let Some(name) = name.filter(|n| !out.contains(n)) {
                    out.push(name.clone());
                }
            }
        }
        Expr::BinOp(op) if op.operator() == Some(BinOpKind::Concat) => {
            for side in [op.lhs(), op.rhs()].into_iter().flatten() {
                collect_dependencies(&strip(side), out);
            }
        }
        Expr::With(with) => {
            if let Some(body) = with.body() {
                collect_dependencies(&strip(body), out);
            }
        }
        _ => {}
    }
}

/// `disabled`, judged for `python`.
fn judge(expr: &Expr, python: PythonVersion) -> Tri {
    match expr {
        Expr::Paren(_) => judge(&strip(expr.clone()), python),
        Expr::UnaryOp(op) if op.operator() == Some(UnaryOpKind::Invert) => {
            match op.expr().map(|e| judge(&e, python)) {
                Some(Tri::True) => Tri::False,
                Some(Tri::False) => Tri::True,
                _ => Tri::Unknown,
            }
        }
        Expr::BinOp(op) => {
            let (Some(lhs), Some(rhs)) = (op.lhs(), op.rhs()) else {
                return Tri::Unknown;
            };
            let (lhs, rhs) = (judge(&lhs, python), judge(&rhs, python));
            match op.operator() {
                Some(BinOpKind::And) => match (lhs, rhs) {
                    (Tri::False, _) | (_, Tri::False) => Tri::False,
                    (Tri::True, Tri::True) => Tri::True,
                    _ => Tri::Unknown,
                },
                Some(BinOpKind::Or) => match (lhs, rhs) {
                    (Tri::True, _) | (_, Tri::True) => Tri::True,
                    (Tri::False, Tri::False) => Tri::False,
                    _ => Tri::Unknown,
                },
                _ => Tri::Unknown,
            }
        }
        Expr::Apply(apply) => {
            let Some((function, arguments)) = call(apply) else {
                return Tri::Unknown;
            };
            let name = select_path(&function).unwrap_or_default();
            let bound = arguments
                .first()
                .and_then(|a| string_literal(&strip(a.clone())))
                .and_then(|v| major_minor(&v));
            match (name.last().map(String::as_str), bound, arguments.len()) {
                (Some("pythonOlder"), Some(bound), 1) => tri(python < bound),
                (Some("pythonAtLeast"), Some(bound), 1) => tri(python >= bound),
                _ => Tri::Unknown,
            }
        }
        _ => match select_path(expr)
            .as_deref()
            .and_then(|p| p.last().map(String::as_str))
        {
            Some("true") => Tri::True,
            Some("false") => Tri::False,
            Some("isPy3k" | "isPy3") => tri(python.major == 3),
            Some("isPy27") => tri(python.major == 2 && python.minor == 7),
            Some("isPyPy") => Tri::False,
            _ => Tri::Unknown,
        },
    }
}

fn tri(value: bool) -> Tri {
    if value { Tri::True } else { Tri::False }
}

/// `3.10` of `"3.10"` or `"3.10.2"`; `3` alone is `3.0`.
fn major_minor(text: &str) -> Option<PythonVersion> {
    let mut parts = text.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().map_or(Some(0), |m| m.parse().ok())?;
    Some(PythonVersion { major, minor })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PY314: PythonVersion = PythonVersion {
        major: 3,
        minor: 14,
    };

    #[test]
    fn reads_a_typical_package() {
        let text = r#"
{ lib, buildPythonPackage, fetchPypi, pythonOlder, pythonAtLeast, numpy, torch, cudaSupport ? false, cudaPackages }:
let
  version = "1.24.4";
in
buildPythonPackage rec {
  pname = "onnxruntime";
  inherit version;
  pyproject = true;
  disabled = pythonOlder "3.10" || pythonAtLeast "3.15";
  dependencies = [ numpy self.protobuf ] ++ lib.optionals cudaSupport [ cudaPackages.cudnn ];
  meta = with lib; {
    license = licenses.mit;
    broken = false;
  };
}
"#;
        let facts = read_package(text, PY314).unwrap();
        assert_eq!(facts.pname.as_deref(), Some("onnxruntime"));
        assert_eq!(facts.version.as_deref(), Some("1.24.4"));
        assert_eq!(facts.disabled, Tri::False);
        assert_eq!(facts.dependencies, ["numpy", "protobuf"]);
        assert!(!facts.broken && !facts.unfree);
    }

    #[test]
    fn reads_a_builder_with_another_stdenv() {
        let text = r#"
{ buildPythonPackage, cudaPackages, numpy }:
buildPythonPackage.override { stdenv = cudaPackages.backendStdenv; } (finalAttrs: {
  pname = "cupy";
  version = "14.1.1";
  pyproject = true;
  src = fetchFromGitHub { tag = "v${finalAttrs.version}"; };
  dependencies = [ numpy ];
})
"#;
        let facts = read_package(text, PY314).unwrap();
        assert_eq!(facts.pname.as_deref(), Some("cupy"));
        assert_eq!(facts.version.as_deref(), Some("14.1.1"));
        assert_eq!(facts.dependencies, ["numpy"]);
    }

    #[test]
    fn leaves_what_it_cannot_know_unknown() {
        let text = r#"
{ buildPythonPackage, pythonAtLeast, lib, stdenv }:
buildPythonPackage (finalAttrs: {
  pname = "computed";
  version = lib.versions.majorMinor "1.2.3";
  disabled = pythonAtLeast "3.14" && stdenv.isDarwin;
  meta.license = lib.licenses.unfreeRedistributable;
  meta.broken = true;
})
"#;
        let facts = read_package(text, PY314).unwrap();
        assert_eq!(facts.version, None);
        assert_eq!(facts.disabled, Tri::Unknown);
        assert!(facts.unfree && facts.broken);
        let disabled = "{ buildPythonPackage, pythonAtLeast }: buildPythonPackage { pname = \"x\"; version = \"1\"; disabled = pythonAtLeast \"3.14\"; }";
        assert_eq!(read_package(disabled, PY314).unwrap().disabled, Tri::True);
        let py313 = PythonVersion {
            major: 3,
            minor: 13,
        };
        assert_eq!(read_package(disabled, py313).unwrap().disabled, Tri::False);
        assert!(read_package("{ stdenv }: stdenv.mkDerivation { }", PY314).is_err());
    }
}
