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
    insta::assert_snapshot!(with_hint(&error), @"
    tests/fixtures/latin1.txt:1:4: The file is not valid UTF-8: found byte 0xE9
    hint: Save the file as UTF-8: pip would decode it with the machine's locale, so it would not mean the same on every machine
    ");
    let mut loader = MemoryLoader::new();
    loader.insert("bad.txt", b"numpy\nscipy # \xA9 2024\n".to_vec());
    let error =
        parse_requirements_str_with("x\n-r bad.txt", Path::new("r.txt"), &mut loader).unwrap_err();
    insta::assert_snapshot!(with_hint(&error), @"
    bad.txt:2:9: The file is not valid UTF-8: found byte 0xA9
    hint: Save the file as UTF-8: pip would decode it with the machine's locale, so it would not mean the same on every machine
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

#[test]
fn utf16_and_utf32_files_with_a_byte_order_mark_are_read() {
    // What PowerShell's `pip freeze > requirements.txt` writes: UTF-16LE, a BOM, CRLF.
    let file = read_requirements_file(Path::new("tests/fixtures/utf16le.txt")).unwrap();
    insta::assert_snapshot!(summary(&file.entries), @r#"
    tests/fixtures/utf16le.txt:1:1 torch (torch) registry `==2.10.0`
        raw: torch==2.10.0
    tests/fixtures/utf16le.txt:2:1 numpy (numpy) registry `==2.1.0` marker=`python_full_version >= '3.12'`
        raw: numpy==2.1.0 ; python_version >= "3.12"
    tests/fixtures/includes/leaf.txt:1:1 pillow (pillow) registry ``
        raw: pillow
    "#);

    let utf16be = |text: &str| -> Vec<u8> {
        [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect()
    };
    let utf32le = |text: &str| -> Vec<u8> {
        [0xFF, 0xFE, 0, 0]
            .into_iter()
            .chain(text.chars().flat_map(|c| u32::from(c).to_le_bytes()))
            .collect()
    };
    let mut loader = MemoryLoader::new();
    loader.insert("be.txt", utf16be("pillow>=10 # é\n-c c.txt\n"));
    loader.insert("c.txt", utf32le("pillow<12\n"));
    let mut broken = utf16be("ok\nbad");
    broken.extend([0xDC, 0x00]);
    loader.insert("broken.txt", broken);
    let file = parse_requirements_str_with("-r be.txt", Path::new("r.txt"), &mut loader).unwrap();
    assert_eq!(file.entries[0].location.to_string(), "be.txt:1:1");
    assert_eq!(file.entries[0].raw, "pillow>=10");
    assert_eq!(file.constraints[0].raw, "pillow<12");
    let error =
        parse_requirements_str_with("-r broken.txt", Path::new("r.txt"), &mut loader).unwrap_err();
    insta::assert_snapshot!(with_hint(&error), @"
    broken.txt:2:4: The file is not valid UTF-16BE: found the unpaired surrogate 0xDC00
    hint: Save the file as UTF-8
    ");
}
