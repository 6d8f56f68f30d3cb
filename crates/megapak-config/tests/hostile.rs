//! `megapak.toml`s written to hurt or by mistake: devices, bytes that are not UTF-8, versions
//! no image can have, thousands of paks and overrides. Each is refused with a location, or read
//! in time linear in its size (a quadratic path would make these tests run for minutes).

use std::path::Path;

use megapak_config::{Config, ConfigError};
use megapak_types::Hint;

fn error(text: &str) -> String {
    let err = Config::from_str(text, Path::new("/work/megapak.toml"))
        .expect_err("the configuration should be refused");
    with_hint(&err)
}

fn with_hint(err: &ConfigError) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(&format!("\n  caused by: {cause}"));
        source = cause.source();
    }
    if let Some(hint) = err.hint() {
        text.push_str(&format!("\nhint: {hint}"));
    }
    text
}

#[test]
fn python_and_cuda_versions_no_image_can_have_are_refused() {
    insta::assert_snapshot!(error("[target]\npython = \"2.7\"\n"), @r#"/work/megapak.toml:2:10: Unsupported `python` `2.7`: expected a CPython release from 3.9 to 3.15 (at `"2.7"`)"#);
    insta::assert_snapshot!(error("[target]\npython = \"3.99\"\n"), @r#"/work/megapak.toml:2:10: Unsupported `python` `3.99`: expected a CPython release from 3.9 to 3.15 (at `"3.99"`)"#);
    insta::assert_snapshot!(error("[target]\npython = \"3.14\"\ncuda = \"99.9\"\n"), @r#"/work/megapak.toml:3:8: Unsupported `cuda` `99.9`: expected a CUDA release from 11.0 to 13.9, such as `13.0` (at `"99.9"`)"#);
    for python in ["3.9", "3.12", "3.14", "3.15"] {
        let text = format!("[target]\npython = \"{python}\"\ncuda = \"12.8\"\n");
        Config::from_str(&text, Path::new("megapak.toml")).unwrap();
    }
}

#[test]
fn a_device_is_refused_before_reading() {
    let err = Config::load(Path::new("/dev/zero")).unwrap_err();
    insta::assert_snapshot!(with_hint(&err), @r"
    Cannot read the configuration `/dev/zero`
      caused by: `/dev/zero` is a character device, not a file
    ");
}

#[test]
fn bytes_that_are_not_utf8_are_named_by_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("megapak.toml");
    std::fs::write(&path, b"[target]\npython = \"3.14\" # caf\xE9\n").unwrap();
    let err = Config::load(&path).unwrap_err();
    let text = with_hint(&err).replace(&dir.path().display().to_string(), "DIR");
    insta::assert_snapshot!(text, @r"
    DIR/megapak.toml:2:22: The file is not valid UTF-8: found byte 0xE9
    hint: Save the file as UTF-8, the only encoding TOML allows
    ");
}

#[test]
fn twenty_thousand_paks_are_checked_for_duplicates_once_each() {
    // Pairwise, with `canonicalize` on both sides, 16,000 paks took 414 s.
    let dir = tempfile::tempdir().unwrap();
    for i in 0..100 {
        std::fs::write(dir.path().join(format!("p{i}.txt")), "x\n").unwrap();
    }
    let names: Vec<String> = (0..20_000)
        .map(|i| format!("\"p{}.txt\"", if i < 100 { i } else { i + 1000 }))
        .collect();
    let mut text = format!(
        "paks = [\n{}\n]\n[target]\npython = \"3.14\"\n",
        names.join(",\n")
    );
    let path = dir.path().join("megapak.toml");
    assert_eq!(Config::from_str(&text, &path).unwrap().paks.len(), 20_000);
    // The same file through `./` and through a symlink is still found.
    std::os::unix::fs::symlink("p7.txt", dir.path().join("link.txt")).unwrap();
    text = text.replacen("[\n", "[\n\"./p3.txt\", \"link.txt\",\n", 1);
    let err = Config::from_str(&text, &path).unwrap_err().to_string();
    assert!(
        err.ends_with("Pak `p3.txt` is listed twice: first at line 2 (at `\"p3.txt\"`)"),
        "{err}"
    );
}

#[test]
fn a_hundred_thousand_overrides_are_numbered_in_one_pass() {
    let mut text = String::from("[target]\npython = \"3.14\"\n");
    for i in 0..100_000 {
        text.push_str(&format!("[[override]]\npackage = \"p{i}\"\nskip = true\n"));
    }
    let config = Config::from_str(&text, Path::new("megapak.toml")).unwrap();
    assert_eq!(config.overrides.len(), 100_000);
    assert_eq!(config.overrides[99_999].line, 3 + 3 * 99_999);
}
