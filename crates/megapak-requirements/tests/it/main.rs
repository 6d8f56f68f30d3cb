//! Integration tests of `megapak-requirements`, through its public API only.

mod errors;
mod hostile_files;
mod includes;
mod lines;
mod properties;
mod reader_property;
mod real_data;
mod robustness;

use std::fmt::Write as _;
use std::path::Path;

use megapak_requirements::{
    Entry, EntrySource, Hint, MemoryLoader, RequirementsError, RequirementsFile,
    parse_requirements_str_with,
};

/// Parses `text` as `r.txt` with no other files around.
pub(crate) fn parse(text: &str) -> Result<RequirementsFile, RequirementsError> {
    parse_requirements_str_with(text, Path::new("r.txt"), &mut MemoryLoader::new())
}

/// The error message of parsing `text`, with its hint line if any.
pub(crate) fn error(text: &str) -> String {
    match parse(text) {
        Ok(file) => panic!("expected an error, got {} entries", file.entries.len()),
        Err(error) => with_hint(&error),
    }
}

pub(crate) fn with_hint(error: &RequirementsError) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        write!(message, "\n  caused by: {cause}").unwrap();
        source = cause.source();
    }
    if let Some(hint) = error.hint() {
        write!(message, "\nhint: {hint}").unwrap();
    }
    message
}

/// One line per entry: location, name, spelling, source, extras, marker, hashes, raw text.
pub(crate) fn summary(entries: &[Entry]) -> String {
    let mut out = String::new();
    for entry in entries {
        let source = match &entry.source {
            EntrySource::Registry { specifiers } => format!("registry `{specifiers}`"),
            EntrySource::DirectUrl { url } => format!("url `{url}`"),
            EntrySource::Vcs(vcs) => format!(
                "{} `{}` rev={:?} subdirectory={:?}",
                vcs.vcs, vcs.url, vcs.rev, vcs.subdirectory
            ),
        };
        write!(
            out,
            "{} {} ({}) {source}",
            entry.location, entry.name, entry.spelling
        )
        .unwrap();
        if !entry.extras.is_empty() {
            let extras: Vec<_> = entry.extras.iter().map(String::as_str).collect();
            write!(out, " extras=[{}]", extras.join(",")).unwrap();
        }
        if let Some(marker) = entry.marker.as_ref().and_then(|m| m.try_to_string()) {
            write!(out, " marker=`{marker}`").unwrap();
        }
        if !entry.hashes.is_empty() {
            write!(out, " hashes={}", entry.hashes.len()).unwrap();
        }
        if entry.editable {
            out.push_str(" editable");
        }
        writeln!(out, "\n    raw: {}", entry.raw).unwrap();
    }
    out
}
