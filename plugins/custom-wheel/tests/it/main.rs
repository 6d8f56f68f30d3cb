//! The `custom-wheel` plugin through its C table (the harness), as megapak calls it.

// Skipped checks and the live tests' measurements are reported on stderr.
#![allow(clippy::print_stderr)]

mod git;
mod live;
mod real_lines;
mod support;
mod wheels;
