//! The JSON wire schema, version 2 (ABI major 2).
//!
//! # The calls
//! A solver asks two questions, so a plugin answers two calls (besides `describe`, which
//! answers a [`Description`]):
//!
//! - `candidates` ([`CandidatesRequest`] → [`CandidatesResponse`]): for many package names at
//!   once, which versions can the plugin supply? Each name gets a typed [`CandidatesOutcome`]:
//!   `found` with its versions, `not-found` with the reason shown to the user, `offline` when
//!   the answer would need the network, or `error`.
//! - `details` ([`DetailsRequest`] → [`DetailsResponse`]): for chosen name and version pairs,
//!   where does the package come from ([`Source`]), what does it depend on
//!   ([`Dependencies`], possibly *unknown*), and what should the user read.
//!
//! A failure of a whole call (bad settings, the index is down) is not an answer: the plugin
//! returns an error status with a message, and megapak names the plugin and the call.
//!
//! Every request carries the [`Target`], the plugin's own settings from `megapak.toml`, and the
//! workspace folder (the folder of `megapak.toml`): relative paths in a plugin's settings are
//! relative to it.
//!
//! # How the schema evolves
//! - Within a major version only *optional* fields are added. Every field that is not in 2.0 is
//!   `#[serde(default)]` (an `Option`, an empty list or map), so an older peer's JSON still reads.
//! - Unknown fields are ignored on both sides (no `deny_unknown_fields`), so a newer peer's JSON
//!   still reads.
//! - Enums that may grow ([`Source`]) have an `unknown` catch-all: a host skips candidates whose
//!   source it does not understand instead of refusing the whole answer.
//! - Added so in 2.0: [`Found::libraries`] (the native libraries a wheel needs, by provider).
//! - Removing or renaming a field, changing its type or meaning, or making a field required is a
//!   new major version, which changes [`ABI_MAJOR`](crate::ABI_MAJOR).
//!
//! The golden files in `crates/megapak-plugin-abi/golden/` hold one message of every kind; a
//! test checks these types against them both ways. For authors in C or another language, those
//! files are the specification.

mod answer;
mod describe;
mod libraries;
mod request;
mod source;

pub use answer::{
    CandidatesAnswer, CandidatesOutcome, CandidatesResponse, Dependencies, DetailsAnswer,
    DetailsOutcome, DetailsResponse, Found, VersionInfo,
};
pub use describe::{Description, capability};
pub use libraries::{CudaLibrary, NativeLibraries, NvidiaWheels, WheelLibrary};
pub use request::{
    CandidatesQuery, CandidatesRequest, DetailsQuery, DetailsRequest, DirectReference, IndexHints,
    Target,
};
pub use source::{DistFormat, OverrideValue, Source};
