//! A plugin's panics are reported to the host, not printed by the plugin.
//!
//! A Rust plugin carries its own copy of the standard library, and with it its own panic hook,
//! which would print `thread '<unnamed>' panicked at …` on megapak's stderr before megapak
//! reports the same panic as a warning naming the plugin. While a call from the host runs, the
//! hook installed here records where the panic happened instead, so that the host's message
//! carries the location. Outside such calls it hands the panic to the hook that was there
//! before; with `RUST_BACKTRACE` set (not to `0`: a plugin author debugging) it also prints the
//! panic and a backtrace itself. Only the thread of the host's call is covered: a panic on a
//! plugin's own worker thread goes to the plugin's hook as usual.

use std::cell::{Cell, RefCell};
use std::panic::PanicHookInfo;
use std::sync::Once;

thread_local! {
    static IN_HOST_CALL: Cell<bool> = const { Cell::new(false) };
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `call` as a call from the host: a panic inside is recorded, not printed. Returns what
/// `call` returns and the location of the last panic in it (`src/lib.rs:12:9`), if any.
pub(crate) fn quietly<T>(call: impl FnOnce() -> T) -> (T, Option<String>) {
    install();
    let outer = IN_HOST_CALL.replace(true);
    LOCATION.set(None);
    let value = call();
    IN_HOST_CALL.set(outer);
    (value, LOCATION.take())
}

fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
            if !IN_HOST_CALL.get() {
                return previous(info);
            }
            LOCATION.set(info.location().map(ToString::to_string));
            if std::env::var_os("RUST_BACKTRACE").is_some_and(|value| value != "0") {
                // Printed here rather than by the previous hook: in a process where this crate
                // is linked into the host itself, that hook is the host's, which may end the
                // process for a panic that is about to be caught.
                print_report(info);
            }
        }));
    });
}

/// The panic and a backtrace on stderr, as std's own hook prints them.
// A panic report is what a panic hook is for.
#[allow(clippy::print_stderr)]
fn print_report(info: &PanicHookInfo<'_>) {
    let thread = std::thread::current();
    let name = thread.name().unwrap_or("<unnamed>");
    let backtrace = std::backtrace::Backtrace::force_capture();
    eprintln!("\nthread '{name}' {info}\nstack backtrace:\n{backtrace}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_in_a_host_call_is_recorded_with_its_location() {
        let (caught, location) = quietly(|| std::panic::catch_unwind(|| panic!("deliberately")));
        assert!(caught.is_err());
        let location = location.expect("the hook saw the panic");
        assert!(location.starts_with(&format!("{}:", file!())), "{location}");
    }

    #[test]
    fn a_call_without_a_panic_has_no_location() {
        let (value, location) = quietly(|| 7);
        assert_eq!((value, location), (7, None));
    }
}
