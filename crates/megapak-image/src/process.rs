//! Children that do not outlive megapak: `nix build`, the image's stream script and `docker
//! load` get SIGTERM when the thread that started them ends, so a megapak killed by `kill`, a
//! timeout or a closed terminal leaves no build or load running on (Ctrl-C reaches them anyway,
//! through the terminal's process group). On SIGTERM Nix stops its builds and cleans up.

use std::process::Command;

/// The child gets SIGTERM when the thread that started it ends.
#[cfg(target_os = "linux")]
pub(crate) fn end_with_this_thread(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the forked child before `exec`, and calls only `prctl`, which
    // is async-signal-safe; it touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn end_with_this_thread(_command: &mut Command) {}
