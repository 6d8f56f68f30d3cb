//! Git sources against local repositories: `file://`, a `git daemon` on 127.0.0.1 and dumb HTTP
//! from the tests' server; hashes compared with `nix hash path` of the same checkout.

use std::ffi::OsStr;
use std::net::TcpListener;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use megapak_plugin_abi::wire::{
    CandidatesOutcome, CandidatesResponse, DetailsOutcome, DetailsResponse, Source,
};
use megapak_plugin_custom_wheel::CustomWheelResolver;
use megapak_plugin_custom_wheel::git::nar::nar_sri;
use megapak_plugin_testing::Harness;

use crate::support::{self, Served, Server, git, git_query, nix_hash};

/// Two repositories under `root`: `lib.git` (the submodule) and `pkg` (the package), with an
/// executable, symlinks (one dangling), non-ASCII names, a tag and a branch.
fn repositories(root: &Path) -> (PathBuf, String) {
    let lib = root.join("lib");
    fs_err::create_dir_all(&lib).unwrap();
    git(&lib, &["init", "--quiet", "--initial-branch=main"]);
    fs_err::write(lib.join("helper.c"), "int helper(void) { return 1; }\n").unwrap();
    git(&lib, &["add", "."]);
    git(&lib, &["commit", "--quiet", "-m", "helper"]);

    let pkg = root.join("pkg");
    fs_err::create_dir_all(pkg.join("src/cstr")).unwrap();
    fs_err::write(
        pkg.join("pyproject.toml"),
        "[project]\nname = \"cstr\"\nversion = \"0.9.1\"\ndependencies = [\"numpy>=2\", \"pillow\"]\nrequires-python = \">=3.10\"\n\n[build-system]\nrequires = [\"setuptools>=77\"]\nbuild-backend = \"setuptools.build_meta\"\n",
    )
    .unwrap();
    fs_err::write(pkg.join("src/cstr/__init__.py"), "VERSION = '0.9.1'\n").unwrap();
    let script = pkg.join("run.sh");
    fs_err::write(&script, "#!/bin/sh\necho hi\n").unwrap();
    fs_err::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    symlink("src/cstr/__init__.py", pkg.join("init-link.py")).unwrap();
    symlink("does/not/exist", pkg.join("dangling")).unwrap();
    fs_err::create_dir_all(pkg.join("données")).unwrap();
    fs_err::write(pkg.join("données/café ☕.txt"), "é\n").unwrap();
    fs_err::write(pkg.join("日本語.md"), "# はい\n").unwrap();
    git(&pkg, &["init", "--quiet", "--initial-branch=main"]);
    git(
        &pkg,
        &[
            "submodule",
            "add",
            "--quiet",
            lib.to_str().unwrap(),
            "vendor/lib",
        ],
    );
    git(&pkg, &["add", "."]);
    git(&pkg, &["commit", "--quiet", "-m", "first"]);
    git(&pkg, &["tag", "-a", "v0.9.1", "-m", "release"]);
    git(&pkg, &["checkout", "--quiet", "-b", "next"]);
    fs_err::write(pkg.join("NEXT"), "next\n").unwrap();
    git(&pkg, &["add", "."]);
    git(&pkg, &["commit", "--quiet", "-m", "next"]);
    fs_err::write(pkg.join("LATER"), "later\n").unwrap();
    git(&pkg, &["add", "."]);
    git(&pkg, &["commit", "--quiet", "-m", "later"]);
    git(&pkg, &["checkout", "--quiet", "main"]);
    let commit = git(&pkg, &["rev-parse", "v0.9.1^{commit}"]);
    (pkg, commit)
}

/// The tree `fetchgit` would hash: a clone at `commit`, submodules if asked, every `.git` gone.
fn reference_checkout(repository: &str, commit: &str, submodules: bool, into: &Path) -> PathBuf {
    let tree = into.join("reference");
    git(
        into,
        &["clone", "--quiet", repository, tree.to_str().unwrap()],
    );
    git(&tree, &["checkout", "--quiet", commit]);
    if submodules {
        git(
            &tree,
            &["submodule", "update", "--init", "--recursive", "--quiet"],
        );
    }
    let status = Command::new("find")
        .arg(&tree)
        .args(["-name", ".git", "-prune", "-exec", "rm", "-rf", "{}", "+"])
        .status()
        .unwrap();
    assert!(status.success());
    tree
}

