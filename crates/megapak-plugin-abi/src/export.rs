//! The glue between a [`Resolver`] and the C table: JSON in and out, and every panic caught
//! before it reaches `extern "C"` (where it would abort the host process).
//!
//! Plugin authors use [`export_resolver!`](crate::export_resolver) and never touch this module
//! directly; it is public because the macro expands in the plugin's crate, and because
//! `megapak-plugin-testing` drives a resolver through exactly these functions.

use std::any::Any;
use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use crate::AbiVersion;
use crate::panic_hook;
use crate::resolver::Resolver;
use crate::table::{ABI_MAJOR, ABI_MINOR, Buffer, PluginTable, Status};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::wire::{CandidatesRequest, Description, DetailsRequest};

/// A resolver, built on first use, that a [`PluginTable`]'s `state` points to.
#[derive(Debug)]
pub struct Exported<R> {
    init: fn() -> R,
    resolver: OnceLock<R>,
}

impl<R: Resolver> Exported<R> {
    /// A resolver that `init` builds on the first call (so that a panicking constructor is
    /// caught like any other panic, and loading the library runs no plugin code).
    pub const fn new(init: fn() -> R) -> Self {
        Self {
            init,
            resolver: OnceLock::new(),
        }
    }

    /// A resolver that is already built, for tests.
    pub fn ready(resolver: R) -> Self {
        let cell = OnceLock::new();
        // A fresh cell is always empty, so `set` cannot fail.
        let _ = cell.set(resolver);
        Self {
            init: || unreachable!("the resolver was built up front"),
            resolver: cell,
        }
    }

    fn resolver(&self) -> &R {
        self.resolver.get_or_init(self.init)
    }

    /// The C table for this resolver. The table's `state` points at `self`: the table must not
    /// outlive it (the macro puts both in `static`s).
    pub const fn table(&self) -> PluginTable {
        PluginTable {
            abi_major: ABI_MAJOR,
            abi_minor: ABI_MINOR,
            size: PluginTable::SIZE,
            state: std::ptr::from_ref(self).cast::<c_void>(),
            describe: Some(describe::<R>),
            candidates: Some(candidates::<R>),
            details: Some(details::<R>),
            free_buffer: Some(free_buffer),
        }
    }
}

/// The table's `describe`.
///
/// # Safety
/// `state` must point to a live `Exported<R>`; `out` must be null or valid for a write.
pub unsafe extern "C" fn describe<R: Resolver>(state: *const c_void, out: *mut Buffer) -> Status {
    guarded(out, || {
        // SAFETY: the caller passes the `state` of a table made by `Exported::<R>::table`,
        // which points to a live `Exported<R>`.
        let exported = unsafe { &*state.cast::<Exported<R>>() };
        let info = exported.resolver().describe();
        let description = Description {
            name: info.name,
            version: info.version,
            abi: AbiVersion::CURRENT,
            capabilities: info.capabilities,
            summary: info.summary,
        };
        serde_json::to_vec(&description).map_err(|err| format!("Could not write JSON: {err}"))
    })
}

/// The table's `candidates`.
///
/// # Safety
/// `state` must point to a live `Exported<R>`; `request` must be valid for `request_len` bytes
/// (or null with a length of 0); `out` must be null or valid for a write.
pub unsafe extern "C" fn candidates<R: Resolver>(
    state: *const c_void,
    request: *const u8,
    request_len: usize,
    out: *mut Buffer,
) -> Status {
    // SAFETY: the caller's guarantees are exactly `json_call`'s.
    unsafe {
        json_call(
            state,
            request,
            request_len,
            out,
            |resolver: &R, request: &CandidatesRequest| resolver.candidates(request),
        )
    }
}

/// The table's `details`.
///
/// # Safety
/// As for [`candidates`].
pub unsafe extern "C" fn details<R: Resolver>(
    state: *const c_void,
    request: *const u8,
    request_len: usize,
    out: *mut Buffer,
) -> Status {
    // SAFETY: the caller's guarantees are exactly `json_call`'s.
    unsafe {
        json_call(
            state,
            request,
            request_len,
            out,
            |resolver: &R, request: &DetailsRequest| resolver.details(request),
        )
    }
}

