//! Core metadata (`METADATA`, `PKG-INFO`: email-style headers), setuptools' `requires.txt`, and
//! `pyproject.toml`'s `[project]` and `[build-system]` tables: where a distribution says what it
//! needs.

/// The fields of core metadata the resolver reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoreMetadata {
    /// `Metadata-Version`, e.g. `(2, 1)`.
    pub metadata_version: (u32, u32),
    /// `Requires-Dist`, as written.
    pub requires_dist: Vec<String>,
    /// `Requires-Python`.
    pub requires_python: Option<String>,
    /// `Summary`.
    pub summary: Option<String>,
    /// `License-Expression`, else a one-line `License`.
    pub license: Option<String>,
    /// `Dynamic` fields, lowercase (metadata 2.2+: a field an sdist's build may change).
    pub dynamic: Vec<String>,
}

impl CoreMetadata {
    /// Whether an sdist's `Requires-Dist` can be trusted: metadata 2.2 or newer, where a field
    /// that is not `Dynamic` is what every build from it will say.
    pub fn static_requirements(&self) -> bool {
        self.metadata_version >= (2, 2) && !self.dynamic.iter().any(|d| d == "requires-dist")
    }
}

/// Reads the header part of core metadata; the body (the description) is skipped.
pub fn parse_core_metadata(text: &str) -> CoreMetadata {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        // The headers end at the first empty line. A line of spaces is a continuation line
        // (a multi-line `License:` has them): ending there would drop every `Requires-Dist`
        // after it.
        if line.is_empty() || line == "\r" {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push('\n');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            fields.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let first = |name: &str| {
        fields
            .iter()
            .find(|(n, v)| n == name && !v.is_empty() && v != "UNKNOWN")
            .map(|(_, v)| v.clone())
    };
    let all = |name: &str| -> Vec<String> {
        fields
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let metadata_version = first("metadata-version")
        .and_then(|v| {
            let (major, minor) = v.split_once('.')?;
            Some((major.parse().ok()?, minor.parse().ok()?))
        })
        .unwrap_or((1, 0));
    let license = first("license-expression").or_else(|| {
        first("license").filter(|license| !license.contains('\n') && license.len() <= 100)
    });
    CoreMetadata {
        metadata_version,
        requires_dist: all("requires-dist"),
        requires_python: first("requires-python"),
        summary: first("summary"),
        license,
        dynamic: all("dynamic")
            .into_iter()
            .map(|d| d.to_ascii_lowercase())
            .collect(),
    }
}

/// setuptools' `*.egg-info/requires.txt` as PEP 508 requirements: a `[extra]`, `[extra:marker]`
/// or `[:marker]` section adds `extra == "..."` and its marker to each of its lines.
pub fn parse_requires_txt(text: &str) -> Vec<String> {
    let mut requirements = Vec::new();
    let mut section_marker: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let (extra, marker) = section.split_once(':').unwrap_or((section, ""));
            let mut parts = Vec::new();
            if !marker.trim().is_empty() {
                parts.push(format!("({})", marker.trim()));
            }
            if !extra.trim().is_empty() {
                parts.push(format!("extra == \"{}\"", extra.trim()));
            }
            section_marker = (!parts.is_empty()).then(|| parts.join(" and "));
            continue;
        }
        requirements.push(with_marker(line, section_marker.as_deref()));
    }
    requirements
}

/// `requirement` with `marker` added (`and`-ed to a marker it already has).
fn with_marker(requirement: &str, marker: Option<&str>) -> String {
    match (marker, requirement.split_once(';')) {
        (None, _) => requirement.to_owned(),
        (Some(marker), None) => format!("{requirement}; {marker}"),
        (Some(marker), Some((spec, own))) => {
            format!("{}; ({}) and {marker}", spec.trim_end(), own.trim())
        }
    }
}

/// What a `pyproject.toml` says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pyproject {
    /// `[build-system] requires`; `None` without a `[build-system]` table.
    pub build_requires: Option<Vec<String>>,
    /// `[project] dependencies` and `optional-dependencies` as PEP 508 requirements, when
    /// `[project]` declares them statically (not in `dynamic`).
    pub requirements: Option<Vec<String>>,
    /// `[project] requires-python`.
    pub requires_python: Option<String>,
}

