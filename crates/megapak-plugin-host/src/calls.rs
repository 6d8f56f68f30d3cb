//! Calling through a plugin's table: the version check, then JSON out and JSON back, with every
//! answer checked against wire schema 1 before the host believes it.

use std::collections::HashSet;

use megapak_plugin_abi::wire::{Description, ResolveRequest, ResolveResponse};
use megapak_plugin_abi::{
    ABI_MAJOR, AbiVersion, Buffer, DescribeFn, FreeFn, PluginTable, ResolveFn, Status,
};
use serde::de::{DeserializeOwned, IgnoredAny};

use crate::error::{Call, CallError, LoadError};

/// The first bytes of every table, in every ABI version.
#[repr(C)]
struct Header {
    abi_major: u16,
    abi_minor: u16,
    size: u32,
}

/// A checked plugin table: right ABI major, every required function present.
#[derive(Debug, Clone, Copy)]
pub struct PluginCalls<'a> {
    table: &'a PluginTable,
    describe: DescribeFn,
    resolve: ResolveFn,
    free_buffer: FreeFn,
}

impl<'a> PluginCalls<'a> {
    /// Checks the table's ABI version before reading anything else from it, then its size and
    /// functions.
    ///
    /// # Safety
    /// `table` must be null or point to memory that stays valid for `'a` and starts with the
    /// table header (every megapak plugin's does). If the header says ABI major 1, the whole
    /// table must be valid and its functions must keep the contract of ABI 1 (see
    /// `megapak_plugin_abi`).
    pub unsafe fn from_raw(table: *const PluginTable) -> Result<Self, LoadError> {
        if table.is_null() {
            return Err(LoadError::NullTable);
        }
        if !table.is_aligned() {
            return Err(LoadError::MisalignedTable);
        }
        // SAFETY: not null, and the caller guarantees every table starts with this header,
        // whose layout no ABI version changes.
        let header = unsafe { &*table.cast::<Header>() };
        let plugin = AbiVersion {
            major: header.abi_major,
            minor: header.abi_minor,
        };
        if plugin.major != ABI_MAJOR {
            return Err(LoadError::AbiMismatch {
                plugin,
                host: AbiVersion::CURRENT,
            });
        }
        if header.size < PluginTable::V1_SIZE {
            return Err(LoadError::TableTooSmall {
                size: header.size,
                expected: PluginTable::V1_SIZE,
            });
        }
        // SAFETY: ABI major 1 with at least the 1.0 size: the caller guarantees a whole,
        // valid 1.x table.
        let table = unsafe { &*table };
        Ok(Self {
            table,
            describe: table
                .describe
                .ok_or(LoadError::MissingFunction("describe"))?,
            resolve: table.resolve.ok_or(LoadError::MissingFunction("resolve"))?,
            free_buffer: table
                .free_buffer
                .ok_or(LoadError::MissingFunction("free_buffer"))?,
        })
    }

    /// The ABI version the plugin was built against.
    pub fn abi(&self) -> AbiVersion {
        self.table.abi()
    }

    /// Asks the plugin who it is.
    pub fn describe(&self) -> Result<Description, CallError> {
        let describe = self.describe;
        let state = self.table.state;
        // SAFETY: `describe` comes from a table checked in `from_raw`, whose contract says it
        // may be called with the table's state and a valid `out`.
        let bytes = self.invoke(Call::Describe, |out| unsafe { describe(state, out) })?;
        decode(Call::Describe, &bytes)
    }

