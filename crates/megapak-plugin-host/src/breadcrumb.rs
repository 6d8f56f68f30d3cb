//! Naming the plugin that aborted the process.
//!
//! A plugin built with `panic = "abort"`, or a C plugin that calls `abort()`, ends megapak with
//! SIGABRT: no unwinding, no error value, nothing megapak's own code can catch. So before each
//! step that runs plugin code (loading the library, which runs its initialisers; calling the
//! entry symbol; `describe`; every call), the host records what it is about to do in a
//! breadcrumb, and a SIGABRT handler writes the breadcrumbs of the steps under way to stderr
//! before the process dies:
//!
//! ```text
//! megapak: plugin `c-faults` (`/w/plugins/libmegapak_plugin_c_faults.so`) aborted the process during `candidates` for `abort-now`
//! ```
//!
//! The handler uses only async-signal-safe calls (`write`, `signal`, `raise`) and reads only
//! fixed-size static slots, which steps claim and release with atomics: several threads may be
//! calling plugins at once, each in its own slot. The handler prints the slot of the thread that
//! aborted when it finds one, else every step under way.

use std::cell::UnsafeCell;
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Steps under way at once, at most; more are simply not recorded.
const SLOTS: usize = 32;
/// The longest breadcrumb kept; a longer one is cut (on a character boundary).
const TEXT: usize = 480;

struct Slot {
    /// The thread that holds the slot (`pthread_self`), 0 when free.
    owner: AtomicUsize,
    /// How many bytes of `text` are valid; set after the text is written.
    len: AtomicUsize,
    text: UnsafeCell<[u8; TEXT]>,
}

// SAFETY: `text` is written only by the thread that won the slot's `owner` (a compare-exchange
// from 0), before it publishes `len` with release ordering; the handler reads `len` with acquire
// ordering and at most that many bytes.
unsafe impl Sync for Slot {}

static TRAIL: [Slot; SLOTS] = [const {
    Slot {
        owner: AtomicUsize::new(0),
        len: AtomicUsize::new(0),
        text: UnsafeCell::new([0; TEXT]),
    }
}; SLOTS];

/// A recorded step; dropping it forgets the step.
#[derive(Debug)]
pub(crate) struct Breadcrumb {
    slot: Option<usize>,
}

/// Records `what` (e.g. "plugin `x` (`path`) ... during `describe`") until the returned guard
/// is dropped, and makes sure the SIGABRT handler is installed.
pub(crate) fn record(what: &str) -> Breadcrumb {
    install_handler();
    let me = thread_id();
    let Some(index) = TRAIL.iter().position(|slot| {
        slot.owner
            .compare_exchange(0, me, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
    }) else {
        return Breadcrumb { slot: None };
    };
    let slot = &TRAIL[index];
    let mut len = what.len().min(TEXT);
    while !what.is_char_boundary(len) {
        len -= 1;
    }
    slot.len.store(0, Ordering::Release);
    // SAFETY: this thread owns the slot (won the compare-exchange above); nobody else writes it,
    // and the handler reads no byte past the `len` published below.
    unsafe { (&mut *slot.text.get())[..len].copy_from_slice(&what.as_bytes()[..len]) };
    slot.len.store(len, Ordering::Release);
    Breadcrumb { slot: Some(index) }
}

impl Drop for Breadcrumb {
    fn drop(&mut self) {
        if let Some(index) = self.slot {
            TRAIL[index].len.store(0, Ordering::Release);
            TRAIL[index].owner.store(0, Ordering::Release);
        }
    }
}

fn thread_id() -> usize {
    // SAFETY: `pthread_self` has no preconditions. A `pthread_t` is an address-sized integer on
    // the platforms megapak supports; 0 is never a live thread there.
    #[allow(clippy::useless_conversion)]
    let id = unsafe { libc::pthread_self() } as usize;
    id
}

fn install_handler() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // SAFETY: installing a handler that is itself async-signal-safe (see `on_abort`); the
        // `sigaction` struct is fully initialised by zeroing and the fields set below.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_abort as *const () as libc::sighandler_t;
            action.sa_flags = libc::SA_RESETHAND;
            libc::sigemptyset(&raw mut action.sa_mask);
            libc::sigaction(libc::SIGABRT, &raw const action, std::ptr::null_mut());
        }
    });
}

/// The SIGABRT handler: writes the steps under way, then lets the default action end the
/// process (`SA_RESETHAND` restored it; re-raising delivers the signal as before).
extern "C" fn on_abort(signal: libc::c_int) {
    let me = thread_id();
    let mine = TRAIL.iter().any(|slot| {
        slot.owner.load(Ordering::Acquire) == me && slot.len.load(Ordering::Acquire) > 0
    });
    for slot in &TRAIL {
        let owner = slot.owner.load(Ordering::Acquire);
        if owner == 0 || (mine && owner != me) {
            continue;
        }
        let len = slot.len.load(Ordering::Acquire);
        if len == 0 {
            continue;
        }
        write_stderr(b"megapak: ");
        // SAFETY: `len` bytes were written before `len` was published (release/acquire).
        let text = unsafe { &(&*slot.text.get())[..len] };
        write_stderr(text);
        write_stderr(b"\n");
    }
    // SAFETY: async-signal-safe calls; the disposition is already the default (SA_RESETHAND).
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}

fn write_stderr(mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: `write` on fd 2 with a valid buffer and length; async-signal-safe.
        let written = unsafe { libc::write(2, bytes.as_ptr().cast(), bytes.len()) };
        let Ok(written) = usize::try_from(written) else {
            return;
        };
        if written == 0 {
            return;
        }
        bytes = &bytes[written..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded() -> Vec<String> {
        TRAIL
            .iter()
            .filter(|slot| slot.owner.load(Ordering::Acquire) == thread_id())
            .map(|slot| {
                let len = slot.len.load(Ordering::Acquire);
                // SAFETY: this thread owns the slot, nobody writes it meanwhile.
                String::from_utf8_lossy(unsafe { &(&*slot.text.get())[..len] }).into_owned()
            })
            .collect()
    }

    #[test]
    fn a_step_is_recorded_until_its_guard_drops() {
        let outer = record("plugin `a` during `describe`");
        {
            let _inner = record("plugin `b` during `details`");
            let mut steps = recorded();
            steps.sort();
            assert_eq!(
                steps,
                [
                    "plugin `a` during `describe`",
                    "plugin `b` during `details`"
                ]
            );
        }
        assert_eq!(recorded(), ["plugin `a` during `describe`"]);
        drop(outer);
        assert!(recorded().is_empty());
    }

    #[test]
    fn a_long_step_is_cut_on_a_character_boundary() {
        let long = "é".repeat(TEXT);
        let _step = record(&long);
        let steps = recorded();
        assert_eq!(steps.len(), 1);
        assert!(steps[0].len() <= TEXT && steps[0].chars().all(|c| c == 'é'));
    }
}
