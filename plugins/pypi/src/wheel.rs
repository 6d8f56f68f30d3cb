//! A wheel's METADATA and import names, read through its central directory. The import names
//! come from the directory's file list (packages with `__init__.py`, top-level modules and
//! extension modules), which the range reader has anyway, so they cost no request.

use megapak_types::PackageName;

use crate::error::PypiError;
use crate::remote::RangeSource;
use crate::zip;

/// The largest METADATA read.
const MAX_METADATA: u64 = 16 << 20;

/// A central directory larger than this is read only where it holds `*.dist-info` (its end):
/// torch's is 1.3 MB, onnx's 1.6 MB. Smaller ones are read whole, for the import names.
const PARTIAL_DIRECTORY_ABOVE: u64 = 256 * 1024;

/// What the resolver reads from a wheel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelContents {
    /// `*.dist-info/METADATA`.
    pub metadata: String,
    /// Top-level import names.
    pub import_names: Vec<String>,
}

/// Reads `source` as a wheel of `project`; `tail` bytes of its end are already at hand.
pub fn read_wheel(
    source: &mut dyn RangeSource,
    project: &PackageName,
    tail: u64,
) -> Result<WheelContents, PypiError> {
    let (entries, complete) =
        zip::entries_for(source, tail, PARTIAL_DIRECTORY_ABOVE, &is_metadata)?;
    let candidates: Vec<&zip::Entry> = entries
        .iter()
        .filter(|entry| is_metadata(&entry.name))
        .collect();
    let ours = candidates.iter().find(|entry| {
        let dir = entry.name.split(".dist-info/").next().unwrap_or("");
        let name = dir.rsplit_once('-').map_or(dir, |(name, _)| name);
        PackageName::new(name).is_ok_and(|name| &name == project)
    });
    let entry = ours
        .or(candidates.first())
        .ok_or_else(|| PypiError::NoMetadata {
            filename: source.filename().to_owned(),
        })?;
    let bytes = zip::read(source, entry, MAX_METADATA)?;
    let import_names = if complete {
        import_names(entries.iter().map(|entry| entry.name.as_str()))
    } else {
        // Only the directory's end was read: `top_level.txt` where the wheel has one (it sits
        // beside METADATA), else none rather than a guess from part of the file list.
        let dir = entry.name.trim_end_matches("METADATA");
        match entries
            .iter()
            .find(|e| e.name == format!("{dir}top_level.txt"))
        {
            Some(top_level) => {
                let text = zip::read(source, top_level, MAX_METADATA)?;
                let lines = String::from_utf8_lossy(&text);
                import_names(
                    lines
                        .lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty() && !l.contains('/'))
                        .map(|l| format!("{l}/__init__.py"))
                        .collect::<Vec<_>>()
                        .iter()
                        .map(String::as_str),
                )
            }
            None => Vec::new(),
        }
    };
    Ok(WheelContents {
        metadata: String::from_utf8_lossy(&bytes).into_owned(),
        import_names,
    })
}

/// `<name>-<version>.dist-info/METADATA` at the top of the archive.
fn is_metadata(name: &str) -> bool {
    name.strip_suffix(".dist-info/METADATA")
        .is_some_and(|dir| !dir.contains('/'))
}

/// Top-level import names of a file list: `pkg` for `pkg/__init__.py`, `mod` for `mod.py` and
/// `mod.cpython-314-x86_64-linux-gnu.so`, `ns.pkg` for `ns/pkg/__init__.py` in a namespace
/// package (`google.protobuf`, `nvidia.cu13`); private (`_x`) and test packages only when
/// nothing else is there.
pub fn import_names<'a>(paths: impl Iterator<Item = &'a str>) -> Vec<String> {
    let paths: Vec<&str> = paths.collect();
    let identifier = |name: &str| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let packages: std::collections::BTreeSet<&str> = paths
        .iter()
        .filter_map(|path| path.strip_suffix("/__init__.py"))
        .filter(|top| !top.contains('/'))
        .collect();
    let mut names = std::collections::BTreeSet::new();
    for path in &paths {
        let parts: Vec<&str> = path.split('/').collect();
        let name = match parts.as_slice() {
            [top, "__init__.py"] => (*top).to_owned(),
            [namespace, package, "__init__.py"]
                if !packages.contains(namespace) && identifier(namespace) =>
            {
                format!("{namespace}.{package}")
            }
            [file] => match file.strip_suffix(".py") {
                Some(module) => module.to_owned(),
                None if file.ends_with(".so") => file.split('.').next().unwrap_or("").to_owned(),
                None => continue,
            },
            _ => continue,
        };
        let top = name.split('.').next().unwrap_or("");
        if top.ends_with(".dist-info") || top.ends_with(".data") {
            continue;
        }
        if name.split('.').all(identifier) {
            names.insert(name);
        }
    }
    let public: Vec<String> = names
        .iter()
        .filter(|name| {
            !name.starts_with('_') && !matches!(name.as_str(), "test" | "tests" | "setup")
        })
        .cloned()
        .collect();
    if public.is_empty() {
        names.into_iter().collect()
    } else {
        public
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote::InMemory;

    #[test]
    fn reads_metadata_and_import_names_of_a_real_wheel() {
        let mut source = InMemory {
            bytes: include_bytes!(
                "../../../fixtures/real/pypi/segment_anything-1.0-py3-none-any.whl"
            )
            .to_vec(),
            filename: "segment_anything-1.0-py3-none-any.whl".to_owned(),
        };
        let contents = read_wheel(&mut source, &"segment-anything".parse().unwrap(), 4096).unwrap();
        assert!(
            contents
                .metadata
                .contains("Requires-Dist: onnx ; extra == 'all'")
        );
        assert_eq!(contents.import_names, ["segment_anything"]);
    }

    #[test]
    fn import_names_skip_metadata_private_and_tests() {
        let paths = [
            "cv2/__init__.py",
            "cv2/data/__init__.py",
            "six.py",
            "_cffi_backend.cpython-314-x86_64-linux-gnu.so",
            "tests/__init__.py",
            "foo-1.0.dist-info/METADATA",
            "foo-1.0.data/scripts/x.py",
            "README.md",
        ];
        assert_eq!(import_names(paths.into_iter()), ["cv2", "six"]);
        assert_eq!(import_names(["_private.py"].into_iter()), ["_private"]);
        let namespace = [
            "google/protobuf/__init__.py",
            "google/protobuf/internal/__init__.py",
            "google/_upb/_message.abi3.so",
            "nvidia/cu13/__init__.py",
            "cv2/__init__.py",
            "cv2/data/__init__.py",
        ];
        assert_eq!(
            import_names(namespace.into_iter()),
            ["cv2", "google.protobuf", "nvidia.cu13"]
        );
    }
}
