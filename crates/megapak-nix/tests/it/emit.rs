//! The Nix emitted for the fixture locks of `fixtures/locks/`: one snapshot per file, each file
//! parsed by rnix without errors, and the emitter's refusals.

use std::path::{Path, PathBuf};

use megapak_lock::{DistFormat, Lock, LockedPackage, LockedSource};
use megapak_nix::emit::{EmitError, EmitOptions, EmittedFiles, emit};
use megapak_types::Hint as _;

/// `fixtures/locks/` of the workspace.
pub(crate) fn locks_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/locks")
}

/// The thirteen-package CUDA 13.0 fixture lock.
pub(crate) fn small_lock() -> Lock {
    Lock::read(&locks_dir().join("cu130-small/megapak.lock")).expect("fixture lock reads")
}

/// What the fixture emits, with a fixed megapak version so snapshots do not move with releases.
pub(crate) fn emitted(lock: &Lock) -> EmittedFiles {
    let options = EmitOptions {
        megapak_version: "0.1.0".to_owned(),
        ..EmitOptions::default()
    };
    emit(lock, &options).expect("the lock emits")
}

/// The rnix errors of `text`, empty when it parses.
pub(crate) fn rnix_errors(text: &str) -> Vec<String> {
    rnix::Root::parse(text)
        .errors()
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn the_small_lock_emits_these_files() {
    let files = emitted(&small_lock());
    let paths: Vec<String> = files
        .files
        .iter()
        .map(|file| file.path.display().to_string())
        .collect();
    insta::assert_snapshot!(paths.join("\n"), @r"
nix/pkgs/clip.nix
nix/pkgs/cupy-cuda13x.nix
nix/pkgs/decord.nix
nix/pkgs/fastrlock.nix
nix/pkgs/insightface.nix
nix/pkgs/nvidia-cublas.nix
nix/pkgs/nvidia-cuda-runtime.nix
nix/pkgs/spandrel.nix
nix/pkgs/torch.nix
nix/pkgs/vendored.nix
nix/python-packages.nix
nix/packages.nix
");
    for file in &files.files {
        assert_eq!(
            rnix_errors(&file.contents),
            Vec::<String>::new(),
            "{}",
            file.path.display()
        );
        let name = file
            .path
            .display()
            .to_string()
            .trim_end_matches(".nix")
            .replace('/', "__");
        insta::assert_snapshot!(format!("cu130_small__{name}"), file.contents);
    }
}

#[test]
fn emitting_twice_gives_the_same_bytes() {
    let lock = small_lock();
    assert_eq!(emitted(&lock), emitted(&lock));
    let mut reversed = lock.clone();
    reversed.packages.reverse();
    assert_eq!(emitted(&reversed), emitted(&lock));
}

/// A re-resolve that changes one package rewrites that package's file, the overlay and the
/// list, and no other package's file: their headers do not name the lock's hash.
#[test]
fn a_changed_package_changes_only_its_own_file() {
    let lock = small_lock();
    let mut changed = lock.clone();
    let clip = changed
        .packages
        .iter_mut()
        .find(|p| p.name.as_ref() == "clip")
        .expect("the fixture has clip");
    clip.version = "9.9.9".to_owned();
    let paths_that_differ: Vec<String> = emitted(&lock)
        .files
        .iter()
        .zip(&emitted(&changed).files)
        .filter(|(before, after)| before != after)
        .map(|(before, _)| before.path.display().to_string())
        .collect();
    assert_eq!(
        paths_that_differ,
        [
            "nix/pkgs/clip.nix",
            "nix/python-packages.nix",
            "nix/packages.nix"
        ]
    );
}

fn wheel(name: &str, hash: &str) -> LockedPackage {
    LockedPackage::new(
        name.parse().unwrap(),
        "1.0",
        "pypi",
        LockedSource::Url {
            url: format!("https://example.invalid/{name}-1.0-py3-none-any.whl"),
            filename: format!("{name}-1.0-py3-none-any.whl"),
            hash: hash.to_owned(),
            format: DistFormat::Wheel,
        },
    )
}

fn refusal(change: impl FnOnce(&mut Lock)) -> String {
    let mut lock = small_lock();
    change(&mut lock);
    let error = emit(&lock, &EmitOptions::default()).expect_err("the lock is refused");
    format!("{error}\nhint: {}", error.hint().unwrap_or_default())
}

#[test]
fn a_missing_hash_is_an_error_naming_the_package() {
    let message = refusal(|lock| lock.packages.push(wheel("nohash", "")));
    insta::assert_snapshot!(message, @r"
Package `nohash` has no hash in the lock: its source cannot be fetched reproducibly
hint: run `megapak resolve` again: the lock is its output, not meant to be edited by hand
");
    assert!(matches!(
        emit(
            &Lock {
                packages: vec![wheel("nohash", "  ")],
                ..small_lock()
            },
            &EmitOptions::default()
        ),
        Err(EmitError::MissingHash { .. })
    ));
}

#[test]
fn every_refusal_names_what_is_wrong() {
    let messages = [
        refusal(|lock| lock.packages.push(wheel("badhash", "sha256-short"))),
        refusal(|lock| {
            lock.packages
                .push(wheel("md5", "md5-AAAAAAAAAAAAAAAAAAAAAA=="))
        }),
        refusal(|lock| {
            lock.packages[0]
                .dependencies
                .push("unlocked".parse().unwrap());
        }),
        refusal(|lock| {
            // A second package that would be nixpkgs' `onnxruntime`.
            lock.packages.push(wheel(
                "onnxruntime",
                "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            ));
        }),
        refusal(|lock| lock.target.cuda = None),
        refusal(|lock| lock.target.cuda = Some("13".into())),
        refusal(|lock| {
            if let LockedSource::Url { filename, .. } = &mut lock.packages[2].source {
                *filename = "decord 0.6.0.whl".into();
            }
        }),
        refusal(|lock| {
            let last = lock.packages.len() - 1;
            if let LockedSource::Path { path, .. } = &mut lock.packages[last].source {
                *path = "/home/me/vendored-0.1.0-py3-none-any.whl".into();
            }
        }),
        refusal(|lock| lock.packages[0].build_system = vec![">=61".into()]),
        refusal(|lock| {
            lock.packages.push(wheel(
                "zlib",
                "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            ))
        }),
        refusal(|lock| {
            if let LockedSource::Git { rev, .. } = &mut lock.packages[0].source {
                *rev = "main".into();
            }
        }),
        refusal(|lock| {
            if let LockedSource::Git { rev, .. } = &mut lock.packages[0].source {
                rev.clear();
            }
        }),
    ];
    insta::assert_snapshot!(messages.join("\n\n"), @r#"
Package `badhash` has the hash `sha256-short`, which is not an SRI hash (`sha256-<base64>`)
hint: run `megapak resolve` again: the lock is its output, not meant to be edited by hand

Package `md5` has the hash `md5-AAAAAAAAAAAAAAAAAAAAAA==`, which is not an SRI hash (`sha256-<base64>`)
hint: run `megapak resolve` again: the lock is its output, not meant to be edited by hand

Package `clip` depends on `unlocked`, which the lock does not have
hint: run `megapak resolve` again: the lock is its output, not meant to be edited by hand

Packages `onnxruntime` and `onnxruntime-gpu` would both be the Python attribute `onnxruntime`
hint: keep one of `onnxruntime` and `onnxruntime-gpu` with an `[[override]]` in `megapak.toml` (`skip = true` for the other), then run `megapak resolve`

Package `cupy-cuda13x` links CUDA libraries, but the lock's target has no CUDA version
hint: set `cuda = "MAJOR.MINOR"` in `[target]` of `megapak.toml`, then run `megapak resolve`

The lock's target CUDA version `13` is not `MAJOR.MINOR`
hint: set `cuda = "MAJOR.MINOR"` in `[target]` of `megapak.toml`, then run `megapak resolve`

The file name `decord 0.6.0.whl` of package `decord` cannot name a Nix store path
hint: pin a file whose name has only ASCII letters, digits and `+-._?=`, then run `megapak resolve`

Package `vendored` has the absolute path `/home/me/vendored-0.1.0-py3-none-any.whl`; the lock keeps paths relative to the workspace
hint: move the file into the workspace folder, then run `megapak resolve`

Package `clip` has the build requirement `>=61`, which does not start with a package name
hint: run `megapak resolve` again: the lock is its output, not meant to be edited by hand

Package `zlib` would be the Python attribute `zlib`, which the emitted package files take from nixpkgs
hint: leave `zlib` to nixpkgs with an `[[override]]` in `megapak.toml` (`provider = "nixpkgs"`), then run `megapak resolve`

Package `clip` has the git revision `main`, which is not a full commit id
hint: run `megapak resolve` again: the lock is its output, not meant to be edited by hand

Package `clip` has an empty `rev` in its source
hint: run `megapak resolve` again: the lock is its output, not meant to be edited by hand
"#);
}

#[test]
fn writing_replaces_stale_package_files_and_keeps_hand_written_ones() {
    let root = tempfile::tempdir().unwrap();
    let packages = root.path().join("nix/pkgs");
    fs_err::create_dir_all(&packages).unwrap();
    let stale = packages.join("removed-package.nix");
    fs_err::write(
        &stale,
        "# Generated by megapak 0.0.9 from megapak.lock (sha256-x).\n{ }: { }\n",
    )
    .unwrap();
    let hand_written = packages.join("mine.nix");
    fs_err::write(&hand_written, "# Written by hand.\n{ }: { }\n").unwrap();

    let files = emitted(&small_lock());
    files.write_atomically(root.path()).unwrap();
    assert!(!stale.exists());
    assert!(hand_written.exists());
    for file in &files.files {
        assert_eq!(
            fs_err::read_to_string(root.path().join(&file.path)).unwrap(),
            file.contents
        );
    }
    let mut names: Vec<String> = fs_err::read_dir(&packages)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 11, "{names:?}");
    assert!(
        names.iter().all(|name| !name.ends_with(".tmp")),
        "{names:?}"
    );

    // A second write of the same files changes nothing.
    let torch = root.path().join("nix/pkgs/torch.nix");
    let modified = fs_err::metadata(&torch).unwrap().modified().unwrap();
    files.write_atomically(root.path()).unwrap();
    assert_eq!(
        fs_err::metadata(&torch).unwrap().modified().unwrap(),
        modified
    );
}

#[test]
fn a_cpu_lock_without_nixpkgs_packages_needs_no_let() {
    let mut lock = small_lock();
    lock.target.cuda = None;
    lock.packages.retain(|package| {
        package.cuda_libraries.is_empty() && !matches!(package.source, LockedSource::Nixpkgs { .. })
    });
    for package in &mut lock.packages {
        package.dependencies.retain(|dependency| {
            ["nvidia-cublas", "nvidia-cuda-runtime", "torch"].contains(&dependency.as_str())
        });
    }
    let files = emitted(&lock);
    let overlay = &files
        .get(Path::new("nix/python-packages.nix"))
        .unwrap()
        .contents;
    insta::assert_snapshot!(overlay, @r"
# Generated by megapak 0.1.0 from megapak.lock (sha256-iIb3UUDYIZ7qsfg8iKzpywbV6aqi6dhLRC3naGkv1eo=).
# Do not edit: `megapak emit` writes it again from the lock.
{ pkgs }:
final: prev: {
  clip = final.callPackage ./pkgs/clip.nix { };
  decord = final.callPackage ./pkgs/decord.nix { };
  fastrlock = final.callPackage ./pkgs/fastrlock.nix { };
  insightface = final.callPackage ./pkgs/insightface.nix { };
  nvidia-cublas = final.callPackage ./pkgs/nvidia-cublas.nix { };
  nvidia-cuda-runtime = final.callPackage ./pkgs/nvidia-cuda-runtime.nix { };
  spandrel = final.callPackage ./pkgs/spandrel.nix { };
  torch = final.callPackage ./pkgs/torch.nix { };
  vendored = final.callPackage ./pkgs/vendored.nix { };
}
");
    let decord = &files
        .get(Path::new("nix/pkgs/decord.nix"))
        .unwrap()
        .contents;
    assert!(!decord.contains("libcuda.so.1"), "{decord}");
    assert_eq!(rnix_errors(overlay), Vec::<String>::new());
}

#[test]
fn two_names_of_one_nixpkgs_package_are_one_attribute_the_override_wins() {
    // `insightface` needs `onnxruntime`; the pak files ask for `onnxruntime-gpu`: nixpkgs has
    // both as `onnxruntime`, and the CUDA build serves both.
    let mut lock = small_lock();
    let gpu = lock
        .get(&"onnxruntime-gpu".parse().unwrap())
        .expect("the fixture has onnxruntime-gpu")
        .clone();
    let plain = LockedPackage::new(
        "onnxruntime".parse().unwrap(),
        gpu.version.clone(),
        "nixpkgs",
        LockedSource::Nixpkgs {
            attribute: "onnxruntime".into(),
            override_args: Default::default(),
        },
    );
    lock.packages.push(plain);
    lock.packages.sort_by(|a, b| a.name.cmp(&b.name));
    let files = emitted(&lock);
    let overlay = &files
        .get(Path::new("nix/python-packages.nix"))
        .unwrap()
        .contents;
    let definitions: Vec<&str> = overlay
        .lines()
        .filter(|line| line.trim_start().starts_with("onnxruntime ="))
        .collect();
    assert_eq!(definitions.len(), 1, "{overlay}");
    assert!(overlay.contains("cudaSupport = true"), "{overlay}");
    let list = &files.get(Path::new("nix/packages.nix")).unwrap().contents;
    assert_eq!(list.matches("onnxruntime").count(), 1, "{list}");
}
