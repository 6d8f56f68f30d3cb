//! The Nix expression of one evaluation, and reading its JSON into snapshot entries.
//!
//! Every attribute is read under `builtins.tryEval`, so that one that throws (nixpkgs'
//! `disabled` packages throw "not supported for interpreter") is recorded as disabled and the
//! others still answer. `allowUnfree` and `allowBroken` are set so that nothing throws for
//! those reasons: `meta.unfree` and `meta.broken` are read instead. `allowAliases = false`
//! leaves aliases to `python-aliases.nix`, read as syntax.

use std::collections::BTreeMap;

use serde_json::{self, Value};

use super::flake_lock::nix_string;
use crate::python::PythonVersion;
use crate::snapshot::{Availability, Dependency, Entry};

/// The expression: the attributes `names` (all of the set when `None`) of
/// `python3XXPackages` of the nixpkgs `nixpkgs` (a Nix expression) for `system`.
pub(crate) fn expression(
    nixpkgs: &str,
    python: PythonVersion,
    system: &str,
    names: Option<&[String]>,
) -> String {
    let names = match names {
        None => "builtins.attrNames ps".to_owned(),
        Some(names) => {
            let quoted: Vec<String> = names.iter().map(|n| nix_string(n)).collect();
            format!("[ {} ]", quoted.join(" "))
        }
    };
    format!(
        r#"let
  pkgs = import ({nixpkgs}) {{
    system = {system};
    config = {{ allowUnfree = true; allowBroken = true; allowAliases = false; allowUnsupportedSystem = true; }};
    overlays = [ ];
  }};
  ps = pkgs.{set};
  try = x: let r = builtins.tryEval (builtins.deepSeq x x); in if r.success then r.value else null;
  isDrv = x: builtins.isAttrs x && (x.type or null) == "derivation";
  isPy = x: isDrv x && (x.pythonModule or false) != false;
  dep = x: {{ pname = try (x.pname or null); version = try (x.version or null); }};
  depsOf = d: map dep (builtins.filter isPy ((d.dependencies or [ ]) ++ (d.propagatedBuildInputs or [ ])));
  one = name:
    let r = builtins.tryEval ps.${{name}}; in
    if !r.success then {{ throws = true; }}
    else if !(isDrv r.value) then {{ skip = true; }}
    else
      let
        d = r.value;
        m0 = builtins.tryEval (d.meta or {{ }});
        m = if m0.success && builtins.isAttrs m0.value then m0.value else {{ }};
      in {{
        pname = try (d.pname or null);
        version = try (d.version or null);
        broken = try (m.broken or false);
        unfree = try (m.unfree or false);
        available = try (m.available or true);
        deps = try (depsOf d);
      }};
in
builtins.listToAttrs (map (name: {{ inherit name; value = one name; }}) ({names}))
"#,
        system = nix_string(system),
        set = python.packages_attribute(),
    )
}

/// The expression that lists the set's attributes only.
pub(crate) fn names_expression(nixpkgs: &str, python: PythonVersion, system: &str) -> String {
    format!(
        r#"let pkgs = import ({nixpkgs}) {{ system = {}; config = {{ allowUnfree = true; allowBroken = true; allowAliases = false; }}; overlays = [ ]; }};
in builtins.attrNames pkgs.{}"#,
        nix_string(system),
        python.packages_attribute()
    )
}

/// Reads the JSON of [`expression`] into entries (attributes that are no derivations are left
/// out).
pub(crate) fn read_output(json: &str) -> Result<BTreeMap<String, Entry>, String> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| format!("Invalid JSON from Nix: {e}"))?;
    let object = value.as_object().ok_or("Nix answered no attribute set")?;
    let mut entries = BTreeMap::new();
    for (name, fields) in object {
        if fields.get("skip").is_some() {
            continue;
        }
        let text = |key: &str| fields.get(key).and_then(Value::as_str).map(str::to_owned);
        let flag = |key: &str| fields.get(key).and_then(Value::as_bool) == Some(true);
        let throws = flag("throws");
        let available = fields.get("available").and_then(Value::as_bool) != Some(false);
        let dependencies = fields.get("deps").and_then(Value::as_array).map(|deps| {
            let mut out: Vec<Dependency> = Vec::new();
            for dep in deps {
                let Some(pname) = dep.get("pname").and_then(Value::as_str) else {
                    continue;
                };
                let dependency = Dependency {
                    name: pname.to_owned(),
                    version: dep
                        .get("version")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                };
                if !out.contains(&dependency) {
                    out.push(dependency);
                }
            }
            out
        });
        entries.insert(
            name.clone(),
            Entry {
                attribute: name.clone(),
                pname: text("pname").unwrap_or_else(|| name.clone()),
                version: text("version"),
                pythons: vec![if throws || !available {
                    Availability::Disabled
                } else {
                    Availability::Available
                }],
                broken: flag("broken"),
                unfree: flag("unfree"),
                older: false,
                dependencies: if throws {
                    Some(Vec::new())
                } else {
                    dependencies
                },
            },
        );
    }
    Ok(entries)
}
