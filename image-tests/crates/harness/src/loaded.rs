//! Which file a library was actually loaded from, read from `/proc/self/maps`.
//!
//! The loader resolves sonames through `LD_LIBRARY_PATH`, rpaths and caches; only the mapping
//! says which `libtorch_cpu.so` this process really runs.

use std::path::PathBuf;

/// The path of the first mapped file whose name starts with `prefix`, e.g. `libtorch_cpu.so`.
pub fn loaded_library(prefix: &str) -> Option<PathBuf> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    maps.lines().filter_map(mapped_path).find(|path| {
        path.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(prefix))
    })
}

/// The path column of one `/proc/self/maps` line, if it names a file.
fn mapped_path(line: &str) -> Option<PathBuf> {
    // address perms offset dev inode pathname; the pathname may hold spaces.
    let mut rest = line;
    for _ in 0..5 {
        rest = rest.trim_start().split_once(char::is_whitespace)?.1;
    }
    let path = rest.trim();
    path.starts_with('/').then(|| PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_lines_give_their_paths() {
        let line = "7f3c1a000000-7f3c1a200000 r--p 00000000 08:01 1234   /opt/torch lib/libc10.so";
        assert_eq!(
            mapped_path(line),
            Some(PathBuf::from("/opt/torch lib/libc10.so"))
        );
        assert_eq!(
            mapped_path("7ffd-7ffe rw-p 00000000 00:00 0   [stack]"),
            None
        );
        assert_eq!(mapped_path("7ffd-7ffe rw-p 00000000 00:00 0"), None);
    }

    #[test]
    fn this_process_has_libc_loaded() {
        assert!(loaded_library("libc.so").is_some());
    }
}
