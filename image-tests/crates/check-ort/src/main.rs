//! `check-ort`: see the library's documentation and `--help`.

use std::process::ExitCode;
use std::time::Instant;

use megapak_check_ort::{Options, USAGE, run};
use megapak_harness::emit;

fn main() -> ExitCode {
    let started = Instant::now();
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(o) if o.common.help => {
            emit::write_stdout(&format!("{USAGE}\n"));
            return ExitCode::SUCCESS;
        }
        Ok(o) => o,
        Err(e) => return emit::usage_error(&e, USAGE),
    };
    let report = run(&options, started);
    emit::finish_check(&report, options.common)
}
