//! The property the fuzz target `requirements_reader` checks, shared with the stable
//! `proptest` run in `properties.rs`: arbitrary bytes, as lossy UTF-8, through the reader and
//! the merge. Nothing may panic, and what is read must be consistent with the input.
//!
//! Uses only `std` and `megapak_requirements`: `fuzz/fuzz_targets/requirements_reader.rs`
//! includes this file as a module.

use std::path::Path;

use megapak_requirements::{
    Hint, MemoryLoader, PackageName, RequirementsFile, merge, parse_requirements_str_with,
};

/// Where the reader ends lines: where Python's `str.splitlines` does, as pip reads files.
const LINE_BREAKS: [char; 10] = [
    '\n', '\r', '\u{0B}', '\u{0C}', '\u{1C}', '\u{1D}', '\u{1E}', '\u{85}', '\u{2028}', '\u{2029}',
];

/// Reads `data` as the file `self.txt`, checking everything the reader promises.
pub fn check_reader(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    // `-r`/`-c` of `self.txt` reads the input again (a cycle), of `other.txt` a second file:
    // includes, constraints and cycles get exercised without touching the disk.
    let mut loader = MemoryLoader::new();
    loader.insert("other.txt", text.replace("self.txt", "other.txt"));
    match parse_requirements_str_with(&text, Path::new("self.txt"), &mut loader) {
        Ok(file) => check(&file, &text),
        Err(error) => {
            let message = error.to_string();
            assert!(!message.is_empty());
            let _ = error.hint();
        }
    }
}

fn check(file: &RequirementsFile, text: &str) {
    // An upper bound: `\r\n` is one line ending but counted twice here.
    let lines = u32::try_from(text.matches(LINE_BREAKS).count() + 1).unwrap_or(u32::MAX);
    for entry in file.entries.iter().chain(&file.constraints) {
        assert!(!entry.raw.is_empty() && entry.raw.trim() == entry.raw);
        assert_eq!(
            PackageName::new(entry.name.as_str()).as_ref(),
            Ok(&entry.name)
        );
        assert_eq!(PackageName::new(&entry.spelling).as_ref(), Ok(&entry.name));
        let location = &entry.location;
        assert!(location.line >= 1 && location.column >= 1);
        if location.file == Path::new("self.txt") {
            assert!(location.line <= lines, "{location} beyond {lines} lines");
        }
        let _ = entry.marker.as_ref().map(|marker| marker.try_to_string());
    }
    // Merging a file with itself agrees with merging it alone.
    let once = merge(std::slice::from_ref(file));
    let twice = merge(&[file.clone(), file.clone()]);
    assert_eq!(once.is_ok(), twice.is_ok(), "{once:?} vs {twice:?}");
    match (once, twice) {
        (Ok(once), Ok(twice)) => {
            assert_eq!(
                once.packages.keys().collect::<Vec<_>>(),
                twice.packages.keys().collect::<Vec<_>>()
            );
            for package in once.packages.values() {
                let _ = package.specifiers.to_string();
                let _ = package.source.to_string();
            }
        }
        (Err(error), _) => {
            let _ = (error.to_string(), error.hint());
        }
        _ => unreachable!(),
    }
}
