//! The snapshot file: a versioned, line-based text format, small enough to embed and to diff.
//!
//! ```text
//! megapak-nixpkgs-index  1
//! revision  nixpkgs-unstable of 2026-05-03 (...)
//! date  2026-05-03
//! system  x86_64-linux
//! pythons  3.14  3.13
//! dependencies  unknown
//! older  2025-09-28
//! made-by  nix-index
//!
//! p  opencv4  opencv  4.13.0  bb    ?
//! r  old-name  new-name
//! x  gone  removed because ...
//! e  bad  evaluation error ...
//! ```
//!
//! Fields are separated by a tab (shown as two spaces). A `p` record is an attribute: `pname` (empty when it equals the attribute), version (`?`
//! when unknown), one availability letter per Python (`b` there, `d` disabled, `-` not built,
//! `?` unknown), flags (`B` broken, `U` unfree, `O` only in the older evaluation) and the
//! dependencies (`?` unknown, else space-separated `name==version` or `name`). `r` is a renamed
//! alias, `x` a removed one, `e` an attribute that could not be read. Free text escapes `\`,
//! tab and newline. A file of another format version is refused, never half-read.

use std::fmt::Write as _;
use std::path::Path;

use super::{Alias, Availability, Dependency, Entry, Header, Snapshot};
use crate::python::PythonVersion;

/// The first word of every snapshot file.
pub const MAGIC: &str = "megapak-nixpkgs-index";

