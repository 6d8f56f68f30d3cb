//! A pak file that another pak file of the same run already reads through `-r`: read once,
//! so its entries are not counted twice (`--paks a.txt b.txt` where `a.txt` has `-r b.txt`).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use std::fmt;

use megapak_requirements::{Entry, IncludeKind, Location, RequirementsFile};

/// A pak file left out because another one reads all of it.
#[derive(Debug, PartialEq, Eq)]
pub struct ReadWithin {
    /// The pak file left out, as named.
    pub pak: PathBuf,
    /// The `-r` line that includes it.
    pub include: Location,
}

/// The note for people: "`b.txt` is read once, through the `-r` at `a.txt:2:4`".
impl fmt::Display for ReadWithin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is read once, through the `-r` at `{}`",
            self.pak.display(),
            self.include
        )
    }
}

/// Leaves out each pak file that another pak file kept includes with `-r` (at any depth),
/// and whose entries and constraints (one at least) are all among those of that file, so
/// that none is read as a constraint there: `--paks a.txt b.txt` where `a.txt` has
/// `-r b.txt`. Its index options come along through the include.
pub fn drop_paks_read_within_others(
    files: Vec<RequirementsFile>,
) -> (Vec<RequirementsFile>, Vec<ReadWithin>) {
    let mut canonical = CanonicalPaths::default();
    let contents: Vec<Contents> = files
        .iter()
        .map(|file| Contents::of(file, &mut canonical))
        .collect();
    let mut kept = vec![true; files.len()];
    let mut read_within = Vec::new();
    for i in 0..files.len() {
        if contents[i].is_empty() {
            continue;
        }
        let target = canonical.of(&files[i].path);
        for j in (0..files.len()).filter(|&j| j != i && kept[j]) {
            let include = files[j].includes.iter().find(|include| {
                include.kind == IncludeKind::Requirements && canonical.of(&include.path) == target
            });
            if let Some(include) = include
                && contents[i].is_within(&contents[j])
            {
                kept[i] = false;
                read_within.push(ReadWithin {
                    pak: files[i].path.clone(),
                    include: include.location.clone(),
                });
                break;
            }
        }
    }
    let files = files
        .into_iter()
        .zip(kept)
        .filter_map(|(file, kept)| kept.then_some(file))
        .collect();
    (files, read_within)
}

/// Where each entry of a file was written, with the files canonicalized.
struct Contents {
    entries: HashSet<(PathBuf, u32, u32)>,
    constraints: HashSet<(PathBuf, u32, u32)>,
}

impl Contents {
    fn of(file: &RequirementsFile, canonical: &mut CanonicalPaths) -> Self {
        let mut places = |entries: &[Entry]| {
            entries
                .iter()
                .map(|entry| {
                    let at = &entry.location;
                    (canonical.of(&at.file), at.line, at.column)
                })
                .collect()
        };
        Self {
            entries: places(&file.entries),
            constraints: places(&file.constraints),
        }
    }

    fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.constraints.is_empty()
    }

    fn is_within(&self, other: &Self) -> bool {
        self.entries.is_subset(&other.entries) && self.constraints.is_subset(&other.constraints)
    }
}

/// `fs::canonicalize`, once per path; a path that cannot be resolved stands for itself.
#[derive(Default)]
struct CanonicalPaths(HashMap<PathBuf, PathBuf>);

impl CanonicalPaths {
    fn of(&mut self, path: &Path) -> PathBuf {
        self.0
            .entry(path.to_path_buf())
            .or_insert_with(|| fs_err::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(dir: &Path, name: &str) -> RequirementsFile {
        megapak_requirements::read_requirements_file(&dir.join(name)).unwrap()
    }

    #[test]
    fn a_pak_included_with_r_is_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        std::fs::create_dir(dir.join("sub")).unwrap();
        std::fs::write(dir.join("a.txt"), "numpy\n-r sub/../b.txt\n").unwrap();
        std::fs::write(dir.join("b.txt"), "torch\n").unwrap();
        std::fs::write(dir.join("c.txt"), "-c b.txt\npillow\n").unwrap();
        std::fs::write(dir.join("empty.txt"), "# nothing\n").unwrap();

        let files = ["b.txt", "c.txt", "a.txt", "empty.txt"].map(|name| read(dir, name));
        let (kept, read_within) = drop_paks_read_within_others(files.to_vec());
        let names: Vec<_> = kept.iter().map(|file| file.path.clone()).collect();
        // c.txt has b.txt's entry as a constraint, not a requirement: b.txt is not within it.
        assert_eq!(
            names,
            [dir.join("c.txt"), dir.join("a.txt"), dir.join("empty.txt")]
        );
        assert_eq!(
            read_within,
            [ReadWithin {
                pak: dir.join("b.txt"),
                include: Location {
                    file: dir.join("a.txt"),
                    line: 2,
                    column: 4
                },
            }]
        );
    }

    #[test]
    fn files_that_only_share_entries_are_both_kept() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        std::fs::write(dir.join("common.txt"), "numpy\n").unwrap();
        std::fs::write(dir.join("a.txt"), "-r common.txt\ntorch\n").unwrap();
        std::fs::write(dir.join("b.txt"), "-r common.txt\npillow\n").unwrap();
        // All of c.txt's entries are in a.txt, but a.txt does not include it: its index
        // option must not be lost.
        std::fs::write(
            dir.join("c.txt"),
            "-i https://other/simple\n-r common.txt\n",
        )
        .unwrap();
        let files = ["a.txt", "b.txt", "c.txt"].map(|name| read(dir, name));
        let (kept, read_within) = drop_paks_read_within_others(files.to_vec());
        assert_eq!(kept.len(), 3);
        assert!(read_within.is_empty());
    }
}
