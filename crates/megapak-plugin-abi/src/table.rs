//! The C-compatible types that cross the plugin boundary: the function table, byte buffers and
//! status codes. Nothing else crosses it; rich data travels as JSON inside [`Buffer`]s.
//!
//! The same layout is spelled in C in `include/megapak_plugin.h`.

use std::ffi::c_void;
use std::fmt;

/// The ABI major version this crate speaks. A plugin whose table says another major is refused
/// before any of its functions is called.
pub const ABI_MAJOR: u16 = 2;

/// The ABI minor version this crate speaks. Minors only add: optional JSON fields and functions
/// appended to [`PluginTable`]. Any minor of the same major is accepted in both directions.
pub const ABI_MINOR: u16 = 0;

/// The one symbol a plugin exports, a function of type [`EntryFn`]. Its name and signature never
/// change, in any ABI version, so that the host can always read the version first.
pub const ENTRY_SYMBOL: &str = "megapak_plugin";

/// [`ENTRY_SYMBOL`] with its trailing NUL, as `dlsym` wants it.
pub const ENTRY_SYMBOL_NUL: &[u8] = b"megapak_plugin\0";

/// The signature of [`ENTRY_SYMBOL`]: returns a pointer to a table that lives as long as the
/// library stays loaded. Calling it must have no side effects besides returning the pointer.
pub type EntryFn = unsafe extern "C" fn() -> *const PluginTable;

/// `describe(state, out)`: write the plugin's [`Description`](crate::wire::Description) as JSON.
pub type DescribeFn = unsafe extern "C" fn(state: *const c_void, out: *mut Buffer) -> Status;

/// A call with a JSON request: `call(state, request, request_len, out)` reads the request and
/// writes the JSON answer. `candidates` reads a
/// [`CandidatesRequest`](crate::wire::CandidatesRequest) and answers a
/// [`CandidatesResponse`](crate::wire::CandidatesResponse); `details` reads a
/// [`DetailsRequest`](crate::wire::DetailsRequest) and answers a
/// [`DetailsResponse`](crate::wire::DetailsResponse).
pub type CallFn = unsafe extern "C" fn(
    state: *const c_void,
    request: *const u8,
    request_len: usize,
    out: *mut Buffer,
) -> Status;

/// `free_buffer(state, buffer)`: release a buffer this plugin wrote. The host calls it exactly
/// once for every buffer with a non-null `ptr`, and never frees plugin memory itself.
pub type FreeFn = unsafe extern "C" fn(state: *const c_void, buffer: Buffer);

/// The version of the plugin ABI: `major` must match exactly, any `minor` is accepted.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(expecting = r#"an ABI version like {"major": 2, "minor": 0}"#)]
pub struct AbiVersion {
    /// Breaking changes bump it: the table layout, the meaning of a field, a required field.
    pub major: u16,
    /// Additions bump it: optional JSON fields, functions appended to the table.
    pub minor: u16,
}

impl AbiVersion {
    /// The version this crate speaks.
    pub const CURRENT: Self = Self {
        major: ABI_MAJOR,
        minor: ABI_MINOR,
    };
}

impl fmt::Display for AbiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// What the entry symbol points to.
///
/// The first three fields form a header that keeps its layout in every ABI version (1.x had
/// the same header): the host reads `abi_major` before anything else and refuses the plugin on a
/// mismatch. `size` is `sizeof` the table as the plugin knows it, so a host can tell which
/// functions appended by later minors are present. Function pointers may be null (`None`); a
/// null required function refuses the plugin.
#[repr(C)]
#[derive(Debug)]
pub struct PluginTable {
    /// Must equal the host's [`ABI_MAJOR`].
    pub abi_major: u16,
    /// The minor the plugin was built against.
    pub abi_minor: u16,
    /// `size_of::<PluginTable>()` as the plugin was compiled; at least [`PluginTable::V2_SIZE`].
    pub size: u32,
    /// Opaque plugin state passed back to every function; may be null.
    pub state: *const c_void,
    /// Required since 2.0.
    pub describe: Option<DescribeFn>,
    /// Required since 2.0.
    pub candidates: Option<CallFn>,
    /// Required since 2.0.
    pub details: Option<CallFn>,
    /// Required since 2.0.
    pub free_buffer: Option<FreeFn>,
}

// SAFETY: a table is immutable once built. `state` is only ever handed back to the plugin's own
// functions, which the ABI requires to be callable from any thread (a Rust plugin's state is a
// `Sync` `Exported<R>`); the host never reads through it.
unsafe impl Sync for PluginTable {}