fn resolve(
    harness: &Harness<CustomWheelResolver>,
    workspace: &Path,
    toml: &str,
    url: &str,
    rev: Option<&str>,
) -> (CandidatesResponse, DetailsResponse) {
    let (query, mut details_query) = git_query("cstr", url, rev);
    let mut candidates = support::candidates(workspace, toml, &[]);
    candidates.packages = vec![query];
    let answer = harness.candidates(&candidates).unwrap();
    let version = match &answer.packages[0].outcome {
        CandidatesOutcome::Found { versions, .. } => versions[0].version.clone(),
        other => {
            return (
                answer.clone(),
                DetailsResponse {
                    packages: vec![megapak_plugin_abi::wire::DetailsAnswer::not_found(
                        "cstr",
                        "",
                        format!("{other:?}"),
                    )],
                },
            );
        }
    };
    details_query.version = version;
    let mut details = support::details(workspace, toml, &[]);
    details.packages = vec![details_query];
    (answer, harness.details(&details).unwrap())
}

fn git_source(details: &DetailsResponse) -> (String, String, bool) {
    match &details.packages[0].outcome {
        DetailsOutcome::Found(found) => match &found.source {
            Source::Git {
                rev,
                hash,
                submodules,
                ..
            } => (rev.clone(), hash.clone(), *submodules),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_file_url_resolves_and_hashes_as_nix_does_with_and_without_submodules() {
    let root = tempfile::tempdir().unwrap();
    let (pkg, commit) = repositories(root.path());
    let url = format!("file://{}", pkg.display());
    let harness = Harness::new(CustomWheelResolver::default());

    // The pak file's line `git+file://.../pkg@v0.9.1#egg=cstr`: no submodules, so
    // `vendor/lib` is an empty folder.
    let toml = "[resolvers.custom-wheel]\ncache-dir = \"cache\"\n";
    let (candidates, details) = resolve(&harness, root.path(), toml, &url, Some("v0.9.1"));
    let (rev, hash, submodules) = git_source(&details);
    assert_eq!((rev.as_str(), submodules), (commit.as_str(), false));
    let scratch = tempfile::tempdir().unwrap();
    let reference = reference_checkout(&url, &commit, false, scratch.path());
    assert!(
        fs_err::read_dir(reference.join("vendor/lib"))
            .unwrap()
            .next()
            .is_none()
    );
    assert_eq!(hash, nar_sri(&reference).unwrap());
    if let Some(nix) = nix_hash(&reference) {
        assert_eq!(hash, nix);
    }
    // The commit and the hash vary with git's version (the submodule's entry); checked above.
    let mut shown = details.clone();
    if let DetailsOutcome::Found(found) = &mut shown.packages[0].outcome
        && let Source::Git { url, rev, hash, .. } = &mut found.source
    {
        *url = "[URL]".into();
        *rev = "[COMMIT]".into();
        *hash = "[HASH]".into();
    }
    let mut outcome = candidates.packages[0].outcome.clone();
    if let CandidatesOutcome::Found { versions, .. } = &mut outcome {
        versions[0].notes = vec!["[COMMIT]".into()];
    }
    insta::assert_json_snapshot!((outcome, shown));

    // Declared with submodules: the submodule's files are hashed too.
    let toml = format!(
        "[resolvers.custom-wheel]\ncache-dir = \"cache\"\n[[resolvers.custom-wheel.git]]\nname = \"cstr\"\nurl = \"git+{url}\"\nrev = \"v0.9.1\"\nsubmodules = true\n"
    );
    let (_, details) = resolve(&harness, root.path(), &toml, &url, None);
    let (rev, with_submodules, submodules) = git_source(&details);
    assert_eq!((rev.as_str(), submodules), (commit.as_str(), true));
    let scratch = tempfile::tempdir().unwrap();
    let reference = reference_checkout(&url, &commit, true, scratch.path());
    assert!(reference.join("vendor/lib/helper.c").is_file());
    assert_ne!(with_submodules, hash);
    assert_eq!(with_submodules, nar_sri(&reference).unwrap());
    if let Some(nix) = nix_hash(&reference) {
        assert_eq!(with_submodules, nix);
    }

    // A branch, the default branch, a full commit and an abbreviated one; then a commit behind
    // a tip, after the cache was fetched shallow.
    let next = git(&pkg, &["rev-parse", "next"]);
    let behind = git(&pkg, &["rev-parse", "next~1"]);
    for (rev, expected) in [
        (Some("next"), next.as_str()),
        (None, commit.as_str()),
        (Some(&behind[..12]), behind.as_str()),
        (Some(commit.as_str()), commit.as_str()),
        (Some(&commit[..10]), commit.as_str()),
    ] {
        let (_, details) = resolve(
            &harness,
            root.path(),
            "[resolvers.custom-wheel]\ncache-dir = \"cache2\"\n",
            &url,
            rev,
        );
        assert_eq!(git_source(&details).0, expected, "{rev:?}");
    }
}

#[test]
fn the_nar_writer_agrees_with_nix_on_odd_trees() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    fs_err::create_dir_all(tree.join("empty/nested-empty")).unwrap();
    fs_err::create_dir_all(tree.join("a/b")).unwrap();
    fs_err::write(tree.join("a/b/data.bin"), [0u8, 1, 2, 255, 7, 8, 9, 10, 11]).unwrap();
    fs_err::write(tree.join("a/eight888"), "12345678").unwrap();
    fs_err::write(tree.join("empty-file"), "").unwrap();
    let tool = tree.join("tool");
    fs_err::write(&tool, "#!/bin/sh\n").unwrap();
    fs_err::set_permissions(&tool, std::fs::Permissions::from_mode(0o700)).unwrap();
    symlink("a/b", tree.join("dir-link")).unwrap();
    symlink("../outside", tree.join("a/up-link")).unwrap();
    fs_err::write(tree.join("Zebra"), "upper case sorts first\n").unwrap();
    fs_err::write(tree.join("ünïcödé-名前"), "x").unwrap();
    fs_err::write(tree.join(OsStr::from_bytes(b"latin1-\xe9")), "not UTF-8").unwrap();
    let ours = nar_sri(&tree).unwrap();
    let Some(nix) = nix_hash(&tree) else {
        return;
    };
    assert_eq!(ours, nix);
}

/// `git daemon` serving `base` on a free loopback port; killed when dropped.
struct Daemon(Child, u16);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn daemon(base: &Path) -> Option<Daemon> {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("git")
        .args([
            "daemon",
            "--export-all",
            "--reuseaddr",
            "--listen=127.0.0.1",
        ])
        .arg(format!("--port={port}"))
        .arg(format!("--base-path={}", base.display()))
        .arg(base)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let Ok(child) = child else {
        eprintln!("skipped the git daemon case: `git daemon` could not be started");
        return None;
    };
    let daemon = Daemon(child, port);
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(daemon);
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    eprintln!("skipped the git daemon case: it did not listen within 5 s");
    None
}

#[test]
fn git_daemon_and_dumb_http_hosts_give_the_same_commit_and_hash() {
    let root = tempfile::tempdir().unwrap();
    let (pkg, commit) = repositories(root.path());
    let served = root.path().join("served");
    fs_err::create_dir_all(&served).unwrap();
    git(
        root.path(),
        &[
            "clone",
            "--quiet",
            "--bare",
            pkg.to_str().unwrap(),
            served.join("pkg.git").to_str().unwrap(),
        ],
    );
    git(&served.join("pkg.git"), &["update-server-info"]);
    let harness = Harness::new(CustomWheelResolver::default());
    let toml = "[resolvers.custom-wheel]\ncache-dir = \"cache\"\n";
    let (_, local) = resolve(
        &harness,
        root.path(),
        toml,
        &format!("file://{}", pkg.display()),
        Some("v0.9.1"),
    );
    let expected = git_source(&local);
    assert_eq!(expected.0, commit);

    if let Some(daemon) = daemon(&served) {
        let url = format!("git://127.0.0.1:{}/pkg.git", daemon.1);
        let (_, details) = resolve(
            &harness,
            root.path(),
            "[resolvers.custom-wheel]\ncache-dir = \"cache-daemon\"\n",
            &url,
            Some("v0.9.1"),
        );
        assert_eq!(git_source(&details), expected);
    }

    // Dumb HTTP: every file of the bare repository served as it is.
    let server = Server::start();
    let bare = served.join("pkg.git");
    let mut stack = vec![bare.clone()];
    while let Some(dir) = stack.pop() {
        for entry in fs_err::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path
                    .strip_prefix(&bare)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_owned();
                server.put(
                    &format!("/pkg.git/{relative}"),
                    Served::File(fs_err::read(&path).unwrap()),
                );
            }
        }
    }
    let url = format!("{}/pkg.git", server.base);
    let (_, details) = resolve(
        &harness,
        root.path(),
        "[resolvers.custom-wheel]\ncache-dir = \"cache-http\"\n",
        &url,
        Some("v0.9.1"),
    );
    assert_eq!(git_source(&details), expected);
}

