//! Opening a plugin file and reaching its table. Libraries are never unloaded: `dlclose` on a
//! Rust cdylib can crash (thread-locals, registered destructors), and a plugin is needed until
//! megapak exits anyway.

use std::path::Path;

use megapak_plugin_abi::{ENTRY_SYMBOL_NUL, EntryFn};

use crate::breadcrumb;
use crate::calls::PluginCalls;
use crate::elf;
use crate::error::LoadError;
use crate::host::aborted_during;

/// Checks, opens and version-checks the plugin `name` at `path`; the library stays loaded for
/// the process's lifetime, whatever the outcome.
pub(crate) fn open(name: &str, path: &Path) -> Result<PluginCalls<'static>, LoadError> {
    if cfg!(all(unix, not(target_vendor = "apple"))) {
        elf::check(path)?;
    }
    let step = breadcrumb::record(&aborted_during(
        name,
        path,
        "while being loaded (in its library initialisers)",
    ));
    let library = dlopen(path)?;
    drop(step);
    // Leaked on purpose: see the module comment. The table and functions below point into it.
    let library: &'static libloading::Library = Box::leak(Box::new(library));
    // SAFETY: `EntryFn` is the signature the ABI fixes for this symbol in every version; a
    // library exporting the name with another type breaks the ABI contract it claims. Read as
    // an `Option`: a symbol defined at address 0 (`dlsym` returns null without an error) would
    // otherwise become a function pointer to 0.
    let entry = unsafe { library.get::<Option<EntryFn>>(ENTRY_SYMBOL_NUL) }
        .map_err(|_| LoadError::MissingSymbol)?;
    let entry: EntryFn = (*entry).ok_or(LoadError::MissingSymbol)?;
    let step = breadcrumb::record(&aborted_during(
        name,
        path,
        "in its entry symbol `megapak_plugin`",
    ));
    // SAFETY: the entry function takes nothing and only returns a pointer (ABI contract).
    let table = unsafe { entry() };
    drop(step);
    // SAFETY: the table lives as long as the library, which is never unloaded; its header is
    // checked before anything else is read.
    unsafe { PluginCalls::from_raw(table) }
}

/// `dlopen` with `RTLD_NOW`, so that a library with a missing dependency or symbol is refused
/// here rather than killing the process at its first call.
fn dlopen(path: &Path) -> Result<libloading::Library, LoadError> {
    #[cfg(unix)]
    let opened = {
        use libloading::os::unix::{Library, RTLD_LOCAL, RTLD_NOW};
        // SAFETY: loading runs the library's initialisers. Plugins are code the user installed
        // for megapak to run, trusted like megapak itself; the ELF check above has already
        // turned away files that are not libraries for this machine.
        unsafe { Library::open(Some(path.as_os_str()), RTLD_NOW | RTLD_LOCAL) }.map(Into::into)
    };
    #[cfg(not(unix))]
    // SAFETY: as above.
    let opened = unsafe { libloading::Library::new(path.as_os_str()) };
    opened.map_err(|err| LoadError::Open(loader_message(&err, path)))
}

/// The loader's own words (`dlerror`), without the path it repeats.
fn loader_message(err: &libloading::Error, path: &Path) -> String {
    let text = std::error::Error::source(err).map_or_else(|| err.to_string(), ToString::to_string);
    let prefix = format!("{}: ", path.display());
    text.strip_prefix(&prefix).unwrap_or(&text).to_owned()
}