/// Reads `pyproject.toml`.
pub fn parse_pyproject(text: &str) -> Result<Pyproject, String> {
    let document: toml::Table = toml::from_str(text).map_err(|e| e.message().to_owned())?;
    let strings = |value: Option<&toml::Value>| -> Option<Vec<String>> {
        value?
            .as_array()?
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect()
    };
    let build_requires = document
        .get("build-system")
        .and_then(toml::Value::as_table)
        .map(|table| strings(table.get("requires")).unwrap_or_default());
    let project = document.get("project").and_then(toml::Value::as_table);
    let requirements = project.and_then(|project| {
        let dynamic = strings(project.get("dynamic")).unwrap_or_default();
        if dynamic
            .iter()
            .any(|d| d == "dependencies" || d == "optional-dependencies")
        {
            return None;
        }
        let mut requirements = strings(project.get("dependencies")).unwrap_or_default();
        if let Some(optional) = project
            .get("optional-dependencies")
            .and_then(toml::Value::as_table)
        {
            for (extra, items) in optional {
                for item in strings(Some(items)).unwrap_or_default() {
                    let marker = format!("extra == \"{extra}\"");
                    requirements.push(with_marker(&item, Some(&marker)));
                }
            }
        }
        Some(requirements)
    });
    Ok(Pyproject {
        build_requires,
        requirements,
        requires_python: project
            .and_then(|p| p.get("requires-python"))
            .and_then(toml::Value::as_str)
            .map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_requires_dist_with_markers_and_extras_as_written() {
        let text = "Metadata-Version: 2.1\nName: segment-anything\nVersion: 1.0\nLicense: Apache 2.0\n\
Provides-Extra: all\nRequires-Dist: matplotlib ; extra == 'all'\nRequires-Dist: numpy>=1.14.0\n\
Requires-Python: >=3.8\nDescription: first\n        continued\n\nRequires-Dist: not-a-header\n";
        let metadata = parse_core_metadata(text);
        assert_eq!(
            metadata.requires_dist,
            ["matplotlib ; extra == 'all'", "numpy>=1.14.0"]
        );
        assert_eq!(metadata.requires_python.as_deref(), Some(">=3.8"));
        assert_eq!(metadata.license.as_deref(), Some("Apache 2.0"));
        assert_eq!(metadata.metadata_version, (2, 1));
        assert!(!metadata.static_requirements());
    }

    #[test]
    fn license_expression_wins_and_long_license_texts_are_dropped() {
        let text = "Metadata-Version: 2.4\nLicense-Expression: MIT\nLicense: MIT License\nDynamic: license-file\n";
        let metadata = parse_core_metadata(text);
        assert_eq!(metadata.license.as_deref(), Some("MIT"));
        assert!(metadata.static_requirements());
        let long = parse_core_metadata("License: Copyright (c)\n  all rights\n");
        assert_eq!(long.license, None);
    }

    #[test]
    fn a_license_with_blank_continuation_lines_keeps_the_headers_after_it() {
        // trimesh 5.2.0's METADATA: a multi-line `License:` whose empty lines are indented.
        let text = "Metadata-Version: 2.1\nName: trimesh\nVersion: 5.2.0\nLicense: The MIT License (MIT)\n        \n        Copyright (c) 2023 Michael Dawson-Haggerty\n        \nRequires-Python: >=3.8\nRequires-Dist: numpy>=1.20\nRequires-Dist: lxml ; extra == 'easy'\n\nlong description\n";
        let metadata = parse_core_metadata(text);
        assert_eq!(
            metadata.requires_dist,
            ["numpy>=1.20", "lxml ; extra == 'easy'"]
        );
        assert_eq!(metadata.requires_python.as_deref(), Some(">=3.8"));
        assert_eq!(metadata.license, None, "a licence text, not an expression");
    }

    #[test]
    fn converts_requires_txt_sections_to_markers() {
        let text = "numpy\n\n[all]\nmatplotlib\n\n[:python_version < \"3.11\"]\ntomli\n\n[gpu:sys_platform == \"linux\"]\ncupy\n";
        insta::assert_snapshot!(parse_requires_txt(text).join("\n"), @r#"
numpy
matplotlib; extra == "all"
tomli; (python_version < "3.11")
cupy; (sys_platform == "linux") and extra == "gpu"
"#);
    }

    #[test]
    fn reads_pyproject_build_system_and_static_dependencies() {
        let text = r#"
[build-system]
requires = ["setuptools>=61.0", "wheel"]
[project]
name = "compel"
requires-python = ">=3.10"
dependencies = ["torch", "transformers >= 5, < 6"]
[project.optional-dependencies]
dev = ["pytest; python_version >= '3.11'"]
"#;
        let pyproject = parse_pyproject(text).unwrap();
        assert_eq!(
            pyproject.build_requires.unwrap(),
            ["setuptools>=61.0", "wheel"]
        );
        assert_eq!(
            pyproject.requirements.unwrap(),
            [
                "torch",
                "transformers >= 5, < 6",
                "pytest; (python_version >= '3.11') and extra == \"dev\""
            ]
        );
        assert_eq!(pyproject.requires_python.as_deref(), Some(">=3.10"));
        let dynamic = parse_pyproject("[project]\ndynamic = [\"dependencies\"]\n").unwrap();
        assert_eq!(dynamic, Pyproject::default());
        assert!(parse_pyproject("[build-system\n").is_err());
    }
}
