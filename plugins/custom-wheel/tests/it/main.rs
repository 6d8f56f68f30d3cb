//! The `custom-wheel` plugin through its C table (the harness), as megapak calls it.

mod git;
mod live;
mod support;
mod wheels;
