//! Arbitrary bytes, as lossy UTF-8, through the requirements reader and the merge. Nothing
//! may panic, and what is read must be consistent with the input. The property itself lives in
//! `crates/megapak-requirements/tests/it/reader_property.rs`, which the stable test suite also
//! runs through `proptest` on every change (`cargo test -p megapak-requirements properties`).
//!
//! ```text
//! cd fuzz
//! cargo +nightly fuzz run -O requirements_reader -- -dict=requirements.dict -max_total_time=300
//! ```
//! (With a stable compiler: `RUSTC_BOOTSTRAP=1 cargo fuzz run ...`.)

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/megapak-requirements/tests/it/reader_property.rs"]
mod reader_property;

fuzz_target!(|data: &[u8]| reader_property::check_reader(data));
