//! The `nixpkgs` input of the workspace's `flake.lock`: the revision the user pins, as a Nix
//! expression that fetches it and a key that names its content (its `narHash`).

use serde_json::{self, Value};

/// A locked nixpkgs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locked {
    /// A Nix expression for the tree: a path, or a fetch pinned by its hash.
    pub expression: String,
    /// What names its content: the `narHash`, else the revision.
    pub key: String,
    /// In words, e.g. `github:NixOS/nixpkgs/0123abc`.
    pub description: String,
    /// Whether evaluating it fetches it (every kind but `path`).
    pub fetches: bool,
}

/// Reads the `nixpkgs` input of a `flake.lock` text.
pub fn read_flake_lock(text: &str) -> Result<Locked, String> {
    let lock: Value = serde_json::from_str(text).map_err(|e| format!("Invalid JSON: {e}"))?;
    let nodes = lock
        .get("nodes")
        .and_then(Value::as_object)
        .ok_or("It has no `nodes`")?;
    let root = lock.get("root").and_then(Value::as_str).unwrap_or("root");
    let input = nodes
        .get(root)
        .and_then(|node| node.get("inputs"))
        .and_then(|inputs| inputs.get("nixpkgs"))
        .ok_or("Its root has no `nixpkgs` input")?;
    // An input is a node name, or a path of input names through other nodes ("follows").
    let node_name = match input {
        Value::String(name) => name.clone(),
        Value::Array(path) => {
            let mut node = root.to_owned();
            for step in path {
                let step = step
                    .as_str()
                    .ok_or("A `follows` path that is not strings")?;
                node = nodes
                    .get(&node)
                    .and_then(|n| n.get("inputs"))
                    .and_then(|i| i.get(step))
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("The `follows` path breaks at `{step}`"))?
                    .to_owned();
            }
            node
        }
        _ => return Err("Its `nixpkgs` input is neither a node nor a path".into()),
    };
    let locked = nodes
        .get(&node_name)
        .and_then(|node| node.get("locked"))
        .ok_or_else(|| format!("Node `{node_name}` has no `locked`"))?;
    let field = |name: &str| locked.get(name).and_then(Value::as_str).map(str::to_owned);
    let nar_hash = field("narHash");
    let kind = field("type").unwrap_or_default();
    let quoted = |text: &str| nix_string(text);
    let (expression, description) = match kind.as_str() {
        "github" | "gitlab" => {
            let (owner, repo, rev) = (field("owner"), field("repo"), field("rev"));
            let (Some(owner), Some(repo), Some(rev)) = (owner, repo, rev) else {
                return Err(format!("The `{kind}` input lacks `owner`, `repo` or `rev`"));
            };
            let url = if kind == "github" {
                format!("https://github.com/{owner}/{repo}/archive/{rev}.tar.gz")
            } else {
                format!("https://gitlab.com/{owner}/{repo}/-/archive/{rev}/{repo}-{rev}.tar.gz")
            };
            (
                fetch_tarball(&url, nar_hash.as_deref()),
                format!("{kind}:{owner}/{repo}/{rev}"),
            )
        }
        "tarball" => {
            let url = field("url").ok_or("The `tarball` input lacks `url`")?;
            (fetch_tarball(&url, nar_hash.as_deref()), url)
        }
        "path" => {
            let path = field("path").ok_or("The `path` input lacks `path`")?;
            (format!("/. + {}", quoted(&path)), format!("path:{path}"))
        }
        "git" => {
            let (Some(url), Some(rev)) = (field("url"), field("rev")) else {
                return Err("The `git` input lacks `url` or `rev`".into());
            };
            (
                format!(
                    "builtins.fetchGit {{ url = {}; rev = {}; }}",
                    quoted(&url),
                    quoted(&rev)
                ),
                format!("git+{url}?rev={rev}"),
            )
        }
        other => return Err(format!("Inputs of type `{other}` are not supported")),
    };
    let key = nar_hash
        .or_else(|| field("rev"))
        .ok_or("The input has neither `narHash` nor `rev`")?;
    Ok(Locked {
        expression,
        key,
        description,
        fetches: kind != "path",
    })
}

fn fetch_tarball(url: &str, nar_hash: Option<&str>) -> String {
    match nar_hash {
        Some(hash) => format!(
            "builtins.fetchTarball {{ url = {}; sha256 = {}; }}",
            nix_string(url),
            nix_string(hash)
        ),
        None => format!("builtins.fetchTarball {}", nix_string(url)),
    }
}

/// A Nix string literal of `text`.
pub(crate) fn nix_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_github_input_that_follows() {
        let text = r#"{
  "nodes": {
    "nixpkgs_2": { "locked": { "type": "github", "owner": "NixOS", "repo": "nixpkgs",
      "rev": "0123abc", "narHash": "sha256-AAAA=" } },
    "tools": { "inputs": { "nixpkgs": "nixpkgs_2" } },
    "root": { "inputs": { "nixpkgs": ["tools", "nixpkgs"], "tools": "tools" } }
  },
  "root": "root",
  "version": 7
}"#;
        let locked = read_flake_lock(text).unwrap();
        assert_eq!(locked.key, "sha256-AAAA=");
        assert_eq!(locked.description, "github:NixOS/nixpkgs/0123abc");
        assert_eq!(
            locked.expression,
            r#"builtins.fetchTarball { url = "https://github.com/NixOS/nixpkgs/archive/0123abc.tar.gz"; sha256 = "sha256-AAAA="; }"#
        );
    }

    #[test]
    fn names_what_is_missing() {
        assert_eq!(
            read_flake_lock(r#"{"nodes": {"root": {"inputs": {}}}, "root": "root"}"#).unwrap_err(),
            "Its root has no `nixpkgs` input"
        );
        assert!(
            read_flake_lock("not json")
                .unwrap_err()
                .starts_with("Invalid JSON")
        );
        assert_eq!(nix_string("a\"${b}$c"), r#""a\"\${b}$c""#);
    }
}