    /// Asks the plugin for candidates, and checks it answered only for packages it was asked
    /// about.
    pub fn resolve(&self, request: &ResolveRequest) -> Result<ResolveResponse, CallError> {
        // Serializing our own wire types cannot fail: every map key is a string.
        let json = serde_json::to_vec(request).unwrap_or_default();
        let resolve = self.resolve;
        let state = self.table.state;
        // SAFETY: as in `describe`; `json` outlives the call.
        let bytes = self.invoke(Call::Resolve, |out| unsafe {
            resolve(state, json.as_ptr(), json.len(), out)
        })?;
        let response: ResolveResponse = decode(Call::Resolve, &bytes)?;
        let asked: HashSet<String> = request
            .packages
            .iter()
            .map(|package| normalize_package(&package.name))
            .collect();
        if let Some(stray) = response
            .packages
            .iter()
            .find(|answer| !asked.contains(&normalize_package(&answer.name)))
        {
            return Err(CallError::WrongSchema {
                call: Call::Resolve,
                detail: format!("it answered for `{}`, which was not asked for", stray.name),
            });
        }
        Ok(response)
    }

    /// Runs one call, copies its answer out and hands the buffer back to the plugin.
    fn invoke(
        &self,
        call: Call,
        run: impl FnOnce(*mut Buffer) -> Status,
    ) -> Result<Vec<u8>, CallError> {
        let mut out = Buffer::EMPTY;
        let status = run(&raw mut out);
        let bytes = if out.ptr.is_null() {
            Vec::new()
        } else {
            // SAFETY: the plugin wrote `out` and owns `len` bytes at `ptr` until we hand the
            // buffer back below; we copy them first.
            let bytes = unsafe { std::slice::from_raw_parts(out.ptr, out.len) }.to_vec();
            // SAFETY: a buffer this plugin wrote, freed exactly once, by the plugin.
            unsafe { (self.free_buffer)(self.table.state, out) };
            bytes
        };
        match status {
            Status::OK => Ok(bytes),
            Status::ERROR => Err(CallError::Failed {
                call,
                message: message(&bytes),
            }),
            Status::PANIC => Err(CallError::Panicked {
                call,
                message: message(&bytes),
            }),
            Status(code) => Err(CallError::UnknownStatus { call, code }),
        }
    }
}

/// A failure message as text; an empty one says so.
fn message(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes).trim().to_owned();
    if text.is_empty() {
        "(no message)".to_owned()
    } else {
        text
    }
}

/// Parses twice, so that "not JSON at all" and "JSON of another shape" read differently; both
/// messages keep the line and column in the plugin's own text.
fn decode<T: DeserializeOwned>(call: Call, bytes: &[u8]) -> Result<T, CallError> {
    if bytes.trim_ascii().is_empty() {
        return Err(CallError::InvalidJson {
            call,
            detail: "the answer is empty".to_owned(),
        });
    }
    if let Err(err) = serde_json::from_slice::<IgnoredAny>(bytes) {
        return Err(CallError::InvalidJson {
            call,
            detail: err.to_string(),
        });
    }
    serde_json::from_slice(bytes).map_err(|err| CallError::WrongSchema {
        call,
        detail: err.to_string(),
    })
}

/// PEP 503 normalization, enough to compare a name in an answer with the name asked.
fn normalize_package(name: &str) -> String {
    let mut normalized = String::with_capacity(name.len());
    let mut separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
        } else {
            if separator && !normalized.is_empty() {
                normalized.push('-');
            }
            separator = false;
            normalized.push(c.to_ascii_lowercase());
        }
    }
    normalized
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_compare_after_pep_503_normalization() {
        assert_eq!(normalize_package("Onnxruntime_GPU"), "onnxruntime-gpu");
        assert_eq!(normalize_package("zope..interface"), "zope-interface");
    }

    #[test]
    fn invalid_json_and_the_wrong_schema_read_differently() {
        let invalid = decode::<Description>(Call::Describe, b"{name: nixpkgs}").unwrap_err();
        let wrong = decode::<Description>(Call::Describe, br#"{"name": "nixpkgs"}"#).unwrap_err();
        insta::assert_snapshot!(invalid, @"answered `describe` with invalid JSON: key must be a string at line 1 column 2");
        insta::assert_snapshot!(wrong, @"answered `describe` with JSON of the wrong schema: missing field `version` at line 1 column 19");
    }
}