// SAFETY: see `Sync` above; moving the table moves only pointers to immutable data.
unsafe impl Send for PluginTable {}

impl PluginTable {
    /// The size of the table in ABI 2.0, the smallest a 2.x plugin may declare: the header
    /// and five pointers. Fixed for good: a later 2.x adds fields after `free_buffer`, and a
    /// host reads them only from tables whose `size` covers them.
    // 8 + 5 pointers is far below u32::MAX: the cast cannot truncate.
    #[allow(clippy::cast_possible_truncation)]
    pub const V2_SIZE: u32 = (8 + 5 * size_of::<*const ()>()) as u32;

    /// The size of the table this crate builds (`V2_SIZE` until a 2.x adds fields).
    #[allow(clippy::cast_possible_truncation)]
    pub const SIZE: u32 = size_of::<PluginTable>() as u32;

    /// The ABI version the table declares.
    pub fn abi(&self) -> AbiVersion {
        AbiVersion {
            major: self.abi_major,
            minor: self.abi_minor,
        }
    }
}

/// Bytes owned by whoever allocated them: a plugin's answer (JSON on success, a UTF-8 message on
/// failure). The host copies the bytes out, then hands the buffer back to the plugin's
/// `free_buffer`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Buffer {
    /// Start of the bytes; null for an empty buffer.
    pub ptr: *mut u8,
    /// Number of bytes.
    pub len: usize,
}

impl Buffer {
    /// An empty buffer, which needs no freeing; hosts pass it as the initial `out` value.
    pub const EMPTY: Self = Self {
        ptr: std::ptr::null_mut(),
        len: 0,
    };

    /// Hands `bytes` over to the other side; [`Buffer::free_boxed`] takes it back. No bytes
    /// give [`Buffer::EMPTY`] (a null pointer), as the ABI says.
    pub fn from_vec(bytes: Vec<u8>) -> Self {
        if bytes.is_empty() {
            return Self::EMPTY;
        }
        let boxed = bytes.into_boxed_slice();
        let len = boxed.len();
        let ptr = Box::into_raw(boxed).cast::<u8>();
        Self { ptr, len }
    }

    /// Releases a buffer made by [`Buffer::from_vec`].
    ///
    /// # Safety
    /// `self` must come from [`Buffer::from_vec`] in the same library and not have been freed.
    pub unsafe fn free_boxed(self) {
        if self.ptr.is_null() {
            return;
        }
        let slice = std::ptr::slice_from_raw_parts_mut(self.ptr, self.len);
        // SAFETY: the caller guarantees `ptr`/`len` are exactly what `Box::into_raw` gave for a
        // `Box<[u8]>` in `from_vec`, and that it is released only once.
        drop(unsafe { Box::from_raw(slice) });
    }
}

/// The result of a call: what the `out` buffer holds.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Status(pub i32);

impl Status {
    /// Success: `out` holds the JSON answer.
    pub const OK: Self = Self(0);
    /// The call failed: `out` holds a UTF-8 message for the user.
    pub const ERROR: Self = Self(1);
    /// The plugin panicked (or hit its own internal bug): `out` holds a UTF-8 message.
    pub const PANIC: Self = Self(2);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_keeps_its_layout() {
        assert_eq!(std::mem::offset_of!(PluginTable, abi_major), 0);
        assert_eq!(std::mem::offset_of!(PluginTable, abi_minor), 2);
        assert_eq!(std::mem::offset_of!(PluginTable, size), 4);
        assert_eq!(std::mem::offset_of!(PluginTable, state), 8);
        assert_eq!(
            PluginTable::V2_SIZE as usize,
            8 + 5 * size_of::<*const ()>()
        );
        assert_eq!(PluginTable::SIZE, PluginTable::V2_SIZE, "ABI 2.0's table");
        assert_eq!(size_of::<Option<DescribeFn>>(), size_of::<*const ()>());
    }

    #[test]
    fn no_bytes_make_a_null_buffer() {
        let buffer = Buffer::from_vec(Vec::new());
        assert!(buffer.ptr.is_null());
        // SAFETY: from `from_vec`; freeing the empty buffer is a no-op.
        unsafe { buffer.free_boxed() };
    }

    #[test]
    fn a_buffer_round_trips() {
        let buffer = Buffer::from_vec(b"{}".to_vec());
        assert_eq!(buffer.len, 2);
        // SAFETY: made by `from_vec` just above, freed once.
        unsafe { buffer.free_boxed() };
        // SAFETY: an empty buffer is a no-op.
        unsafe { Buffer::EMPTY.free_boxed() };
    }
}