/// The format version this plugin reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// A snapshot file that cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// Reading or writing the file failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The file is not a snapshot at all.
    #[error("`{path}` is not a megapak nixpkgs index: it does not start with `{MAGIC}`")]
    NotAnIndex {
        /// The file.
        path: String,
    },
    /// The file is a snapshot of another format version.
    #[error(
        "`{path}` is a nixpkgs index of format version {found}, but this plugin reads version {FORMAT_VERSION}: regenerate it with `megapak nixpkgs-index`"
    )]
    OtherVersion {
        /// The file.
        path: String,
        /// The version it declares.
        found: String,
    },
    /// A line does not follow the format.
    #[error("`{path}:{line}`: {message}")]
    Malformed {
        /// The file.
        path: String,
        /// The 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

impl Snapshot {
    /// The snapshot as the text of a file.
    pub fn to_text(&self) -> String {
        let h = &self.header;
        let mut out = String::with_capacity(64 * (self.entries.len() + 16));
        let pythons: Vec<String> = h.pythons.iter().map(ToString::to_string).collect();
        let _ = writeln!(out, "{MAGIC}\t{FORMAT_VERSION}");
        let _ = writeln!(out, "revision\t{}", escape(&h.revision));
        if let Some(date) = &h.date {
            let _ = writeln!(out, "date\t{}", escape(date));
        }
        let _ = writeln!(out, "system\t{}", escape(&h.system));
        let _ = writeln!(out, "pythons\t{}", pythons.join("\t"));
        let deps = if h.dependencies { "known" } else { "unknown" };
        let _ = writeln!(out, "dependencies\t{deps}");
        if let Some(older) = &h.older {
            let _ = writeln!(out, "older\t{}", escape(older));
        }
        let _ = writeln!(out, "made-by\t{}", escape(&h.made_by));
        out.push('\n');
        for entry in self.entries.values() {
            write_entry(&mut out, entry);
        }
        for (alias, target) in &self.aliases {
            let _ = match target {
                Alias::Renamed(new) => writeln!(out, "r\t{alias}\t{new}"),
                Alias::Removed(message) => writeln!(out, "x\t{alias}\t{}", escape(message)),
            };
        }
        for (attribute, message) in &self.failures {
            let _ = writeln!(out, "e\t{attribute}\t{}", escape(message));
        }
        out
    }

    /// Writes the snapshot to `path` through a temporary file and a rename: never half a file.
    pub fn write(&self, path: &Path) -> Result<(), SnapshotError> {
        let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
        let name = path.file_name().map_or_else(
            || "index".into(),
            |name| name.to_string_lossy().into_owned(),
        );
        let temporary = folder
            .unwrap_or(Path::new("."))
            .join(format!(".{name}.{}.tmp", std::process::id()));
        fs_err::write(&temporary, self.to_text())?;
        fs_err::rename(&temporary, path).inspect_err(|_| {
            let _ = fs_err::remove_file(&temporary);
        })?;
        Ok(())
    }

    /// Reads a snapshot file.
    pub fn read(path: &Path) -> Result<Self, SnapshotError> {
        let text = fs_err::read_to_string(path)?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Reads the text of a snapshot file; `path` names it in errors.
    pub fn parse(text: &str, path: &str) -> Result<Self, SnapshotError> {
        let mut lines = text.lines().enumerate();
        let first = lines.next().map(|(_, line)| line).unwrap_or_default();
        let Some((magic, version)) = first.split_once('\t') else {
            return Err(SnapshotError::NotAnIndex { path: path.into() });
        };
        if magic != MAGIC {
            return Err(SnapshotError::NotAnIndex { path: path.into() });
        }
        if version != FORMAT_VERSION.to_string() {
            return Err(SnapshotError::OtherVersion {
                path: path.into(),
                found: version.into(),
            });
        }
        let malformed = |line: usize, message: String| SnapshotError::Malformed {
            path: path.into(),
            line: line + 1,
            message,
        };
        let mut header = Header {
            revision: String::new(),
            date: None,
            system: String::new(),
            pythons: Vec::new(),
            dependencies: false,
            older: None,
            made_by: String::new(),
        };
        for (number, line) in lines.by_ref() {
            if line.is_empty() {
                break;
            }
            let (key, value) = line.split_once('\t').ok_or_else(|| {
                malformed(number, format!("Expected `key<TAB>value`, found `{line}`"))
            })?;
            match key {
                "revision" => header.revision = unescape(value),
                "date" => header.date = Some(unescape(value)),
                "system" => header.system = unescape(value),
                "pythons" => {
                    header.pythons = value
                        .split('\t')
                        .map(str::parse::<PythonVersion>)
                        .collect::<Result<_, _>>()
                        .map_err(|error| malformed(number, error.to_string()))?;
                }
                "dependencies" => header.dependencies = value == "known",
                "older" => header.older = Some(unescape(value)),
                "made-by" => header.made_by = unescape(value),
                // Later minor additions to the header are ignored, as the wire ignores fields.
                _ => {}
            }
        }
        if header.pythons.is_empty() {
            return Err(malformed(
                0,
                "The header names no Python (`pythons`)".into(),
            ));
        }
        let mut snapshot = Snapshot::new(header);
        for (number, line) in lines {
            // Split into a fixed array: ten thousand lines, no allocation per line.
            let mut split = [""; 8];
            let mut count = 0;
            for field in line.split('\t') {
                if count < split.len() {
                    split[count] = field;
                }
                count += 1;
            }
            match &split[..count.min(split.len())] {
                ["p", attribute, pname, version, pythons, flags, deps] => {
                    let fields = [*attribute, *pname, *version, *pythons, *flags, *deps];
                    let entry = read_entry(&snapshot.header, fields)
                        .map_err(|message| malformed(number, message))?;
                    snapshot.entries.insert(entry.attribute.clone(), entry);
                }
                ["r", alias, target] => {
                    snapshot
                        .aliases
                        .insert((*alias).into(), Alias::Renamed((*target).into()));
                }
                ["x", alias, message] => {
                    snapshot
                        .aliases
                        .insert((*alias).into(), Alias::Removed(unescape(message)));
                }
                ["e", attribute, message] => {
                    snapshot
                        .failures
                        .insert((*attribute).into(), unescape(message));
                }
                [""] => {}
                _ => return Err(malformed(number, format!("Unknown record `{line}`"))),
            }
        }
        Ok(snapshot)
    }
}

fn write_entry(out: &mut String, entry: &Entry) {
    let pname = if entry.pname == entry.attribute {
        ""
    } else {
        &entry.pname
    };
    let version = entry.version.as_deref().unwrap_or("?");
    let pythons: String = entry
        .pythons
        .iter()
        .map(|availability| match availability {
            Availability::Available => 'b',
            Availability::Disabled => 'd',
            Availability::NotBuilt => '-',
            Availability::Unknown => '?',
        })
        .collect();
    let mut flags = String::new();
    for (set, flag) in [(entry.broken, 'B'), (entry.unfree, 'U'), (entry.older, 'O')] {
        if set {
            flags.push(flag);
        }
    }
    let deps = match &entry.dependencies {
        None => "?".to_owned(),
        Some(deps) => deps
            .iter()
            .map(|dep| match &dep.version {
                Some(version) => format!("{}=={version}", dep.name),
                None => dep.name.clone(),
            })
            .collect::<Vec<_>>()
            .join(" "),
    };
    let _ = writeln!(
        out,
        "p\t{}\t{pname}\t{version}\t{pythons}\t{flags}\t{deps}",
        entry.attribute
    );
}

fn read_entry(
    header: &Header,
    [attribute, pname, version, pythons, flags, deps]: [&str; 6],
) -> Result<Entry, String> {
    if attribute.is_empty() {
        return Err("An attribute record without an attribute".into());
    }
    let availability: Vec<Availability> = pythons
        .chars()
        .map(|letter| match letter {
            'b' => Ok(Availability::Available),
            'd' => Ok(Availability::Disabled),
            '-' => Ok(Availability::NotBuilt),
            '?' => Ok(Availability::Unknown),
            other => Err(format!("Unknown availability `{other}` of `{attribute}`")),
        })
        .collect::<Result<_, _>>()?;
    if availability.len() != header.pythons.len() {
        return Err(format!(
            "`{attribute}` has {} availability letters for {} Pythons",
            availability.len(),
            header.pythons.len()
        ));
    }
    if let Some(other) = flags.chars().find(|flag| !matches!(flag, 'B' | 'U' | 'O')) {
        return Err(format!("Unknown flag `{other}` of `{attribute}`"));
    }
    let dependencies = match deps {
        "?" => None,
        deps => Some(
            deps.split(' ')
                .filter(|dep| !dep.is_empty())
                .map(|dep| match dep.split_once("==") {
                    Some((name, version)) => Dependency {
                        name: name.into(),
                        version: Some(version.into()),
                    },
                    None => Dependency {
                        name: dep.into(),
                        version: None,
                    },
                })
                .collect(),
        ),
    };
    Ok(Entry {
        attribute: attribute.into(),
        pname: if pname.is_empty() { attribute } else { pname }.into(),
        version: (version != "?").then(|| version.into()),
        pythons: availability,
        broken: flags.contains('B'),
        unfree: flags.contains('U'),
        older: flags.contains('O'),
        dependencies,
    })
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('\t', "\\t")
        .replace('\n', "\\n")
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('t') => out.push('\t'),
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_survives_tabs_newlines_and_backslashes() {
        let mut snapshot = Snapshot::new(Header {
            revision: "nixpkgs at `C:\\x`\twith\na newline".into(),
            date: Some("2026-05-03".into()),
            system: "x86_64-linux".into(),
            pythons: vec!["3.14".parse().unwrap()],
            dependencies: true,
            older: None,
            made_by: "eval".into(),
        });
        snapshot
            .failures
            .insert("bad".into(), "error:\n\tat x.nix:1:2\\".into());
        snapshot
            .aliases
            .insert("gone".into(), Alias::Removed("it\tis gone".into()));
        snapshot.entries.insert(
            "torch".into(),
            Entry {
                attribute: "torch".into(),
                pname: "torch".into(),
                version: None,
                pythons: vec![Availability::Unknown],
                broken: true,
                unfree: true,
                older: false,
                dependencies: Some(vec![
                    Dependency {
                        name: "numpy".into(),
                        version: Some("2.4.2".into()),
                    },
                    Dependency {
                        name: "filelock".into(),
                        version: None,
                    },
                ]),
            },
        );
        let text = snapshot.to_text();
        assert_eq!(Snapshot::parse(&text, "x").unwrap(), snapshot);
        assert!(text.contains("p\ttorch\t\t?\t?\tBU\tnumpy==2.4.2 filelock\n"));
    }
}
