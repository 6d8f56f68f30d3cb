//! Files that would make a reader grow without bound: devices, endless FIFOs, huge files.
//! Each is refused with a message naming the file, before or as soon as it passes the cap.

use std::path::Path;

use megapak_requirements::{FsLoader, read_requirements_file};

use crate::with_hint;

#[test]
fn a_device_as_a_pak_file_is_refused_before_reading() {
    let error = read_requirements_file(Path::new("/dev/urandom")).unwrap_err();
    insta::assert_snapshot!(chain(&error), @r"
    Failed to read requirements file `/dev/urandom`
    `/dev/urandom` is a character device, not a file
    ");
}

#[test]
fn an_include_of_dev_zero_is_refused_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let pak = dir.path().join("pak.txt");
    std::fs::write(&pak, "torch\n-r /dev/zero\n").unwrap();
    let error = read_requirements_file(&pak).unwrap_err();
    let text = chain(&error).replace(&dir.path().display().to_string(), "DIR");
    insta::assert_snapshot!(text, @r"
    DIR/pak.txt:2:4: Failed to read included requirements file `/dev/zero`
    `/dev/zero` is a character device, not a file
    ");
}

#[test]
fn a_pak_file_past_the_cap_is_refused_with_a_hint() {
    assert_eq!(FsLoader::DEFAULT_MAX_FILE_SIZE, 16 << 20);
    let dir = tempfile::tempdir().unwrap();
    let pak = dir.path().join("pak.txt");
    let line = "torch==2.10.0 # padding padding padding padding padding padding\n";
    let text = line.repeat((16 << 20) / line.len() + 1);
    std::fs::write(&pak, text).unwrap();
    let error = read_requirements_file(&pak).unwrap_err();
    let text = with_hint(&error).replace(&dir.path().display().to_string(), "DIR");
    insta::assert_snapshot!(text, @r"
    Failed to read requirements file `DIR/pak.txt`
      caused by: `DIR/pak.txt` is larger than 16 MiB, the most megapak reads of one file
    hint: A pak file is a list of packages; if this one really is that big, set `MEGAPAK_MAX_FILE_MIB` to the MiB megapak may read of one file
    ");
}

/// The message and its causes, one per line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut lines = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        lines.push(cause.to_string());
        source = cause.source();
    }
    lines.join("\n")
}

#[test]
fn more_than_100_000_requirements_are_refused_at_the_first_past_the_bound() {
    // 16 MiB of `a\n` would be 8 million entries, 16 GB once merged: the entry bound keeps a
    // pak file's memory near 200 MB.
    let text: String = (0..100_001).map(|i| format!("p{i}\n")).collect();
    insta::assert_snapshot!(crate::error(&text), @r"
    r.txt:100001:1: More than 100000 requirements in one pak file and its includes, the most megapak reads
    hint: A pak file lists the packages of one image, a few hundred at most: check that this is the file you meant
    ");
}
