//! Arbitrary bytes, as lossy UTF-8, through the requirements reader and the merge. Nothing
//! may panic, and what is read must be consistent with the input.
//!
//! ```text
//! cd fuzz
//! cargo +nightly fuzz run -O requirements_reader -- -dict=requirements.dict -max_total_time=300
//! ```
//! (With a stable compiler: `RUSTC_BOOTSTRAP=1 cargo fuzz run ...`.)

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use megapak_requirements::{
    MemoryLoader, PackageName, RequirementsFile, merge, parse_requirements_str_with,
};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // `-r`/`-c` of `self.txt` reads the input again (a cycle), of `other.txt` a second file:
    // includes, constraints and cycles get fuzzed without touching the disk.
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
});

fn check(file: &RequirementsFile, text: &str) {
    // The reader ends lines at `\n`, `\r\n` and `\r`: this bound counts `\r\n` twice.
    let lines = text.matches(['\n', '\r']).count() as u32 + 1;
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
