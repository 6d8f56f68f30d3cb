//! A checkout's name, version, dependencies and build system, read where they are literal:
//! `pyproject.toml`'s `[project]`, else `setup.cfg`'s `[metadata]`/`[options]`, else the keyword
//! arguments of `setup(...)` in `setup.py` written as string literals. Nothing is executed.

use std::path::Path;

use megapak_types::PackageName;

/// What a checkout says of itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// The name, normalized.
    pub name: PackageName,
    /// The version.
    pub version: String,
    /// Its run-time requirements; `None` when they are not literal.
    pub dependencies: Option<Vec<String>>,
    /// `Requires-Python`.
    pub requires_python: Option<String>,
    /// `[build-system] requires`, or setuptools for a `setup.py` project.
    pub build_system: Vec<String>,
    /// Where each field came from, for the user.
    pub notes: Vec<String>,
}

/// Reads the project in `dir`; `Err` names what is missing.
pub fn read(dir: &Path) -> Result<Project, String> {
    let pyproject = read_text(&dir.join("pyproject.toml"))?;
    let setup_cfg = read_text(&dir.join("setup.cfg"))?;
    let setup_py = read_text(&dir.join("setup.py"))?;
    if pyproject.is_none() && setup_cfg.is_none() && setup_py.is_none() {
        return Err("it has no `pyproject.toml`, `setup.cfg` or `setup.py`".into());
    }
    let mut fields = Fields::default();
    let mut build_system = None;
    if let Some(text) = &pyproject {
        let table: toml::Table = text
            .parse()
            .map_err(|error| format!("its `pyproject.toml` is not valid TOML: {error}"))?;
        if let Some(project) = table.get("project").and_then(toml::Value::as_table) {
            fields.name = project
                .get("name")
                .and_then(toml::Value::as_str)
                .map(Into::into);
            fields.version = project
                .get("version")
                .and_then(toml::Value::as_str)
                .map(Into::into);
            fields.requires_python = project
                .get("requires-python")
                .and_then(toml::Value::as_str)
                .map(Into::into);
            let dynamic = strings(project.get("dynamic")).unwrap_or_default();
            if !dynamic.iter().any(|field| field == "dependencies") {
                fields.dependencies =
                    Some(strings(project.get("dependencies")).unwrap_or_default());
            }
        }
        build_system = table
            .get("build-system")
            .and_then(|build| strings(build.get("requires")));
    }
    if let Some(text) = &setup_cfg {
        let cfg = SetupCfg::parse(text);
        fields.name = fields.name.or_else(|| cfg.get("metadata", "name"));
        fields.version = fields.version.or_else(|| {
            cfg.get("metadata", "version")
                .filter(|v| !v.starts_with("attr:") && !v.starts_with("file:"))
        });
        fields.requires_python = fields
            .requires_python
            .or_else(|| cfg.get("options", "python_requires"));
        if fields.dependencies.is_none() {
            fields.dependencies = cfg.get("options", "install_requires").map(|list| {
                list.lines()
                    .map(str::trim)
                    .filter(|line| !line.is_empty() && !line.starts_with('#'))
                    .map(Into::into)
                    .collect()
            });
        }
    }
    if let Some(text) = &setup_py {
        fields.name = fields.name.or_else(|| keyword_string(text, "name"));
        fields.version = fields.version.or_else(|| keyword_string(text, "version"));
        fields.requires_python = fields
            .requires_python
            .or_else(|| keyword_string(text, "python_requires"));
        if fields.dependencies.is_none() {
            fields.dependencies = keyword_list(text, "install_requires");
        }
    }
    let mut notes = Vec::new();
    if fields.dependencies.is_none()
        && text_mentions(&setup_py, "requirements.txt")
        && let Some(requirements) = read_text(&dir.join("requirements.txt"))?
    {
        fields.dependencies = Some(
            requirements
                .lines()
                .map(|line| line.split(" #").next().unwrap_or_default().trim())
                .filter(|line| !line.is_empty() && !line.starts_with(['#', '-']))
                .map(Into::into)
                .collect(),
        );
        notes.push("Dependencies read from `requirements.txt`, which `setup.py` reads".into());
    }
    let name = fields
        .name
        .ok_or("its name is not literal in `pyproject.toml`, `setup.cfg` or `setup.py`")?;
    let name = PackageName::new(&name).map_err(|error| error.to_string())?;
    let version = fields
        .version
        .ok_or("its version is not literal in `pyproject.toml`, `setup.cfg` or `setup.py`")?;
    let build_system = build_system.unwrap_or_else(|| {
        // PEP 517's fallback for a project without `[build-system]`.
        vec!["setuptools>=40.8.0".into(), "wheel".into()]
    });
    Ok(Project {
        name,
        version,
        dependencies: fields.dependencies,
        requires_python: fields.requires_python,
        build_system,
        notes,
    })
}

#[derive(Default)]
struct Fields {
    name: Option<String>,
    version: Option<String>,
    requires_python: Option<String>,
    dependencies: Option<Vec<String>>,
}

fn read_text(path: &Path) -> Result<Option<String>, String> {
    match fs_err::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error.to_string()),
    }
}

fn text_mentions(text: &Option<String>, needle: &str) -> bool {
    text.as_deref().is_some_and(|text| text.contains(needle))
}