/// Decodes a JSON request, runs `answer` on the resolver and encodes its answer, all guarded.
///
/// # Safety
/// `state` must point to a live `Exported<R>`; `request` must be valid for `request_len` bytes
/// (or null); `out` must be null or valid for a write.
unsafe fn json_call<R, Q, A>(
    state: *const c_void,
    request: *const u8,
    request_len: usize,
    out: *mut Buffer,
    answer: impl FnOnce(&R, &Q) -> Result<A, crate::ResolveError>,
) -> Status
where
    R: Resolver,
    Q: DeserializeOwned,
    A: Serialize,
{
    guarded(out, || {
        // SAFETY: as in `describe`.
        let exported = unsafe { &*state.cast::<Exported<R>>() };
        let bytes: &[u8] = if request.is_null() {
            &[]
        } else {
            // SAFETY: the caller guarantees `request` is valid for `request_len` bytes for the
            // duration of the call.
            unsafe { std::slice::from_raw_parts(request, request_len) }
        };
        let request: Q = serde_json::from_slice(bytes)
            .map_err(|err| format!("The host sent a request this plugin cannot read: {err}"))?;
        let response =
            answer(exported.resolver(), &request).map_err(|err| err.message().to_owned())?;
        serde_json::to_vec(&response).map_err(|err| format!("Could not write JSON: {err}"))
    })
}

/// The table's `free_buffer`.
///
/// # Safety
/// `buffer` must have been written by this plugin's `describe`, `candidates` or `details` and
/// not yet freed.
pub unsafe extern "C" fn free_buffer(_state: *const c_void, buffer: Buffer) {
    // SAFETY: every buffer this glue hands out comes from `Buffer::from_vec`; the caller frees
    // each once. Freeing a `Box<[u8]>` cannot panic.
    unsafe { buffer.free_boxed() }
}

/// Runs `call`, catching any panic, and writes its answer (JSON, or a message) to `out`.
fn guarded(out: *mut Buffer, call: impl FnOnce() -> Result<Vec<u8>, String>) -> Status {
    // The closure only reads plugin state through `&`; a panic half-way leaves nothing that a
    // later call could observe broken except a resolver's own interior mutability, which is the
    // resolver's to keep consistent.
    let (outcome, location) = panic_hook::quietly(|| catch_unwind(AssertUnwindSafe(call)));
    let (status, bytes) = match outcome {
        Ok(Ok(json)) => (Status::OK, json),
        Ok(Err(message)) => (Status::ERROR, message.into_bytes()),
        Err(payload) => {
            let message = panic_message(payload);
            let message = match location {
                Some(location) => format!("{message} (at {location})"),
                None => message,
            };
            (Status::PANIC, message.into_bytes())
        }
    };
    if out.is_null() {
        return status;
    }
    // SAFETY: `out` is not null and the caller guarantees it is valid for a write.
    unsafe { out.write(Buffer::from_vec(bytes)) };
    status
}

/// The text of a panic; dropping the payload is itself guarded, since a payload's `Drop` could
/// panic too.
fn panic_message(payload: Box<dyn Any + Send>) -> String {
    let message = if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    };
    if let Err(again) = catch_unwind(AssertUnwindSafe(|| drop(payload))) {
        std::mem::forget(again);
    }
    message
}

