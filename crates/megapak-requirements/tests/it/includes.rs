//! `-r`/`-c` includes: relative paths, order, constraints, cycles, unreadable files.

use std::path::Path;

use megapak_requirements::{
    IncludeKind, MemoryLoader, parse_requirements_str, parse_requirements_str_with,
    read_requirements_file, read_requirements_file_with,
};

use crate::{summary, with_hint};

// Integration tests run in the package's folder.
const FIXTURES: &str = "tests/fixtures/includes";

#[test]
fn includes_are_read_in_place_with_their_own_locations() {
    let file = read_requirements_file(&Path::new(FIXTURES).join("top.txt")).unwrap();
    insta::assert_snapshot!(summary(&file.entries), @r"
    tests/fixtures/includes/sub/more.txt:1:1 numpy (numpy) registry ``
        raw: numpy
    tests/fixtures/includes/sub/../leaf.txt:1:1 pillow (pillow) registry ``
        raw: pillow
    tests/fixtures/includes/top.txt:3:1 torch (torch) registry `==2.10.0`
        raw: torch==2.10.0
    ");
    insta::assert_snapshot!(summary(&file.constraints), @r"
    tests/fixtures/includes/constraints.txt:1:1 numpy (numpy) registry `<2`
        raw: numpy<2
    ");
    let includes: Vec<String> = file
        .includes
        .iter()
        .map(|include| {
            format!(
                "{} {:?} {}",
                include.location,
                include.kind,
                include.path.display()
            )
        })
        .collect();
    // `leaf.txt` is included twice (through `sub/more.txt` and directly) but read once.
    insta::assert_debug_snapshot!(includes, @r#"
    [
        "tests/fixtures/includes/top.txt:2:4 Requirements tests/fixtures/includes/sub/more.txt",
        "tests/fixtures/includes/sub/more.txt:2:4 Requirements tests/fixtures/includes/sub/../leaf.txt",
        "tests/fixtures/includes/top.txt:4:4 Constraints tests/fixtures/includes/constraints.txt",
        "tests/fixtures/includes/top.txt:4:23 Requirements tests/fixtures/includes/leaf.txt",
    ]
    "#);
    assert_eq!(file.includes[2].kind, IncludeKind::Constraints);
}

#[test]
fn text_includes_are_relative_to_the_origin() {
    let origin = Path::new(FIXTURES).join("virtual.txt");
    let file = parse_requirements_str("-r leaf.txt\nextra-package\n", &origin).unwrap();
    let names: Vec<&str> = file
        .entries
        .iter()
        .map(|entry| entry.name.as_str())
        .collect();
    assert_eq!(names, ["pillow", "extra-package"]);
}

#[test]
fn cycles_name_the_chain() {
    let error = read_requirements_file(&Path::new(FIXTURES).join("cycle_a.txt")).unwrap_err();
    insta::assert_snapshot!(with_hint(&error), @r"
    tests/fixtures/includes/cycle_b.txt:3:15: Include cycle: `tests/fixtures/includes/cycle_a.txt` -> `tests/fixtures/includes/cycle_b.txt` -> `tests/fixtures/includes/./cycle_a.txt`
    hint: Remove one of the `-r`/`-c` lines of the cycle
    ");

    let mut loader = MemoryLoader::new();
    loader.insert("self.txt", "x\n-c self.txt\n");
    let error = read_requirements_file_with(Path::new("self.txt"), &mut loader).unwrap_err();
    insta::assert_snapshot!(error, @"self.txt:2:4: Include cycle: `self.txt` -> `self.txt`");
}

#[test]
fn unreadable_files_are_named() {
    let error = read_requirements_file(Path::new("tests/fixtures/no-such-pak.txt")).unwrap_err();
    insta::assert_snapshot!(with_hint(&error), @r"
    Failed to read requirements file `tests/fixtures/no-such-pak.txt`
      caused by: failed to open file `tests/fixtures/no-such-pak.txt`: No such file or directory (os error 2)
    ");
    let error = read_requirements_file(&Path::new(FIXTURES).join("missing.txt")).unwrap_err();
    insta::assert_snapshot!(with_hint(&error), @r"
    tests/fixtures/includes/missing.txt:2:4: Failed to read included requirements file `tests/fixtures/includes/does-not-exist.txt`
      caused by: failed to open file `tests/fixtures/includes/does-not-exist.txt`: No such file or directory (os error 2)
    ");
    let error = read_requirements_file(Path::new("tests/fixtures/latin1.txt")).unwrap_err();
    insta::assert_snapshot!(with_hint(&error), @r"
    Failed to read requirements file `tests/fixtures/latin1.txt`
      caused by: failed to read from file `tests/fixtures/latin1.txt`: stream did not contain valid UTF-8
    ");
    let error = read_requirements_file(Path::new(FIXTURES)).unwrap_err();
    assert!(
        with_hint(&error).starts_with("Failed to read requirements file `tests/fixtures/includes`")
    );
}

#[test]
fn a_long_chain_of_includes_does_not_recurse() {
    let mut loader = MemoryLoader::new();
    let depth = 20_000;
    for i in 0..depth {
        loader.insert(format!("f{i}.txt"), format!("p{i}\n-r f{}.txt\n", i + 1));
    }
    loader.insert(format!("f{depth}.txt"), "last\n");
    let file = read_requirements_file_with(Path::new("f0.txt"), &mut loader).unwrap();
    assert_eq!(file.entries.len(), depth + 1);
    assert_eq!(
        file.entries[depth].location.to_string(),
        format!("f{depth}.txt:1:1")
    );
}

#[test]
fn a_file_included_many_times_is_read_once() {
    // Every level includes the next twice: 2^40 reads if files were read every time.
    let mut loader = MemoryLoader::new();
    for i in 0..40 {
        let next = i + 1;
        loader.insert(
            format!("l{i}.txt"),
            format!("p{i}\n-r l{next}.txt -r l{next}.txt\n"),
        );
    }
    loader.insert("l40.txt", "leaf\n");
    let file = parse_requirements_str_with("-r l0.txt", Path::new("top.txt"), &mut loader).unwrap();
    assert_eq!(file.entries.len(), 41);
    assert_eq!(file.includes.len(), 1 + 2 * 40);
}

#[test]
fn a_sibling_include_is_not_a_cycle() {
    let mut loader = MemoryLoader::new();
    loader.insert("a.txt", "a\n-r b.txt\n");
    loader.insert("b.txt", "b\n");
    let file = parse_requirements_str_with(
        "-r a.txt -r b.txt\ntop\n",
        Path::new("top.txt"),
        &mut loader,
    )
    .unwrap();
    let names: Vec<&str> = file
        .entries
        .iter()
        .map(|entry| entry.name.as_str())
        .collect();
    assert_eq!(names, ["a", "b", "top"]);
    assert_eq!(file.includes.len(), 3);
}
