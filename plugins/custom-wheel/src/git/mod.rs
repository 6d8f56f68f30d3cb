//! Git sources: a ref resolved to a commit, the checkout hashed as Nix's `fetchgit` hashes it.
//!
//! The `git` command does the transport (https, git://, dumb http, file://; credentials and
//! proxies as the user's git has them). Like `nix-prefetch-git`, the checkout is a plain
//! `git checkout` of the commit, submodules (when asked for) updated recursively, then every
//! `.git` removed; then [`nar`] hashes the tree. git keeps the user's configuration
//! (credentials, `url.<base>.insteadOf`) but not what would change the checkout
//! (`core.autocrlf`, LFS filters: Nix's builder has no configuration), never prompts, and is
//! stopped after the timeout: an unreachable host is an error, not a hang.

pub mod nar;
pub mod project;

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::fetch::hex;
use project::Project;

/// What is asked for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GitSpec {
    /// The repository, without `git+`.
    pub url: String,
    /// A branch, tag or commit; the default branch when absent.
    pub rev: Option<String>,
    /// Whether submodules are part of the checkout.
    pub submodules: bool,
    /// The package's folder in the repository.
    pub subdirectory: Option<String>,
}

/// What a git source resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The full commit id.
    pub commit: String,
    /// The SRI hash of the checkout's NAR.
    pub hash: String,
    /// The package in `subdirectory`.
    pub project: Project,
}

/// Resolves `spec`: fetches into `cache`, checks out, hashes, reads the project.
pub fn resolve(spec: &GitSpec, cache: &Path, timeout: Duration) -> Result<Resolved, Error> {
    check(spec)?;
    let git = Git {
        url: &spec.url,
        timeout,
    };
    let advertised = git.ls_remote()?;
    let wanted = spec.rev.as_deref().unwrap_or("HEAD");
    let commit = find_ref(&advertised, wanted);
    let bare = cache
        .join("git")
        .join(&hex(&Sha256::digest(spec.url.as_bytes()))[..24]);
    // One fetch into a cache folder at a time in this process (git's own lock files would
    // refuse a second one).
    let lock = repository_lock(&bare);
    let fetching = lock
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !bare.join("HEAD").is_file() {
        fs_err::create_dir_all(&bare)?;
        git.run(
            None,
            &["init", "--quiet", "--bare", path_str(&bare)],
            "init",
        )?;
    }
    let commit = match commit {
        Some(commit) => {
            if !git.has_commit(&bare, &commit)
                && git
                    .run(
                        Some(&bare),
                        &["fetch", "--quiet", "--depth=1", &spec.url, &commit],
                        "fetch",
                    )
                    .is_err()
            {
                git.fetch_all(&bare)?;
            }
            commit
        }
        None => {
            // Not a ref: a commit id, full or abbreviated, reachable from some ref.
            if !wanted.bytes().all(|b| b.is_ascii_hexdigit()) || wanted.len() < 7 {
                return Err(git.no_ref(wanted));
            }
            if !git.has_commit(&bare, wanted) {
                git.fetch_all(&bare)?;
            }
            let output = git
                .run(
                    Some(&bare),
                    &[
                        "rev-parse",
                        "--verify",
                        "--quiet",
                        &format!("{wanted}^{{commit}}"),
                    ],
                    "rev-parse",
                )
                .map_err(|_| git.no_ref(wanted))?;
            output.trim().to_owned()
        }
    };
    drop(fetching);
    let checkout = tempfile::Builder::new()
        .prefix("checkout-")
        .tempdir_in(fs_err::create_dir_all(cache.join("tmp")).map(|()| cache.join("tmp"))?)?;
    let tree = checkout.path().join("tree");
    // A repository that borrows the cache's objects: no copy, and no ref needed in the cache
    // (a clone of the cache would see only its refs).
    git.run(None, &["init", "--quiet", path_str(&tree)], "init")?;
    fs_err::write(
        tree.join(".git/objects/info/alternates"),
        format!("{}\n", bare.join("objects").display()),
    )?;
    git.run(
        Some(&tree),
        &["checkout", "--quiet", "--detach", &commit],
        "checkout",
    )?;
    if spec.submodules {
        // Relative submodule URLs are relative to the repository, not to the cache.
        git.run(
            Some(&tree),
            &["remote", "add", "origin", &spec.url],
            "remote",
        )?;
        git.run(
            Some(&tree),
            &["submodule", "update", "--init", "--recursive", "--quiet"],
            "submodule update",
        )?;
    }
    remove_dot_git(&tree)?;
    let hash = nar::nar_sri(&tree)?;
    let package_dir = match &spec.subdirectory {
        Some(sub) if sub != "." && !sub.is_empty() => tree.join(sub),
        _ => tree.clone(),
    };
    let project = project::read(&package_dir).map_err(|reason| Error::Project {
        url: spec.url.clone(),
        rev: commit.clone(),
        reason,
    })?;
    Ok(Resolved {
        commit,
        hash,
        project,
    })
}

