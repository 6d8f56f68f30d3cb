//! The TOML a lock is written as, and reading it back: `read(write(x)) == x`, and a re-write is
//! byte-identical.

use std::collections::BTreeMap;
use std::path::Path;

use megapak_lock::{
    DistFormat, LOCK_VERSION, Lock, LockTarget, LockedPackage, LockedSource, OverrideValue,
};
use megapak_types::PackageName;
use proptest::prelude::*;

use crate::{fixtures_dir, small_lock};

fn name(name: &str) -> PackageName {
    name.parse().unwrap()
}

#[test]
fn the_fixture_lock_rewrites_byte_for_byte() {
    let path = fixtures_dir().join("cu130-small/megapak.lock");
    let text = fs_err::read_to_string(&path).unwrap();
    let lock = small_lock();
    assert_eq!(lock.packages.len(), 13);
    similar_asserts(&lock.to_toml(), &text);
    assert_eq!(Lock::from_toml(&lock.to_toml(), &path).unwrap(), lock);
}

/// `assert_eq!` on two long texts, showing the first line that differs.
fn similar_asserts(written: &str, expected: &str) {
    if written != expected {
        let (line, (a, b)) = written
            .lines()
            .zip(expected.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .unwrap_or((0, ("<length differs>", "")));
        panic!(
            "line {}: written\n  {a}\nexpected\n  {b}\n\nwhole text written:\n{written}",
            line + 1
        );
    }
}

/// A lock with every optional field, written in whatever order: the TOML sorts it.
fn full_lock() -> Lock {
    let mut onnxruntime = LockedPackage::new(
        name("onnxruntime-gpu"),
        "1.24.4",
        "nixpkgs",
        LockedSource::Nixpkgs {
            attribute: "onnxruntime".into(),
            override_args: BTreeMap::from([
                ("cudaSupport".into(), OverrideValue::Bool(true)),
                (
                    "cudaPackages".into(),
                    OverrideValue::Attribute("cudaPackages_13_0".into()),
                ),
                ("maxJobs".into(), OverrideValue::Integer(-4)),
                (
                    "variant".into(),
                    OverrideValue::String("cuda \"13\"".into()),
                ),
                ("odd key".into(), OverrideValue::Bool(false)),
            ]),
        },
    );
    onnxruntime.required_by = vec![name("insightface")];
    onnxruntime.notes = vec!["Not in the public binary cache: built from source".into()];

    let mut decord = LockedPackage::new(
        name("decord"),
        "0.6.0",
        "pypi",
        LockedSource::Url {
            url: "https://files.pythonhosted.org/packages/11/79/decord-0.6.0-py3-none-manylinux2010_x86_64.whl".into(),
            filename: "decord-0.6.0-py3-none-manylinux2010_x86_64.whl".into(),
            hash: "sha256-UcC9t2FPtIhe/kbjJPDyL2J6hCRfnF4WrlnkgcbJ9CQ=".into(),
            format: DistFormat::Wheel,
        },
    );
    decord.requested_at = vec!["paks/pak5.txt:12".into()];
    decord.required_by = vec![name("insightface")];
    decord.dependencies = vec![name("numpy")];
    decord.dependencies_from = Some("pypi".into());
    decord.build_system = vec!["setuptools>=61".into()];
    decord.relaxed_dependencies = vec![name("numpy")];
    decord.cuda_libraries = vec!["libcublas".into()];
    decord.import_names = vec!["decord".into()];
    decord.requires_python = Some(">=3.6".into());
    decord.summary = Some("Decord \\ Video \"Loader\"\ttabbed".into());
    decord.license = Some("Apache-2.0".into());
    decord.notes = vec!["line one\nline two".into(), "ünïcödé ${x} ''y''".into()];

    let clip = LockedPackage::new(
        name("clip"),
        "1.0",
        "custom-wheel",
        LockedSource::Git {
            url: "https://github.com/openai/CLIP".into(),
            rev: "dcba3cb2e2827b402d2701e7e1c7d9fed8a20ef1".into(),
            hash: "sha256-Xa5nYmCDRpsEGYyMNpmXPCGl5ceJFSp6dmPxWmpRSSs=".into(),
            submodules: true,
            subdirectory: Some(".".into()),
        },
    );
    let vendored = LockedPackage::new(
        name("vendored"),
        "0.1.0",
        "custom-wheel",
        LockedSource::Path {
            path: "vendor/wheels/vendored-0.1.0.tar.gz".into(),
            hash: "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".into(),
            format: DistFormat::Sdist,
        },
    );
    Lock {
        version: LOCK_VERSION,
        megapak: "0.1.0".into(),
        input_hash: megapak_lock::input_hash(&[("megapak.toml", b"[target]\npython = \"3.14\"\n")]),
        resolvers: vec!["custom-wheel".into(), "nixpkgs".into(), "pypi".into()],
        target: LockTarget {
            python: "3.14".into(),
            system: "x86_64-linux".into(),
            cuda: Some("13.0".into()),
            torch: Some("2.10".into()),
        },
        packages: vec![vendored, onnxruntime, decord, clip],
    }
}

#[test]
fn a_full_lock_as_toml() {
    insta::assert_snapshot!(full_lock().to_toml());
}

#[test]
fn reading_gives_the_lock_back_sorted() {
    let mut lock = full_lock();
    let read = Lock::from_toml(&lock.to_toml(), Path::new("megapak.lock")).unwrap();
    lock.packages.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(read, lock);
    assert_eq!(read.to_toml(), lock.to_toml());
}

#[test]
fn a_cpu_lock_without_packages_round_trips() {
    let lock = Lock {
        version: LOCK_VERSION,
        megapak: "0.1.0".into(),
        input_hash: megapak_lock::input_hash(&[]),
        resolvers: vec![],
        target: LockTarget {
            python: "3.12".into(),
            system: "aarch64-linux".into(),
            cuda: None,
            torch: None,
        },
        packages: vec![],
    };
    insta::assert_snapshot!(lock.to_toml(), @r#"
# This file is generated by `megapak resolve`. Do not edit it by hand.
version = 1
megapak = "0.1.0"
input-hash = "sha256-+mB5h+5Uevnbz/COAJOn7CYWANLnZx1qF3XRULEDXjw="
resolvers = []

[target]
python = "3.12"
system = "aarch64-linux"
"#);
    assert_eq!(
        Lock::from_toml(&lock.to_toml(), Path::new("megapak.lock")).unwrap(),
        lock
    );
}

#[test]
fn get_finds_a_package_by_its_normalized_name() {
    let lock = small_lock();
    let torch = lock.get(&name("Torch")).expect("torch is locked");
    assert_eq!(torch.version, "2.10.0+cu130");
    assert!(lock.get(&name("tensorflow")).is_none());
}

proptest! {
    /// Any text in any string field survives writing and reading.
    #[test]
    fn any_strings_round_trip(
        summary in "\\PC*|[\"\\\\\\n\\t\\r\\u{0}-\\u{1f}\\u{7f}${}'a-z]*",
        note in any::<String>(),
        url in any::<String>(),
        key in any::<String>(),
    ) {
        let mut lock = full_lock();
        lock.packages.sort_by(|a, b| a.name.cmp(&b.name));
        lock.packages[0].summary = Some(summary);
        lock.packages[0].notes = vec![note];
        if let LockedSource::Url { url: u, .. } = &mut lock.packages[1].source {
            *u = url;
        }
        if let LockedSource::Nixpkgs { override_args, .. } = &mut lock.packages[2].source {
            override_args.insert(key, OverrideValue::String("v".into()));
        }
        let text = lock.to_toml();
        let read = Lock::from_toml(&text, Path::new("megapak.lock")).unwrap();
        prop_assert_eq!(&read, &lock);
        prop_assert_eq!(read.to_toml(), text);
    }
}
