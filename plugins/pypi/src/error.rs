//! Every way the plugin fails, each with a name, so that a bad response is reported as what it is
//! (a timeout, a 5xx, garbage, an oversized body, a hash mismatch) and not as a generic failure.

use thiserror::Error;

/// A bad `[resolvers.pypi]` setting: the whole call fails.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SettingsError {
    /// A key the plugin does not know.
    #[error("Unknown setting `{key}` in `[resolvers.pypi]`; known settings: `{known}`")]
    UnknownKey {
        /// The key as written.
        key: String,
        /// The known keys, joined.
        known: String,
    },
    /// A value of the wrong type.
    #[error("Setting `{key}` of `[resolvers.pypi]` must be {expected}")]
    Type {
        /// The key.
        key: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// An integer out of range.
    #[error("Setting `{key}` of `[resolvers.pypi]` must be an integer from {min} to {max}")]
    Integer {
        /// The key.
        key: &'static str,
        /// The smallest value.
        min: u64,
        /// The largest value.
        max: u64,
    },
    /// A value that does not fit.
    #[error("Setting `{key}` of `[resolvers.pypi]` must be {expected}")]
    Range {
        /// The key.
        key: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// An index URL that is not `http(s)://`.
    #[error("Setting `{key}` of `[resolvers.pypi]` must be an `https://` URL, not `{url}`")]
    Url {
        /// The key.
        key: &'static str,
        /// The URL as given.
        url: String,
    },
    /// A target the plugin has no wheel tags for.
    #[error("The `pypi` resolver knows no wheel platform for the target system `{0}`")]
    System(String),
    /// A target Python that is not `3.MINOR`.
    #[error("The target Python `{0}` is not `3.MINOR`")]
    Python(String),
}

/// A failure to fetch or read one thing from an index.
#[derive(Debug, Error)]
pub enum PypiError {
    /// A status the plugin does not accept, after retries for 5xx.
    #[error("`{url}` answered HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
    },
    /// No answer in time, every try.
    #[error("`{url}` did not answer within {seconds} s ({tries} tries)")]
    Timeout {
        /// The URL.
        url: String,
        /// The per-request timeout.
        seconds: f64,
        /// How many tries were made.
        tries: u32,
    },
    /// The connection failed (name resolution, refused, TLS), every try.
    #[error("Could not reach `{url}` ({tries} tries): {message}")]
    Transport {
        /// The URL.
        url: String,
        /// How many tries were made.
        tries: u32,
        /// The client's message.
        message: String,
    },
    /// A body over the `max-response-mib` cap.
    #[error("`{url}` sent more than {limit_mib} MiB, the cap of `max-response-mib`")]
    TooLarge {
        /// The URL.
        url: String,
        /// The cap.
        limit_mib: u64,
    },
    /// An index page that is not valid JSON or HTML of the simple API.
    #[error("`{url}` sent an invalid index page: {message}")]
    Garbage {
        /// The URL.
        url: String,
        /// What is wrong.
        message: String,
    },
    /// A downloaded file whose sha256 is not the index's.
    #[error("`{filename}` has sha256 `{actual}`, but the index publishes `{expected}`")]
    HashMismatch {
        /// The file.
        filename: String,
        /// The index's sha256, hex.
        expected: String,
        /// The downloaded file's sha256, hex.
        actual: String,
    },
    /// A range answer that does not match what was asked.
    #[error("`{url}` answered a range request with `{content_range}`")]
    BadRange {
        /// The URL.
        url: String,
        /// The `Content-Range` header, or what was missing.
        content_range: String,
    },
    /// A wheel or zip sdist that cannot be read as a zip.
    #[error("`{filename}` is not a readable zip: {message}")]
    BadZip {
        /// The file.
        filename: String,
        /// What is wrong.
        message: String,
    },
    /// A gzipped tar sdist that cannot be read.
    #[error("`{filename}` is not a readable `.tar.gz`: {message}")]
    BadTar {
        /// The file.
        filename: String,
        /// What is wrong.
        message: String,
    },
    /// A wheel without `*.dist-info/METADATA`.
    #[error("The wheel `{filename}` has no `*.dist-info/METADATA`")]
    NoMetadata {
        /// The file.
        filename: String,
    },
    /// An sdist without `PKG-INFO`.
    #[error("The sdist `{filename}` has no `PKG-INFO`")]
    NoPkgInfo {
        /// The file.
        filename: String,
    },
    /// A `pyproject.toml` that is not valid TOML.
    #[error("The `pyproject.toml` of `{filename}` is not valid TOML: {message}")]
    Pyproject {
        /// The sdist.
        filename: String,
        /// The parser's message.
        message: String,
    },
    /// An sdist archive kind the plugin cannot open (`.tar.bz2`, say).
    #[error("`{filename}` is an sdist format the `pypi` resolver cannot read")]
    SdistFormat {
        /// The file.
        filename: String,
    },
    /// A local file (`--find-links` folder) that cannot be read.
    #[error("Could not read `{path}`: {message}")]
    Local {
        /// The path.
        path: String,
        /// The cause.
        message: String,
    },
}