fn strings(value: Option<&toml::Value>) -> Option<Vec<String>> {
    value?
        .as_array()?
        .iter()
        .map(|item| item.as_str().map(Into::into))
        .collect()
}

/// `setup.cfg`: `[section]`, `key = value`, indented continuation lines.
struct SetupCfg {
    entries: Vec<(String, String, String)>,
}

impl SetupCfg {
    fn parse(text: &str) -> Self {
        let mut entries: Vec<(String, String, String)> = Vec::new();
        let mut section = String::new();
        for line in text.lines() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
                continue;
            }
            if line.starts_with([' ', '\t']) {
                if let Some(last) = entries.last_mut() {
                    last.2.push('\n');
                    last.2.push_str(trimmed);
                }
            } else if let Some(name) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                section = name.trim().to_owned();
            } else if let Some((key, value)) = trimmed.split_once(['=', ':']) {
                entries.push((
                    section.clone(),
                    key.trim().replace('-', "_"),
                    value.trim().to_owned(),
                ));
            }
        }
        Self { entries }
    }

    fn get(&self, section: &str, key: &str) -> Option<String> {
        self.entries
            .iter()
            .find(|(s, k, _)| s == section && k == key)
            .map(|(_, _, value)| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }
}

/// `key="literal"` or `key='literal'` in a `setup(...)` call.
fn keyword_string(text: &str, key: &str) -> Option<String> {
    let rest = after_keyword(text, key)?;
    let (literal, _) = string_literal(rest)?;
    Some(literal)
}

/// `key=["a", 'b']`: a list of string literals only.
fn keyword_list(text: &str, key: &str) -> Option<Vec<String>> {
    let mut rest = after_keyword(text, key)?.strip_prefix('[')?;
    let mut items = Vec::new();
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix(']') {
            let _ = after;
            return Some(items);
        }
        let (literal, after) = string_literal(rest)?;
        items.push(literal);
        rest = after.trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

fn after_keyword<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    let mut search = text;
    while let Some(at) = search.find(key) {
        let before = search[..at].chars().next_back();
        let rest = search[at + key.len()..].trim_start();
        if !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && let Some(value) = rest.strip_prefix('=')
            && !value.starts_with('=')
        {
            return Some(value.trim_start());
        }
        search = &search[at + key.len()..];
    }
    None
}

/// A simple string literal without escapes, and the text after it.
fn string_literal(text: &str) -> Option<(String, &str)> {
    let quote = text.chars().next().filter(|c| matches!(c, '"' | '\''))?;
    let body = &text[1..];
    let end = body.find(quote)?;
    let literal = &body[..end];
    (!literal.contains('\\')).then(|| (literal.to_owned(), &body[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> String {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            fs_err::write(dir.path().join(name), text).unwrap();
        }
        match read(dir.path()) {
            Ok(project) => format!("{project:?}"),
            Err(error) => error,
        }
    }

    #[test]
    fn reads_literal_fields_of_each_kind_of_project() {
        let results = [
            project(&[(
                "pyproject.toml",
                "[project]\nname = \"cozy_comfyui\"\nversion = \"0.0.39\"\ndependencies = [\"aiohttp\", \"numpy>=1.25\"]\nrequires-python = \">=3.11\"\n[build-system]\nrequires = [\"hatchling\"]\n",
            )]),
            project(&[
                (
                    "pyproject.toml",
                    "[project]\nname = \"img2texture\"\ndynamic = [\"version\", \"dependencies\"]\n",
                ),
                (
                    "setup.cfg",
                    "[metadata]\nname = img2texture\nversion = 1.1.0\n[options]\ninstall_requires =\n    numpy\n    pillow\n",
                ),
            ]),
            project(&[
                (
                    "setup.py",
                    "import os\nimport pkg_resources\nfrom setuptools import setup\n\nsetup(\n    name=\"clip\",\n    py_modules=[\"clip\"],\n    version=\"1.0\",\n    install_requires=[str(r) for r in pkg_resources.parse_requirements(open(os.path.join(os.path.dirname(__file__), \"requirements.txt\")))],\n)\n",
                ),
                (
                    "requirements.txt",
                    "ftfy\nregex\ntqdm\ntorch\ntorchvision\n",
                ),
            ]),
            project(&[(
                "setup.py",
                "setup(name='ffmpy', version=get_version(), install_requires=['a'])\n",
            )]),
            project(&[("README.md", "hi")]),
        ];
        insta::assert_snapshot!(results.join("\n"), @r#"
Project { name: PackageName("cozy-comfyui"), version: "0.0.39", dependencies: Some(["aiohttp", "numpy>=1.25"]), requires_python: Some(">=3.11"), build_system: ["hatchling"], notes: [] }
Project { name: PackageName("img2texture"), version: "1.1.0", dependencies: Some(["numpy", "pillow"]), requires_python: None, build_system: ["setuptools>=40.8.0", "wheel"], notes: [] }
Project { name: PackageName("clip"), version: "1.0", dependencies: Some(["ftfy", "regex", "tqdm", "torch", "torchvision"]), requires_python: None, build_system: ["setuptools>=40.8.0", "wheel"], notes: ["Dependencies read from `requirements.txt`, which `setup.py` reads"] }
its version is not literal in `pyproject.toml`, `setup.cfg` or `setup.py`
it has no `pyproject.toml`, `setup.cfg` or `setup.py`
"#);
    }
}