#[test]
fn bad_git_sources_are_named_and_an_unanswering_host_times_out() {
    let root = tempfile::tempdir().unwrap();
    let (pkg, _) = repositories(root.path());
    let not_python = root.path().join("docs");
    fs_err::create_dir_all(&not_python).unwrap();
    fs_err::write(not_python.join("README.md"), "docs\n").unwrap();
    git(&not_python, &["init", "--quiet", "--initial-branch=main"]);
    git(&not_python, &["add", "."]);
    git(&not_python, &["commit", "--quiet", "-m", "docs"]);
    // Accepts connections and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let closed_port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let harness = Harness::new(CustomWheelResolver::default());
    let toml = "[resolvers.custom-wheel]\ncache-dir = \"cache\"\ntimeout-seconds = 2\n";
    let cases = [
        (
            "a ref that does not exist",
            format!("file://{}", pkg.display()),
            Some("v9.9.9"),
        ),
        (
            "an abbreviated commit that does not exist",
            format!("file://{}", pkg.display()),
            Some("deadbeef12"),
        ),
        (
            "a repository that does not exist",
            format!("file://{}/nothing-here", root.path().display()),
            None,
        ),
        (
            "a closed port",
            format!("git://127.0.0.1:{closed_port}/pkg.git"),
            None,
        ),
        (
            "a host that never answers",
            format!("git://127.0.0.1:{silent_port}/pkg.git"),
            None,
        ),
        (
            "a checkout that is no Python project",
            format!("file://{}", not_python.display()),
            None,
        ),
    ];
    let report: Vec<String> = cases
        .iter()
        .map(|(what, url, rev)| {
            let (candidates, _) = resolve(&harness, root.path(), toml, url, *rev);
            let text = match &candidates.packages[0].outcome {
                CandidatesOutcome::Error { message } => message.clone(),
                other => format!("{other:?}"),
            };
            // git's own words differ between its versions: keep what megapak says.
            let text = match text
                .find("` failed for `")
                .and_then(|at| text[at + 14..].find("`: ").map(|end| at + 14 + end + 3))
            {
                Some(cut) => format!("{}[git's message]", &text[..cut]),
                None => text,
            };
            let text = text
                .replace(root.path().to_str().unwrap(), "[ROOT]")
                .replace(&silent_port.to_string(), "[PORT]")
                .replace(&closed_port.to_string(), "[PORT]");
            format!("{what}:\n  {text}")
        })
        .collect();
    drop(silent);
    insta::assert_snapshot!(report.join("\n"));
}

#[test]
fn git_without_tls_and_subdirectories_outside_the_checkout_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let toml = "[resolvers.custom-wheel]\ncache-dir = \"cache\"\n[[resolvers.custom-wheel.git]]\nname = \"cstr\"\nurl = \"file:///nowhere/pkg\"\nsubdirectory = \"../../etc\"\n";
    let harness = Harness::new(CustomWheelResolver::default());
    let mut report = Vec::new();
    for (toml, url) in [
        (
            "[resolvers.custom-wheel]\ncache-dir = \"cache\"\n",
            "http://git.example.com/o/cstr",
        ),
        (
            "[resolvers.custom-wheel]\ncache-dir = \"cache\"\n",
            "git://git.example.com/o/cstr",
        ),
        (toml, "file:///nowhere/pkg"),
    ] {
        let (candidates, _) = resolve(&harness, dir.path(), toml, url, None);
        report.push(format!("{:?}", candidates.packages[0].outcome));
    }
    insta::assert_snapshot!(report.join("\n"));
}
