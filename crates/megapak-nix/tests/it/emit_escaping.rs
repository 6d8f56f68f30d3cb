//! Every string of the lock reaches the emitted Nix as a string whose value is the lock's text:
//! `${`, `"`, `\`, `''`, `$`, newlines and any Unicode are never code. Checked through rnix's
//! parse for random strings, and through a real Nix evaluation for a table of hostile ones.

use std::collections::BTreeMap;

use megapak_lock::{DistFormat, Lock, LockedPackage, LockedSource, OverrideValue};
use megapak_nix::emit::{EmitOptions, EmittedFiles, emit};
use proptest::prelude::*;
use rnix::ast::{self, InterpolPart};
use rowan::ast::AstNode as _;

use crate::emit::{locks_dir, rnix_errors, small_lock};

/// The strings a test puts into the lock.
#[derive(Debug, Clone)]
struct Strings {
    version: String,
    url: String,
    summary: String,
    import_name: String,
    subdirectory: String,
    override_string: String,
}

/// A lock with a wheel, a checkout in a subfolder and an overridden nixpkgs attribute, each
/// holding `strings`.
fn lock_with(strings: &Strings) -> Lock {
    let mut wheel = LockedPackage::new(
        "tricky".parse().unwrap(),
        strings.version.clone(),
        "pypi",
        LockedSource::Url {
            url: strings.url.clone(),
            filename: "tricky-1.0-py3-none-any.whl".into(),
            hash: "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".into(),
            format: DistFormat::Wheel,
        },
    );
    wheel.summary = Some(strings.summary.clone());
    wheel.import_names = vec![strings.import_name.clone()];
    let checkout = LockedPackage::new(
        "checkout".parse().unwrap(),
        "1.0",
        "custom-wheel",
        LockedSource::Git {
            url: "https://example.invalid/checkout".into(),
            rev: "dcba3cb2e2827b402d2701e7e1c7d9fed8a20ef1".into(),
            hash: "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".into(),
            submodules: false,
            subdirectory: Some(format!("sub/{}", strings.subdirectory)),
        },
    );
    let overridden = LockedPackage::new(
        "onnxruntime-gpu".parse().unwrap(),
        "1.24.4",
        "nixpkgs",
        LockedSource::Nixpkgs {
            attribute: "onnxruntime".into(),
            override_args: BTreeMap::from([(
                "variant".into(),
                OverrideValue::String(strings.override_string.clone()),
            )]),
        },
    );
    Lock {
        packages: vec![wheel, checkout, overridden],
        ..small_lock()
    }
}

fn emitted(lock: &Lock) -> EmittedFiles {
    emit(lock, &EmitOptions::default()).expect("the lock emits")
}

/// The value of the string bound to `key` in `text`, rebuilt from rnix's parts; the
/// interpolations it holds are written `${…}`.
fn bound_string(text: &str, key: &str) -> String {
    let root = rnix::Root::parse(text).tree();
    let binding = root
        .syntax()
        .descendants()
        .filter_map(ast::AttrpathValue::cast)
        .find(|binding| {
            binding
                .attrpath()
                .is_some_and(|path| path.to_string() == key)
        })
        .unwrap_or_else(|| panic!("no `{key}` in:\n{text}"));
    let value = binding.value().expect("a value");
    let string = ast::Str::cast(value.syntax().clone())
        .unwrap_or_else(|| panic!("`{key}` is not a string: {value}"));
    string
        .normalized_parts()
        .into_iter()
        .map(|part| match part {
            InterpolPart::Literal(literal) => literal,
            InterpolPart::Interpolation(_) => "${…}".to_owned(),
        })
        .collect()
}

/// The string items of the list bound to `key`.
fn bound_list_strings(text: &str, key: &str) -> Vec<String> {
    let root = rnix::Root::parse(text).tree();
    let binding = root
        .syntax()
        .descendants()
        .filter_map(ast::AttrpathValue::cast)
        .find(|binding| {
            binding
                .attrpath()
                .is_some_and(|path| path.to_string() == key)
        })
        .unwrap_or_else(|| panic!("no `{key}` in:\n{text}"));
    binding
        .value()
        .and_then(|value| ast::List::cast(value.syntax().clone()))
        .expect("a list")
        .items()
        .map(|item| {
            let string = ast::Str::cast(item.syntax().clone()).expect("a string item");
            string
                .normalized_parts()
                .into_iter()
                .map(|part| match part {
                    InterpolPart::Literal(literal) => literal,
                    InterpolPart::Interpolation(_) => "${…}".to_owned(),
                })
                .collect()
        })
        .collect()
}

