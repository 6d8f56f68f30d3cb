//! The size of what was built with everything it references: what a registry will hold and a
//! node will pull, from `nix path-info --json -S`.

use std::process::{Command, Stdio};

use serde_json::Value;

use crate::error::BuildError;
use crate::nix::FEATURES;

/// The closure size of `path` in bytes, asked of the same store the build used; `None` when the
/// store does not have the path (Nix named it but did not build it, as with `--dry-run`).
pub fn closure_size(nix: &str, path: &str, store: Option<&str>) -> Result<Option<u64>, BuildError> {
    // In the local store a missing path is seen without asking Nix (which would ask the
    // binary caches about it).
    if store.is_none() && !std::path::Path::new(path).exists() {
        return Ok(None);
    }
    let mut command = Command::new(nix);
    command.args([
        "--extra-experimental-features",
        FEATURES,
        "path-info",
        "--json",
        "-S",
        path,
    ]);
    if let Some(store) = store {
        command.args(["--store", store]);
    }
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|source| BuildError::Spawn {
            program: nix.to_owned(),
            source,
        })?;
    if !output.status.success() {
        return Err(BuildError::PathInfo {
            path: path.to_owned(),
            status: output.status,
            stderr: crate::log::strip_ansi(String::from_utf8_lossy(&output.stderr).trim()),
        });
    }
    let text = String::from_utf8_lossy(&output.stdout);
    parse(&text, path).map_err(|source| BuildError::UnexpectedOutput {
        program: format!("{nix} path-info --json -S"),
        output: text.chars().take(200).collect(),
        source,
    })
}

/// Nix up to 2.18 answers `[{"path": …, "closureSize": N}]`, newer ones `{"/nix/store/…":
/// {"closureSize": N}}`; a path the store does not have is `"valid": false` (or `null`).
fn parse(text: &str, path: &str) -> Result<Option<u64>, serde_json::Error> {
    let value: Value = serde_json::from_str(text)?;
    let info = match &value {
        Value::Array(items) => items
            .iter()
            .find(|i| i.get("path").and_then(Value::as_str) == Some(path))
            .or_else(|| items.first()),
        Value::Object(map) => map.get(path).or_else(|| map.values().next()),
        _ => None,
    };
    if info.is_some_and(|i| i.is_null() || i.get("valid") == Some(&Value::Bool(false))) {
        return Ok(None);
    }
    match info
        .and_then(|i| i.get("closureSize"))
        .and_then(Value::as_u64)
    {
        Some(size) => Ok(Some(size)),
        None => Err(serde::de::Error::custom(format!(
            "no `closureSize` for `{path}`"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_json_shapes_give_the_closure_size() {
        let old = r#"[{"path":"/nix/store/a-x","narSize":10,"closureSize":120}]"#;
        let new = r#"{"/nix/store/a-x":{"narSize":10,"closureSize":120}}"#;
        assert_eq!(parse(old, "/nix/store/a-x").unwrap(), Some(120));
        assert_eq!(parse(new, "/nix/store/a-x").unwrap(), Some(120));
        let missing = r#"[{"path":"/nix/store/a-x","valid":false}]"#;
        assert_eq!(parse(missing, "/nix/store/a-x").unwrap(), None);
        assert_eq!(
            parse(r#"{"/nix/store/a-x":null}"#, "/nix/store/a-x").unwrap(),
            None
        );
        assert!(parse("[]", "/nix/store/a-x").is_err());
    }
}