/// Exports a [`Resolver`] as a megapak plugin: defines the `megapak_plugin` symbol and the
/// table behind it.
///
/// ```
/// use megapak_plugin_abi::wire::{
///     CandidatesRequest, CandidatesResponse, DetailsRequest, DetailsResponse,
/// };
/// use megapak_plugin_abi::{PluginInfo, ResolveError, Resolver, export_resolver};
///
/// #[derive(Default)]
/// struct Internal;
///
/// impl Resolver for Internal {
///     fn describe(&self) -> PluginInfo {
///         PluginInfo::new("internal", "0.1.0")
///     }
///     fn candidates(&self, _: &CandidatesRequest) -> Result<CandidatesResponse, ResolveError> {
///         Ok(CandidatesResponse { packages: Vec::new() })
///     }
///     fn details(&self, _: &DetailsRequest) -> Result<DetailsResponse, ResolveError> {
///         Ok(DetailsResponse { packages: Vec::new() })
///     }
/// }
///
/// export_resolver!(Internal); // built with `Default::default`
/// // or: export_resolver!(Internal, Internal::new);  // any `fn() -> Internal`
/// # fn main() {}
/// ```
///
/// Use it once per cdylib. Two crates that both use it cannot be linked into the same binary
/// (the symbol would be defined twice); test them one crate at a time.
#[macro_export]
macro_rules! export_resolver {
    ($resolver:ty) => {
        $crate::export_resolver!($resolver, <$resolver as ::core::default::Default>::default);
    };
    ($resolver:ty, $init:expr) => {
        const _: () = {
            static EXPORTED: $crate::export::Exported<$resolver> =
                $crate::export::Exported::new($init);
            static TABLE: $crate::PluginTable = EXPORTED.table();

            /// The plugin's entry point: the table, which points into this library's statics.
            #[unsafe(no_mangle)]
            pub extern "C" fn megapak_plugin() -> *const $crate::PluginTable {
                &raw const TABLE
            }
        };
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolver::{PluginInfo, ResolveError};
    use crate::wire::{CandidatesResponse, DetailsResponse};

    struct Panics;

    impl Resolver for Panics {
        fn describe(&self) -> PluginInfo {
            PluginInfo::new("panics", "0.0.0")
        }

        fn candidates(&self, _: &CandidatesRequest) -> Result<CandidatesResponse, ResolveError> {
            panic!("deliberately")
        }

        fn details(&self, _: &DetailsRequest) -> Result<DetailsResponse, ResolveError> {
            Err(ResolveError::new("Not today"))
        }
    }

    fn call(
        table: &PluginTable,
        function: Option<crate::CallFn>,
        request: &[u8],
    ) -> (Status, String) {
        let mut out = Buffer::EMPTY;
        // SAFETY: the table was made by `Exported::table` on a live `Exported`; the request
        // slice and `out` are valid for the call.
        let status = unsafe {
            (function.unwrap())(table.state, request.as_ptr(), request.len(), &raw mut out)
        };
        // SAFETY: `out` was written by the plugin, is read once and then freed once.
        let text = unsafe {
            let text =
                String::from_utf8_lossy(std::slice::from_raw_parts(out.ptr, out.len)).into_owned();
            (table.free_buffer.unwrap())(table.state, out);
            text
        };
        (status, text)
    }

    #[test]
    fn a_panic_becomes_a_status_and_a_message() {
        let exported = Exported::ready(Panics);
        let table = exported.table();
        let request = br#"{"abi":{"major":2,"minor":0},"target":{"python":"3.13","system":"x86_64-linux"},"workspace":"/w","packages":[]}"#;
        let (status, message) = call(&table, table.candidates, request);
        assert_eq!(status, Status::PANIC);
        let location = message
            .strip_prefix("deliberately (at ")
            .and_then(|rest| rest.strip_suffix(')'))
            .unwrap_or_else(|| panic!("{message}"));
        assert!(location.starts_with(file!()), "{message}");
    }

    #[test]
    fn an_unreadable_request_is_an_error_not_a_panic() {
        let exported = Exported::ready(Panics);
        let table = exported.table();
        let (status, message) = call(&table, table.details, b"{");
        assert_eq!(status, Status::ERROR);
        insta::assert_snapshot!(message, @"The host sent a request this plugin cannot read: EOF while parsing an object at line 1 column 1");
    }

    #[test]
    fn a_failed_call_is_an_error_with_the_plugins_message() {
        let exported = Exported::ready(Panics);
        let table = exported.table();
        let request = br#"{"abi":{"major":2,"minor":0},"target":{"python":"3.13","system":"x86_64-linux"},"workspace":"/w","packages":[]}"#;
        let (status, message) = call(&table, table.details, request);
        assert_eq!((status, message.as_str()), (Status::ERROR, "Not today"));
    }
}
