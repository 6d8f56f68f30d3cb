//! A wheel's `METADATA` (core metadata, RFC 822 headers): what a resolver needs of it.

use megapak_types::PackageName;

use crate::error::Error;

/// The fields read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// `Name`, normalized.
    pub name: PackageName,
    /// `Version`.
    pub version: String,
    /// `Requires-Dist`, in order.
    pub requires_dist: Vec<String>,
    /// `Requires-Python`.
    pub requires_python: Option<String>,
    /// `Summary`.
    pub summary: Option<String>,
    /// `License-Expression`, else a one-line `License`.
    pub license: Option<String>,
}

impl Metadata {
    /// Parses the headers of `bytes`; `file` names the wheel in errors.
    pub fn parse(bytes: &[u8], file: &str) -> Result<Self, Error> {
        let bad = |reason: &str| Error::BadMetadata {
            file: file.to_owned(),
            reason: reason.to_owned(),
        };
        let text = std::str::from_utf8(bytes).map_err(|_| bad("it is not UTF-8"))?;
        let mut fields: Vec<(String, String)> = Vec::new();
        for line in text.lines() {
            if line.is_empty() {
                break; // The body (the long description) follows.
            }
            if line.starts_with([' ', '\t']) {
                if let Some((_, value)) = fields.last_mut() {
                    value.push('\n');
                    value.push_str(line.trim());
                }
                continue;
            }
            let (key, value) = line.split_once(':').ok_or_else(|| {
                bad(&format!(
                    "the line `{}` is no `Key: value` header",
                    snip(line)
                ))
            })?;
            fields.push((key.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
        let one = |key: &str| {
            fields
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
        };
        let name = one("name").ok_or_else(|| bad("it has no `Name`"))?;
        let name = PackageName::new(&name)
            .map_err(|_| bad(&format!("`Name: {}` is not a valid name", snip(&name))))?;
        let version = one("version").ok_or_else(|| bad("it has no `Version`"))?;
        let license = one("license-expression")
            .or_else(|| one("license").filter(|license| !license.contains('\n')));
        Ok(Self {
            name,
            version,
            requires_dist: fields
                .iter()
                .filter(|(k, _)| k == "requires-dist")
                .map(|(_, v)| v.clone())
                .collect(),
            requires_python: one("requires-python"),
            summary: one("summary"),
            license,
        })
    }
}

fn snip(text: &str) -> String {
    text.chars().take(60).collect()
}

/// The `.dist-info/METADATA` member of a wheel: `{name}-{version}.dist-info/METADATA` at the top.
pub fn is_metadata(member: &str) -> bool {
    member
        .strip_suffix(".dist-info/METADATA")
        .is_some_and(|stem| !stem.contains('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_headers_and_stops_at_the_body() {
        let text = "Metadata-Version: 2.1\nName: onnxruntime_gpu\nVersion: 1.31.1\nSummary: ONNX Runtime\nLicense: MIT License\nRequires-Python: >=3.11\nRequires-Dist: numpy>=1.21.6\nRequires-Dist: nvidia-cuda-runtime~=13.0; extra == \"cuda\"\n\nName: not-a-header\n";
        let metadata = Metadata::parse(text.as_bytes(), "x.whl").unwrap();
        assert_eq!(metadata.name.as_str(), "onnxruntime-gpu");
        assert_eq!(metadata.version, "1.31.1");
        assert_eq!(metadata.requires_python.as_deref(), Some(">=3.11"));
        assert_eq!(metadata.license.as_deref(), Some("MIT License"));
        assert_eq!(
            metadata.requires_dist,
            [
                "numpy>=1.21.6",
                "nvidia-cuda-runtime~=13.0; extra == \"cuda\""
            ]
        );
        assert!(is_metadata("onnxruntime_gpu-1.31.1.dist-info/METADATA"));
        assert!(!is_metadata("vendor/x-1.dist-info/METADATA"));
    }

    #[test]
    fn malformed_metadata_is_named() {
        let errors: Vec<String> = [&b"Name: x\n"[..], b"Version: 1\n", b"\xff\xfe", b"Name x\n"]
            .into_iter()
            .map(|bytes| {
                Metadata::parse(bytes, "x-1-py3-none-any.whl")
                    .unwrap_err()
                    .to_string()
            })
            .collect();
        insta::assert_snapshot!(errors.join("\n"), @r"
The METADATA of `x-1-py3-none-any.whl` is malformed: it has no `Version`
The METADATA of `x-1-py3-none-any.whl` is malformed: it has no `Name`
The METADATA of `x-1-py3-none-any.whl` is malformed: it is not UTF-8
The METADATA of `x-1-py3-none-any.whl` is malformed: the line `Name x` is no `Key: value` header
");
    }
}