/// The lock of one cache folder.
fn repository_lock(bare: &Path) -> Arc<Mutex<()>> {
    static LOCKS: OnceLock<Mutex<HashMap<PathBuf, Arc<Mutex<()>>>>> = OnceLock::new();
    let mut locks = LOCKS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Arc::clone(locks.entry(bare.to_owned()).or_default())
}

/// Refuses transports without TLS to other hosts, and a subdirectory outside the checkout.
fn check(spec: &GitSpec) -> Result<(), Error> {
    if let Ok(url) = url::Url::parse(&spec.url)
        && matches!(url.scheme(), "http" | "git")
        && !crate::fetch::is_loopback(&url)
    {
        return Err(Error::PlainGit {
            url: spec.url.clone(),
        });
    }
    if let Some(sub) = &spec.subdirectory {
        let path = Path::new(sub);
        if path.is_absolute()
            || path
                .components()
                .any(|part| matches!(part, std::path::Component::ParentDir))
        {
            return Err(Error::Declaration(format!(
                "The subdirectory `{sub}` lies outside the checkout"
            )));
        }
    }
    Ok(())
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap_or_default()
}

/// The commit a ref name points at: `HEAD`, a branch, a tag (peeled), or a full ref name.
fn find_ref(advertised: &[(String, String)], wanted: &str) -> Option<String> {
    let candidates = [
        format!("refs/tags/{wanted}^{{}}"),
        format!("refs/tags/{wanted}"),
        format!("refs/heads/{wanted}"),
        wanted.to_owned(),
    ];
    candidates.iter().find_map(|name| {
        advertised
            .iter()
            .find(|(_, reference)| reference == name)
            .map(|(commit, _)| commit.clone())
    })
}

/// Every `.git` (folder or file) in the tree, as `fetchgit` removes them.
fn remove_dot_git(dir: &Path) -> Result<(), Error> {
    for entry in fs_err::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let kind = entry.file_type()?;
        if entry.file_name() == ".git" {
            if kind.is_dir() {
                fs_err::remove_dir_all(&path)?;
            } else {
                fs_err::remove_file(&path)?;
            }
        } else if kind.is_dir() {
            remove_dot_git(&path)?;
        }
    }
    Ok(())
}

/// Settings that change what a checkout writes, set as Nix's builder has them: no line-ending
/// conversion, real symlinks, no Git LFS smudging (`fetchgit`'s `fetchLFS` is off by default).
const CHECKOUT_AS_NIX: &[&str] = &[
    "core.autocrlf=false",
    "core.eol=lf",
    "core.symlinks=true",
    "filter.lfs.smudge=",
    "filter.lfs.process=",
    "filter.lfs.required=false",
];

struct Git<'a> {
    url: &'a str,
    timeout: Duration,
}

