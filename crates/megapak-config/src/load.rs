//! Reading `megapak.toml`: TOML with serde, then validation with positions.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::error::ConfigError;
use crate::model::{Config, Pak, PluginsConfig, ResolversConfig};
use crate::span::{Lines, line_column, snippet};
use crate::validate::{self, Problem};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    paks: Vec<Spanned<String>>,
    target: RawTarget,
    #[serde(default)]
    plugins: RawPlugins,
    #[serde(default)]
    resolvers: Option<RawResolvers>,
    #[serde(default, rename = "override")]
    overrides: Vec<Spanned<RawOverride>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTarget {
    pub(crate) python: Spanned<String>,
    pub(crate) cuda: Option<Spanned<String>>,
    pub(crate) torch: Option<Spanned<String>>,
    pub(crate) system: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlugins {
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    required: Vec<Spanned<String>>,
}

/// `[resolvers]` holds `order` plus one table per plugin: read key by key (serde's `flatten`
/// would buffer the values and lose their positions).
#[derive(Debug, Default)]
struct RawResolvers {
    order: Option<Spanned<Vec<Spanned<String>>>>,
    settings: BTreeMap<String, Spanned<toml::Value>>,
}

impl<'de> Deserialize<'de> for RawResolvers {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawResolvers;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a `[resolvers]` table")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RawResolvers, A::Error> {
                let mut raw = RawResolvers::default();
                while let Some(key) = map.next_key::<String>()? {
                    if key == "order" {
                        raw.order = Some(map.next_value()?);
                    } else {
                        let value = map.next_value()?;
                        raw.settings.insert(key, value);
                    }
                }
                Ok(raw)
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOverride {
    pub(crate) package: Spanned<String>,
    pub(crate) provider: Option<Spanned<String>>,
    pub(crate) attr: Option<Spanned<String>>,
    pub(crate) version: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) skip: bool,
    pub(crate) reason: Option<String>,
}

impl Config {
    /// Reads and validates the configuration at `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        // Capped as pak files are (16 MiB, `MEGAPAK_MAX_FILE_MIB`), devices refused.
        let bytes = megapak_requirements::Loader::load(&mut megapak_requirements::FsLoader, path)
            .map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|error| not_utf8(path, &error))?;
        Self::from_str(&text, path)
    }

    /// Parses and validates `text` as if it had been read from `path`; relative paths in it are
    /// resolved against `path`'s folder.
    pub fn from_str(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let at = |problem: Problem| invalid(path, text, problem);
        let raw: RawConfig = toml::from_str(text).map_err(|err| {
            at(Problem {
                span: err.span().unwrap_or(0..0),
                message: capitalize(err.message().trim_end_matches('.')),
            })
        })?;
        let base = path.parent().map_or_else(PathBuf::new, Path::to_path_buf);

        let lines = Lines::new(text);
        let target = validate::target(raw.target).map_err(at)?;
        let mut paks = Vec::with_capacity(raw.paks.len());
        // Each pak's identity, computed once: the first line that names it.
        let mut seen: HashMap<PathBuf, usize> = HashMap::with_capacity(raw.paks.len());
        for pak in raw.paks {
            if pak.get_ref().trim().is_empty() {
                return Err(at(Problem::new(pak.span(), "A pak path is empty")));
            }
            let line = lines.line(pak.span().start);
            let path = base.join(pak.get_ref());
            let (folded, canonical) = file_keys(&path);
            let first = seen
                .get(&folded)
                .or_else(|| canonical.as_ref().and_then(|c| seen.get(c)));
            if let Some(first) = first {
                return Err(at(Problem::new(
                    pak.span(),
                    format!(
                        "Pak `{}` is listed twice: first at line {first}",
                        pak.get_ref(),
                    ),
                )));
            }
            seen.insert(folded, line);
            if let Some(canonical) = canonical {
                seen.entry(canonical).or_insert(line);
            }
            paks.push(Pak { path, line });
        }
        let resolvers = match raw.resolvers {
            Some(raw) => {
                let mut resolvers = resolvers(raw).map_err(at)?;
                resolvers.settings_lines = crate::settings_lines::settings_lines(text);
                resolvers
            }
            None => ResolversConfig::default(),
        };
        let required = raw.plugins.required;
        validate::plugin_names(&required).map_err(at)?;
        let plugins = PluginsConfig {
            paths: raw.plugins.paths.iter().map(|p| base.join(p)).collect(),
            required: required.into_iter().map(Spanned::into_inner).collect(),
        };
        let overrides = validate::overrides(raw.overrides, &resolvers.order, &lines).map_err(at)?;
        Ok(Self {
            path: path.to_owned(),
            target,
            paks,
            plugins,
            resolvers,
            overrides,
        })
    }
}

fn resolvers(raw: RawResolvers) -> Result<ResolversConfig, Problem> {
    let order = match raw.order {
        Some(order) => {
            let span = order.span();
            let names = order.into_inner();
            if names.is_empty() {
                return Err(Problem::new(span, "`order` names no resolver"));
            }
            validate::plugin_names(&names)?;
            names.into_iter().map(Spanned::into_inner).collect()
        }
        None => ResolversConfig::default().order,
    };
    let mut settings = BTreeMap::new();
    for (name, value) in raw.settings {
        let span = value.span();
        match value.into_inner() {
            toml::Value::Table(table) => {
                if !order.contains(&name) {
                    let message = format!(
                        "`[resolvers.{name}]` configures a resolver that `order` does not name\nhint: add `{name}` to `[resolvers] order`, or remove the table"
                    );
                    return Err(Problem::new(span, message));
                }
                settings.insert(name, table);
            }
            other => {
                let message = format!(
                    "Unknown key `{name}` in `[resolvers]`: expected `order` or a `[resolvers.<name>]` table, found {}",
                    with_article(other.type_str())
                );
                return Err(Problem::new(span, message));
            }
        }
    }
    Ok(ResolversConfig {
        order,
        settings,
        settings_lines: BTreeMap::new(),
    })
}

fn invalid(path: &Path, text: &str, problem: Problem) -> ConfigError {
    let (line, column) = line_column(text, problem.span.start);
    ConfigError::Invalid {
        path: path.to_owned(),
        line,
        column,
        message: problem.message,
        snippet: snippet(text, problem.span),
    }
}

/// TOML is UTF-8: the error names the line and column of the first byte that is not.
fn not_utf8(path: &Path, error: &std::string::FromUtf8Error) -> ConfigError {
    let valid = error.utf8_error().valid_up_to();
    let bytes = error.as_bytes();
    let bad = error
        .utf8_error()
        .error_len()
        .unwrap_or(bytes.len() - valid);
    let hex: Vec<String> = bytes[valid..valid + bad]
        .iter()
        .map(|b| format!("0x{b:02X}"))
        .collect();
    let before = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
    let (line, column) = line_column(before, valid);
    ConfigError::Invalid {
        path: path.to_owned(),
        line,
        column,
        message: format!(
            "The file is not valid UTF-8: found byte{} {}\nhint: Save the file as UTF-8, the only encoding TOML allows",
            if bad == 1 { "" } else { "s" },
            hex.join(" ")
        ),
        snippet: None,
    }
}

fn capitalize(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn with_article(noun: &str) -> String {
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {noun}")
}

/// The keys under which a pak path is one file: the path with `.` folded away, and (when it
/// exists) the file it names through links. Two paths name one file when they share a key.
fn file_keys(path: &Path) -> (PathBuf, Option<PathBuf>) {
    let folded = path.components().collect::<PathBuf>();
    (folded, std::fs::canonicalize(path).ok())
}
