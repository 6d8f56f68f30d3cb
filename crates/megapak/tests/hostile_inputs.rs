//! `megapak status` against hostile or careless input (issue #15): no crash (exit 134), no
//! input replaced, no memory growing without bound, no escape sequence reaching the terminal.

mod common;

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Command;

use common::{Run, megapak, megapak_with_env};

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// megapak under `ulimit -s KIB`, through `sh`.
fn megapak_with_stack(
    dir: &Path,
    stack_kib: u32,
    args: &[&str],
) -> (Option<i32>, Option<i32>, String) {
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -s {stack_kib} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_megapak"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        output.status.code(),
        output.status.signal(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn deep_flakes_end_in_an_error_under_a_256_kib_stack() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "p.txt", "numpy\n");
    // 50,000 nested lists in 100 KB overflowed any stack in rnix 0.15.1.
    write(
        dir.path(),
        "lists.nix",
        &format!("{}{}", "[".repeat(50_000), "]".repeat(50_000)),
    );
    let (code, signal, stderr) = megapak_with_stack(
        dir.path(),
        256,
        &["status", "--paks", "p.txt", "--flake", "lists.nix"],
    );
    assert_eq!((code, signal), (Some(1), None), "{stderr}");
    assert!(
        stderr.contains("lists.nix:1:201`: `[` nests more than 200 deep"),
        "{stderr}"
    );
    // As deep as megapak reads (197 parentheses, a function, a list); 200 parentheses aborted
    // under this stack before.
    let parens = format!(
        "{}python3.withPackages (ps: [ ps.numpy ]){}",
        "(".repeat(197),
        ")".repeat(197)
    );
    write(dir.path(), "parens.nix", &parens);
    let (code, signal, stderr) = megapak_with_stack(
        dir.path(),
        256,
        &["status", "--paks", "p.txt", "--flake", "parens.nix"],
    );
    assert_eq!((code, signal), (Some(0), None), "{stderr}");
    write(
        dir.path(),
        "lambdas.nix",
        &format!("{}[ ]", "a: ".repeat(5_000)),
    );
    let (code, signal, stderr) = megapak_with_stack(
        dir.path(),
        256,
        &["status", "--paks", "p.txt", "--flake", "lambdas.nix"],
    );
    assert_eq!((code, signal), (Some(1), None), "{stderr}");
    assert!(
        stderr.contains("nested too deeply for the parser"),
        "{stderr}"
    );
}

#[test]
fn devices_are_refused_before_a_byte_is_read() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "p.txt", "numpy\n-r /dev/zero\n");
    write(dir.path(), "ok.txt", "numpy\n");
    for args in [
        &["status", "--paks", "p.txt"][..],
        &["status", "--paks", "/dev/urandom"],
        &["status", "--config", "/dev/zero"],
        &["status", "--paks", "ok.txt", "--flake", "/dev/zero"],
    ] {
        let run = megapak(dir.path(), args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("is a character device, not a file"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_pak_file_past_the_cap_names_the_cap_and_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "big.txt", &"numpy\n".repeat((1 << 20) / 6 + 1));
    let run = megapak_with_env(
        dir.path(),
        &["status", "--paks", "big.txt"],
        &[("MEGAPAK_MAX_FILE_MIB", "1")],
    );
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 1
    --- stdout
    --- stderr
    error: Failed to read requirements file `big.txt`
      Caused by: `big.txt` is larger than 1 MiB, the most megapak reads of one file
    hint: A pak file is a list of packages; if this one really is that big, set `MEGAPAK_MAX_FILE_MIB` to the MiB megapak may read of one file
    ");
}

#[test]
fn escape_sequences_in_a_pak_line_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "p.txt",
        "numpy\n\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}torch==1\n",
    );
    // Colours forced: anstream passes escapes through, as to a terminal.
    let run = megapak(
        dir.path(),
        &["--color", "always", "status", "--paks", "p.txt"],
    );
    assert_eq!(run.code, 1);
    // Only megapak's own colours: `ESC [ ... m`.
    let raw_escapes = run.stderr.split('\u{1b}').skip(1);
    assert!(
        raw_escapes.clone().all(|after| after.starts_with('[')
            && after[1..].starts_with(|c: char| c.is_ascii_digit() || c == 'm')),
        "{}",
        run.stderr
    );
    assert!(
        !raw_escapes.clone().any(|after| after.starts_with("[2J")),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains('\u{202e}'), "{}", run.stderr);
    assert!(
        run.stderr
            .contains(r"`pwned\u{7}\u{1b}[2J\u{202e}torch==1`"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_folder_as_the_output_is_named_as_one() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "p.txt", "numpy\n");
    let run = megapak(dir.path(), &["status", "--paks", "p.txt", "-o", "."]);
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 1
    --- stdout
    --- stderr
    error: Cannot write the report to `.`
      Caused by: `.` is a folder: name a file
    ");
}

#[test]
fn an_output_that_is_an_input_is_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "p.txt", "numpy\n-r inc.txt\n");
    write(dir.path(), "inc.txt", "torch\n");
    write(dir.path(), "flake.nix", "{ }\n");
    std::os::unix::fs::symlink("p.txt", dir.path().join("link.txt")).unwrap();
    for output in ["p.txt", "inc.txt", "flake.nix", "link.txt"] {
        let run: Run = megapak(
            dir.path(),
            &[
                "status",
                "--paks",
                "p.txt",
                "--flake",
                "flake.nix",
                "-o",
                output,
            ],
        );
        assert_eq!(run.code, 1, "{output}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("megapak never writes over what it reads"),
            "{}",
            run.stderr
        );
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("p.txt")).unwrap(),
        "numpy\n-r inc.txt\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("inc.txt")).unwrap(),
        "torch\n"
    );
}