fn check_through_rnix(strings: &Strings) {
    let files = emitted(&lock_with(strings));
    for file in &files.files {
        assert_eq!(
            rnix_errors(&file.contents),
            Vec::<String>::new(),
            "{}",
            file.contents
        );
    }
    let wheel = &files.get("nix/pkgs/tricky.nix".as_ref()).unwrap().contents;
    assert_eq!(bound_string(wheel, "version"), strings.version);
    assert_eq!(bound_string(wheel, "url"), strings.url);
    assert_eq!(bound_string(wheel, "description"), strings.summary);
    assert_eq!(
        bound_list_strings(wheel, "pythonImportsCheck"),
        std::slice::from_ref(&strings.import_name)
    );
    let checkout = &files
        .get("nix/pkgs/checkout.nix".as_ref())
        .unwrap()
        .contents;
    assert_eq!(
        bound_string(checkout, "sourceRoot"),
        format!(
            "${{…}}/{}",
            format!("sub/{}", strings.subdirectory).trim_end_matches('/')
        )
    );
    let overlay = &files
        .get("nix/python-packages.nix".as_ref())
        .unwrap()
        .contents;
    assert_eq!(bound_string(overlay, "variant"), strings.override_string);
}

/// Text made of the pieces that matter to Nix's lexer, and some that do not.
fn hostile() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("${".to_owned()),
            Just("$".to_owned()),
            Just("{".to_owned()),
            Just("}".to_owned()),
            Just("\"".to_owned()),
            Just("\\".to_owned()),
            Just("''".to_owned()),
            Just("'".to_owned()),
            Just("\n".to_owned()),
            Just("\r".to_owned()),
            Just("\t".to_owned()),
            Just("#".to_owned()),
            Just("/*".to_owned()),
            "[a-z0-9 .:/-]{1,4}",
            "\\PC",
        ],
        0..16,
    )
    .prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn lock_strings_are_nix_string_values(
        version in hostile(),
        url in hostile(),
        summary in hostile(),
        import_name in hostile(),
        subdirectory in hostile(),
        override_string in hostile(),
    ) {
        // An empty URL is refused, rightly: keep one character.
        let url = format!("h{url}");
        check_through_rnix(&Strings { version, url, summary, import_name, subdirectory, override_string });
    }
}

/// Strings a plain `format!("\"{}\"")` would turn into code or a parse error.
fn table() -> Vec<Strings> {
    let hostile = [
        "${builtins.abort \"x\"}",
        "$${x}",
        "\\${x}",
        "a\"b",
        "back\\slash\\",
        "''${x}''",
        "line\nbreak\r\n",
        "tab\there",
        "ünïcødé 🦀 ∀",
        "trailing $",
        "$",
        "",
    ];
    hostile
        .iter()
        .enumerate()
        .map(|(index, text)| {
            let other = hostile[(index + 1) % hostile.len()];
            Strings {
                version: format!("1.0{text}"),
                url: format!("https://example.invalid/{other}"),
                summary: (*text).to_owned(),
                import_name: other.to_owned(),
                subdirectory: (*text).to_owned(),
                override_string: other.to_owned(),
            }
        })
        .collect()
}

#[test]
fn hostile_strings_are_string_values_for_rnix() {
    for strings in table() {
        check_through_rnix(&strings);
    }
}

/// The same table evaluated by Nix itself against the stand-in package set: the evaluated
/// values are the lock's strings.
#[test]
#[expect(clippy::print_stderr, reason = "a skipped test says why")]
fn hostile_strings_are_string_values_for_nix() {
    let fixture = locks_dir().join("nix-eval/package-set.nix");
    for strings in table() {
        let root = tempfile::tempdir().unwrap();
        let mut lock = lock_with(&strings);
        // The stand-in set's `onnxruntime` takes no `variant`.
        lock.packages.pop();
        emitted(&lock).write_atomically(root.path()).unwrap();
        let output = match std::process::Command::new("nix-instantiate")
            .args(["--readonly-mode", "--eval", "--strict", "--json"])
            .arg(&fixture)
            .arg("--arg")
            .arg("emitted")
            .arg(root.path().join("nix"))
            .output()
        {
            Ok(output) => output,
            Err(error) => {
                eprintln!(
                    "skipped: `nix-instantiate` could not be run ({error}); install `nix-bin`"
                );
                return;
            }
        };
        assert!(
            output.status.success(),
            "{strings:?}:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let tricky = json
            .as_array()
            .unwrap()
            .iter()
            .find(|package| package["pname"] == "tricky")
            .unwrap();
        assert_eq!(tricky["version"], strings.version.as_str());
        assert_eq!(tricky["src"]["url"], strings.url.as_str());
        assert_eq!(tricky["meta"]["description"], strings.summary.as_str());
        assert_eq!(
            tricky["pythonImportsCheck"][0],
            strings.import_name.as_str()
        );
        let checkout = json
            .as_array()
            .unwrap()
            .iter()
            .find(|package| package["pname"] == "checkout")
            .unwrap();
        assert_eq!(
            checkout["sourceRoot"],
            format!(
                "checkout-dcba3cb/{}",
                format!("sub/{}", strings.subdirectory).trim_end_matches('/')
            )
        );
    }
}
