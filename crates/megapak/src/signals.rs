//! Temporary files are removed when megapak is interrupted: `-o` is written through a
//! `.megapak-XXXX.tmp` beside the target, which Ctrl-C or a `kill` would otherwise leave behind
//! (tens of MB for a big report).
//!
//! [`install`] starts a thread that waits for SIGINT, SIGTERM and SIGHUP; on one, it removes
//! every file a [`TempFileGuard`] holds, then lets the signal do what it would have done
//! (the process dies of it, so a shell sees 130 or 143).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// The temporary files that exist right now.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Handles SIGINT, SIGTERM and SIGHUP from now on. A failure to install (no thread to be had)
/// is not fatal: temporary files are then left as before.
pub(crate) fn install() {
    let Ok(mut signals) = Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("megapak-signals".to_owned())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                remove_pending();
                // The default action of these three ends the process.
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                std::process::exit(128 + signal);
            }
        });
}

/// Removes every pending temporary file; what cannot be removed is left.
fn remove_pending() {
    // A panic while the lock was held leaves the list as it was: still worth removing.
    let pending = PENDING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for path in pending.iter() {
        let _ = std::fs::remove_file(path);
    }
}

/// Holds a temporary file on the list of files removed on a signal, until dropped (once the
/// file is renamed into place or removed).
#[derive(Debug)]
pub(crate) struct TempFileGuard {
    path: PathBuf,
}

impl TempFileGuard {
    pub(crate) fn new(path: &Path) -> Self {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
        PENDING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(path.clone());
        Self { path }
    }
}

impl Drop for TempFileGuard {
    fn drop(&mut self) {
        let mut pending = PENDING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(at) = pending.iter().rposition(|p| *p == self.path) {
            pending.swap_remove(at);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, Stdio};

    use super::*;

    /// Set in the child process this test starts: the temporary file it holds.
    const CHILD: &str = "MEGAPAK_TEST_SIGNAL_CHILD";

    #[test]
    fn a_guarded_file_is_removed_when_sigterm_or_sigint_arrives() {
        if let Some(path) = std::env::var_os(CHILD) {
            hold_until_killed(Path::new(&path));
        }
        for (signal, name) in [(SIGTERM, "TERM"), (SIGINT, "INT")] {
            let dir = tempfile::tempdir().unwrap();
            let temp = dir.path().join(".megapak-test.tmp");
            // This same test, in a child process that takes the branch above.
            let mut child = Command::new(std::env::current_exe().unwrap())
                .args([
                    "signals::tests::a_guarded_file_is_removed_when_sigterm_or_sigint_arrives",
                    "--exact",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD, &temp)
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            // No timing: the child says when the file exists and the handler is in place.
            let stdout = BufReader::new(child.stdout.take().unwrap());
            let ready = stdout
                .lines()
                .map_while(Result::ok)
                .any(|line| line == "ready");
            assert!(ready, "the child never got ready");
            assert!(temp.exists());
            let killed = Command::new("kill")
                .args([format!("-{name}"), child.id().to_string()])
                .status()
                .unwrap();
            assert!(killed.success());
            let status = child.wait().unwrap();
            assert_eq!(status.signal(), Some(signal), "{status:?}");
            assert!(!temp.exists(), "the temporary file was left behind");
        }
    }

    /// In the child: hold a temporary file, say so, wait for the signal.
    fn hold_until_killed(path: &Path) -> ! {
        install();
        std::fs::write(path, "half a report").unwrap();
        let _guard = TempFileGuard::new(path);
        {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "\nready").unwrap();
            stdout.flush().unwrap();
        }
        loop {
            std::thread::park();
        }
    }

    #[test]
    fn a_dropped_guard_leaves_the_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("renamed.tmp");
        std::fs::write(&path, "x").unwrap();
        drop(TempFileGuard::new(&path));
        let pending = PENDING.lock().unwrap();
        assert!(!pending.iter().any(|p| p.ends_with("renamed.tmp")));
    }
}
