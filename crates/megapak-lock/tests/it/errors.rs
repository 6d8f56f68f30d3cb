//! What a broken lock is told: `megapak.lock:line:column` and what is wrong.

use std::path::Path;

use megapak_lock::{Lock, LockError};
use megapak_types::Hint as _;

const GOOD: &str = r#"version = 1
megapak = "0.1.0"
input-hash = "sha256-x"
resolvers = ["pypi"]

[target]
python = "3.14"
system = "x86_64-linux"

[[package]]
name = "numpy"
version = "2.3.4"
provider = "nixpkgs"
source = { kind = "nixpkgs", attribute = "numpy" }
"#;

fn error(text: &str) -> LockError {
    Lock::from_toml(text, Path::new("ws/megapak.lock")).expect_err("the lock is refused")
}

#[test]
fn the_good_lock_reads() {
    let lock = Lock::from_toml(GOOD, Path::new("megapak.lock")).unwrap();
    assert_eq!(lock.packages[0].name.as_str(), "numpy");
}

#[test]
fn errors_name_file_line_and_column() {
    let cases = [
        GOOD.replace("version = \"2.3.4\"", "version = 2"),
        GOOD.replace(
            "provider = \"nixpkgs\"\n",
            "provider = \"nixpkgs\"\nfrobnicate = true\n",
        ),
        GOOD.replace("kind = \"nixpkgs\"", "kind = \"ftp\""),
        GOOD.replace(
            "attribute = \"numpy\"",
            "attribute = \"numpy\", hash = \"x\"",
        ),
        GOOD.replace(
            "attribute = \"numpy\"",
            "attribute = \"numpy\", override = { cudaPackages = { attr = \"x\" } }",
        ),
        GOOD.replace(
            "attribute = \"numpy\"",
            "attribute = \"numpy\", override = { a = [1] }",
        ),
        GOOD.replace("name = \"numpy\"", "name = \"-numpy\""),
        GOOD.replace("system = \"x86_64-linux\"\n", ""),
        GOOD.replace("[[package]]", "[[package]\n"),
        format!(
            "{GOOD}\n[[package]]\nname = \"NumPy\"\nversion = \"1\"\nprovider = \"pypi\"\nsource = {{ kind = \"nixpkgs\", attribute = \"numpy\" }}\n"
        ),
        GOOD.replace("version = 1", "version = 0"),
        GOOD.replace("version = 1", "version = \"1\""),
    ];
    let messages: Vec<String> = cases.iter().map(|text| error(text).to_string()).collect();
    insta::assert_snapshot!(messages.join("\n"), @r#"
ws/megapak.lock:12:11: Invalid type: integer `2`, expected a string
ws/megapak.lock:14:1: Unknown field `frobnicate`, expected one of `name`, `version`, `provider`, `requested-at`, `required-by`, `dependencies`, `dependencies-from`, `build-system`, `relaxed-dependencies`, `cuda-libraries`, `import-names`, `requires-python`, `summary`, `license`, `notes`, `source`
ws/megapak.lock:14:19: Unknown variant `ftp`, expected one of `nixpkgs`, `url`, `git`, `path`
ws/megapak.lock:14:10: Unknown field `hash`, expected `attribute` or `override`
ws/megapak.lock:14:10: Unknown field `attr`, expected `attribute`
ws/megapak.lock:14:10: Invalid type: sequence, expected a boolean, an integer, a string or `{ attribute = "..." }`
ws/megapak.lock:11:8: Invalid package name `-numpy`: expected ASCII letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit
ws/megapak.lock:6:1: Missing field `system`
ws/megapak.lock:10:11: Unclosed array table, expected `]`
ws/megapak.lock:17:8: Package `numpy` is locked twice: first at line 11
ws/megapak.lock:1:11: Unknown lock format version `0`
ws/megapak.lock:1:11: Invalid type: string "1", expected u32
"#);
}

#[test]
fn a_newer_format_is_refused_by_number_with_a_hint() {
    let newer = GOOD
        .replace("version = 1", "version = 2")
        .replace("megapak = \"0.1.0\"", "megapak = \"0.3.0\"")
        .replace("[target]", "new-key = true\n\n[target]");
    let error = error(&newer);
    assert!(
        matches!(error, LockError::TooNew { found: 2, .. }),
        "{error:?}"
    );
    insta::assert_snapshot!(error.to_string(), @"ws/megapak.lock:1:11: Lock format version 2, written by megapak `0.3.0`, is newer than this megapak reads (version 1)");
    insta::assert_snapshot!(error.hint().unwrap(), @"upgrade megapak (this is megapak `0.1.0`) to `0.3.0` or newer, or delete the lock and run `megapak resolve` to lock again with this one");
}

#[test]
fn a_lock_that_is_not_utf8_is_named_where_it_breaks() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("megapak.lock");
    let mut bytes = GOOD.as_bytes().to_vec();
    bytes.splice(14..14, [0xff, 0xfe]);
    fs_err::write(&path, bytes).unwrap();
    let error = Lock::read(&path).unwrap_err();
    let message = error.to_string();
    let message = message.replace(&folder.path().display().to_string(), "<tmp>");
    insta::assert_snapshot!(message, @"<tmp>/megapak.lock:2:3: The lock is not UTF-8 text");
}

#[test]
fn a_missing_lock_is_named() {
    let error = Lock::read(Path::new("no/such/megapak.lock")).unwrap_err();
    assert!(matches!(error, LockError::Read { .. }));
    assert_eq!(
        error.to_string(),
        "Cannot read the lock `no/such/megapak.lock`"
    );
}
