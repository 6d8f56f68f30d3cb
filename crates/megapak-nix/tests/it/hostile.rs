//! Flakes written to hurt: nesting deeper than any stack, devices, endless or huge files,
//! bytes that are not UTF-8. Each ends in an error with a location, never in a crash.

use std::path::Path;

use megapak_nix::read::{FlakeError, MAX_NESTING, parse_flake_packages, read_flake_packages};

fn parse_message(text: &str) -> String {
    parse_flake_packages(text, Path::new("flake.nix"))
        .unwrap_err()
        .to_string()
}

#[test]
fn fifty_thousand_nested_lists_are_refused_at_the_first_too_deep() {
    // rnix 0.15.1 does not bound the recursion of lists: this overflowed any stack.
    let text = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000));
    insta::assert_snapshot!(parse_message(&text), @"Failed to parse `flake.nix:1:201`: `[` nests more than 200 deep, deeper than megapak reads");
    let text = format!(
        "{}1{}",
        "(\n".repeat(MAX_NESTING + 1),
        ")".repeat(MAX_NESTING + 1)
    );
    insta::assert_snapshot!(parse_message(&text), @"Failed to parse `flake.nix:201:1`: `(` nests more than 200 deep, deeper than megapak reads");
    // Strings and interpolations count too.
    let text = format!("{}x{}", "\"${".repeat(150), "}\"".repeat(150));
    assert!(parse_message(&text).contains("nests more than 200 deep"));
}

#[test]
fn nesting_at_the_limit_parses_on_a_small_callers_stack() {
    // Parentheses and lambdas as deep as megapak reads, parsed from a thread with a 128 KiB
    // stack: the parse runs on a stack of its own.
    let parens = format!(
        "{}[ ps.numpy ]{}",
        "(".repeat(MAX_NESTING - 1),
        ")".repeat(MAX_NESTING - 1)
    );
    let lambdas = format!("{}[ ]", "a: ".repeat(400));
    let handle = std::thread::Builder::new()
        .stack_size(128 << 10)
        .spawn(move || {
            parse_flake_packages(&parens, Path::new("flake.nix")).unwrap();
            parse_flake_packages(&lambdas, Path::new("flake.nix")).unwrap();
            // Past rnix's own recursion limit: an error with the place it gave up.
            let deeper = format!("{}[ ]", "a: ".repeat(5_000));
            parse_flake_packages(&deeper, Path::new("flake.nix"))
                .unwrap_err()
                .to_string()
        })
        .unwrap();
    insta::assert_snapshot!(handle.join().unwrap(), @"Failed to parse `flake.nix:1:1537`: the expression is nested too deeply for the parser");
}

#[test]
fn a_device_is_refused_and_not_read() {
    let error = read_flake_packages(Path::new("/dev/zero")).unwrap_err();
    assert!(matches!(error, FlakeError::Read { .. }));
    let cause = std::error::Error::source(&error).unwrap().to_string();
    assert_eq!(cause, "`/dev/zero` is a character device, not a file");
}

#[test]
fn a_file_past_the_cap_is_refused_naming_the_cap() {
    let dir = std::env::temp_dir().join(format!("megapak-nix-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("flake.nix");
    // 16 MiB and one byte of a comment.
    let mut text = vec![b'#'; (16 << 20) + 1];
    text[0] = b'#';
    std::fs::write(&path, &text).unwrap();
    let error = read_flake_packages(&path).unwrap_err();
    let cause = std::error::Error::source(&error).unwrap().to_string();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        cause.ends_with("is larger than 16 MiB, the most megapak reads of one file"),
        "{cause}"
    );
}

#[test]
fn bytes_that_are_not_utf8_are_named_by_line_and_column() {
    let dir = std::env::temp_dir().join(format!("megapak-nix-utf8-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("flake.nix");
    std::fs::write(&path, b"{\n  x = \"caf\xE9\";\n}\n").unwrap();
    let error = read_flake_packages(&path).unwrap_err().to_string();
    std::fs::remove_dir_all(&dir).unwrap();
    let error = error.replace(&dir.display().to_string(), "DIR");
    insta::assert_snapshot!(error, @"DIR/flake.nix:2:11: The flake is not valid UTF-8: found byte 0xE9");
}