impl Git<'_> {
    fn no_ref(&self, rev: &str) -> Error {
        Error::GitRef {
            url: self.url.to_owned(),
            rev: rev.to_owned(),
        }
    }

    fn ls_remote(&self) -> Result<Vec<(String, String)>, Error> {
        let output = self.run(None, &["ls-remote", self.url], "ls-remote")?;
        Ok(output
            .lines()
            .filter_map(|line| line.split_once('\t'))
            .map(|(commit, name)| (commit.to_owned(), name.to_owned()))
            .collect())
    }

    fn has_commit(&self, bare: &Path, commit: &str) -> bool {
        self.run(
            Some(bare),
            &["cat-file", "-e", &format!("{commit}^{{commit}}")],
            "cat-file",
        )
        .is_ok()
    }

    /// Every branch and tag, with their whole history (an earlier `--depth=1` fetch left the
    /// cache shallow: a commit behind a tip needs the history).
    fn fetch_all(&self, bare: &Path) -> Result<(), Error> {
        let mut args = vec!["fetch", "--quiet"];
        if bare.join("shallow").is_file() {
            args.push("--unshallow");
        }
        args.extend([
            self.url,
            "+refs/heads/*:refs/megapak/heads/*",
            "+refs/tags/*:refs/megapak/tags/*",
        ]);
        self.run(Some(bare), &args, "fetch").map(drop)
    }

    /// Runs git in `dir`, stopped after the timeout; its stdout.
    fn run(&self, dir: Option<&Path>, args: &[&str], what: &str) -> Result<String, Error> {
        let mut command = Command::new("git");
        // A local repository's submodules are as trusted as the repository.
        if self.url.starts_with("file://") || self.url.starts_with('/') {
            command.args(["-c", "protocol.file.allow=always"]);
        }
        // The user's configuration stays (credentials, `insteadOf`, proxies), except what would
        // make the checkout differ from the one Nix's builder makes, which has no configuration.
        for setting in CHECKOUT_AS_NIX {
            command.args(["-c", setting]);
        }
        if std::env::var_os("GIT_SSH_COMMAND").is_none() {
            command.env(
                "GIT_SSH_COMMAND",
                format!(
                    "ssh -o BatchMode=yes -o ConnectTimeout={}",
                    self.timeout.as_secs().max(1)
                ),
            );
        }
        command
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_HTTP_LOW_SPEED_LIMIT", "1000")
            .env(
                "GIT_HTTP_LOW_SPEED_TIME",
                self.timeout.as_secs().max(1).to_string(),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(dir) = dir {
            command.current_dir(dir);
        }
        let failed = |message: String| Error::Git {
            url: self.url.to_owned(),
            command: what.to_owned(),
            message,
        };
        let mut child = command
            .spawn()
            .map_err(|error| failed(format!("`git` could not be started: {error}")))?;
        let mut stdout = child.stdout.take();
        let mut stderr = child.stderr.take();
        let out = std::thread::spawn(move || read_all(stdout.as_mut()));
        let err = std::thread::spawn(move || read_all(stderr.as_mut()));
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break status;
            }
            if Instant::now() >= deadline {
                // The child is ours; kill it and reap it.
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error::GitTimeout {
                    url: self.url.to_owned(),
                    command: what.to_owned(),
                    seconds: self.timeout.as_secs(),
                });
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let stdout = out.join().unwrap_or_default();
        let stderr = err.join().unwrap_or_default();
        if !status.success() {
            let lines: Vec<&str> = stderr
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .collect();
            let message = lines[lines.len().saturating_sub(3)..].join(" / ");
            return Err(failed(if message.is_empty() {
                status.to_string()
            } else {
                message
            }));
        }
        Ok(stdout)
    }
}

fn read_all(stream: Option<&mut impl Read>) -> String {
    let mut bytes = Vec::new();
    if let Some(stream) = stream {
        let _ = stream.read_to_end(&mut bytes);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}
