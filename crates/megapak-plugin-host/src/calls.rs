//! Calling through a plugin's table: the version check, then JSON out and JSON back, with every
//! answer checked against wire schema 2 before the host believes it.

use std::collections::HashSet;

use megapak_plugin_abi::wire::{
    CandidatesRequest, CandidatesResponse, Description, DetailsRequest, DetailsResponse,
};
use megapak_plugin_abi::{
    ABI_MAJOR, AbiVersion, Buffer, CallFn, DescribeFn, FreeFn, PluginTable, Status,
};
use megapak_types::PackageName;
use serde::Serialize;
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
    candidates: CallFn,
    details: CallFn,
    free_buffer: FreeFn,
}

impl<'a> PluginCalls<'a> {
    /// Checks the table's ABI version before reading anything else from it, then its size and
    /// functions.
    ///
    /// # Safety
    /// `table` must be null or point to memory that stays valid for `'a` and starts with the
    /// table header (every megapak plugin's does). If the header says ABI major 2, the whole
    /// table must be valid and its functions must keep the contract of ABI 2 (see
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
        if header.size < PluginTable::V2_SIZE {
            return Err(LoadError::TableTooSmall {
                size: header.size,
                expected: PluginTable::V2_SIZE,
            });
        }
        // SAFETY: ABI major 2 with at least the 2.0 size: the caller guarantees a whole,
        // valid 2.x table.
        let table = unsafe { &*table };
        Ok(Self {
            table,
            describe: table
                .describe
                .ok_or(LoadError::MissingFunction("describe"))?,
            candidates: table
                .candidates
                .ok_or(LoadError::MissingFunction("candidates"))?,
            details: table.details.ok_or(LoadError::MissingFunction("details"))?,
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

    /// Asks which versions of the request's packages the plugin can supply, and checks that it
    /// answered only for names it was asked about, each once.
    pub fn candidates(&self, request: &CandidatesRequest) -> Result<CandidatesResponse, CallError> {
        let response: CandidatesResponse =
            self.json_call(Call::Candidates, self.candidates, request)?;
        let asked: HashSet<String> = request
            .packages
            .iter()
            .map(|package| normalized(&package.name))
            .collect();
        let answered = response
            .packages
            .iter()
            .map(|answer| (answer.name.as_str(), None));
        check_answered(Call::Candidates, &asked, answered, |name, _| {
            normalized(name)
        })?;
        Ok(response)
    }

    /// Asks for the details of the request's name and version pairs, and checks that it answered
    /// only for pairs it was asked about, each once.
    pub fn details(&self, request: &DetailsRequest) -> Result<DetailsResponse, CallError> {
        let response: DetailsResponse = self.json_call(Call::Details, self.details, request)?;
        let pair = |name: &str, version: Option<&str>| {
            format!("{} {}", normalized(name), version.unwrap_or_default())
        };
        let asked: HashSet<String> = request
            .packages
            .iter()
            .map(|package| pair(&package.name, Some(&package.version)))
            .collect();
        let answered = response
            .packages
            .iter()
            .map(|answer| (answer.name.as_str(), Some(answer.version.as_str())));
        check_answered(Call::Details, &asked, answered, pair)?;
        Ok(response)
    }

    /// Sends `request` as JSON through `function` and reads the answer as `T`.
    fn json_call<T: DeserializeOwned>(
        &self,
        call: Call,
        function: CallFn,
        request: &impl Serialize,
    ) -> Result<T, CallError> {
        // Serializing our own wire types cannot fail: every map key is a string.
        let json = serde_json::to_vec(request).unwrap_or_default();
        let state = self.table.state;
        // SAFETY: `function` comes from a table checked in `from_raw`, whose contract says it
        // may be called with the table's state, a request of `len` bytes and a valid `out`;
        // `json` outlives the call.
        let bytes = self.invoke(call, |out| unsafe {
            function(state, json.as_ptr(), json.len(), out)
        })?;
        decode(call, &bytes)
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
    serde_json::from_slice(bytes).map_err(|err| {
        if looks_like_abi_1(bytes) {
            CallError::OlderSchema { call }
        } else {
            CallError::WrongSchema {
                call,
                detail: err.to_string(),
            }
        }
    })
}

/// An answer of ABI 1's `resolve`: packages with `candidates` lists and no `outcome`.
fn looks_like_abi_1(bytes: &[u8]) -> bool {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return false;
    };
    value["packages"].as_array().is_some_and(|packages| {
        packages
            .iter()
            .any(|package| package.get("candidates").is_some() && package.get("outcome").is_none())
    })
}

/// Every answer must be for something asked, and only once.
fn check_answered<'r>(
    call: Call,
    asked: &HashSet<String>,
    answered: impl Iterator<Item = (&'r str, Option<&'r str>)>,
    key: impl Fn(&str, Option<&str>) -> String,
) -> Result<(), CallError> {
    let mut seen = HashSet::new();
    for (name, version) in answered {
        let what = match version {
            Some(version) => format!("`{name}` {version}"),
            None => format!("`{name}`"),
        };
        let key = key(name, version);
        if !asked.contains(&key) {
            return Err(CallError::NotAsked { call, what });
        }
        if !seen.insert(key) {
            return Err(CallError::AnsweredTwice { call, what });
        }
    }
    Ok(())
}

/// A name compared after PEP 503 normalization; a name that is no valid package name stays as
/// it is (and so matches nothing that was asked).
fn normalized(name: &str) -> String {
    PackageName::new(name).map_or_else(|_| name.to_owned(), |name| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_compare_after_pep_503_normalization() {
        assert_eq!(normalized("Onnxruntime_GPU"), "onnxruntime-gpu");
        assert_eq!(normalized("zope..interface"), "zope-interface");
        assert_eq!(normalized("not a name"), "not a name");
    }

    #[test]
    fn an_abi_1_answer_is_named_as_such() {
        let v1 = br#"{"packages":[{"name":"numpy","candidates":[{"version":"2.3.4"}]}]}"#;
        let error = decode::<CandidatesResponse>(Call::Candidates, v1).unwrap_err();
        insta::assert_snapshot!(error, @"answered `candidates` with JSON of plugin ABI 1 (`candidates` listed in a package's answer, no `outcome`): it was built against an older `megapak-plugin-abi`");
    }

    #[test]
    fn answers_for_what_was_not_asked_or_twice_are_refused() {
        let asked: HashSet<String> = ["numpy".to_owned()].into();
        let key = |name: &str, _: Option<&str>| normalized(name);
        let stray = check_answered(Call::Candidates, &asked, [("torch", None)].into_iter(), key);
        let twice = check_answered(
            Call::Candidates,
            &asked,
            [("numpy", None), ("NumPy", None)].into_iter(),
            key,
        );
        insta::assert_snapshot!(stray.unwrap_err(), @"answered `candidates` for `torch`, which was not asked about");
        insta::assert_snapshot!(twice.unwrap_err(), @"answered `candidates` for `NumPy` twice");
    }

    #[test]
    fn invalid_json_and_the_wrong_schema_read_differently() {
        let invalid = decode::<Description>(Call::Describe, b"{name: nixpkgs}").unwrap_err();
        let wrong = decode::<Description>(Call::Describe, br#"{"name": "nixpkgs"}"#).unwrap_err();
        insta::assert_snapshot!(invalid, @"answered `describe` with invalid JSON: key must be a string at line 1 column 2");
        insta::assert_snapshot!(wrong, @"answered `describe` with JSON of the wrong schema: missing field `version` at line 1 column 19");
    }
}
