//! `check-torch`: see the library's documentation and `--help`.

use std::process::ExitCode;

use megapak_check_torch::{Options, USAGE, run};
use megapak_harness::emit;

fn main() -> ExitCode {
    emit::check_main(USAGE, Options::parse, |o| o.common, run)
}
