//! `megapak-smoke`: see the library's documentation and `--help`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use megapak_harness::{SmokeReport, emit, table};
use megapak_smoke::spawn::{self, Job};
use megapak_smoke::{CHECKS, Options, USAGE, interpret};

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
    let bin_dir = options.bin_dir.clone().unwrap_or_else(beside_this_binary);
    let jobs: Vec<Job> = options
        .checks
        .iter()
        .map(|name| {
            let binary = CHECKS
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, b)| *b)
                .expect("checks are validated");
            Job {
                name,
                binary: bin_dir.join(binary),
                args: options.child_args(name),
            }
        })
        .collect();

    // A lock file only for this run: checks started together take turns timing the GPU.
    let lock = std::env::temp_dir().join(format!("megapak-smoke-{}.lock", std::process::id()));
    let env = vec![("MEGAPAK_GPU_LOCK".to_owned(), lock.display().to_string())];
    let finished = spawn::run_all(jobs, &env, options.timeout, options.serial);
    let _ = std::fs::remove_file(&lock);

    let checks = finished
        .iter()
        .map(|f| interpret::report(f, options.judge()))
        .collect();
    let report = SmokeReport::gather(
        checks,
        options.common.require_gpu,
        started.elapsed().as_secs_f64(),
    );
    if options.common.json {
        emit::write_stdout(&(serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"));
        let mut stderr = std::io::stderr().lock();
        for check in &report.checks {
            if let Some(d) = &check.diagnosis {
                let _ = writeln!(
                    stderr,
                    "{}: {} {}: {}",
                    check.name,
                    check.status.label(),
                    d.code,
                    d.message
                );
            }
        }
    } else {
        emit::write_stdout(&format!(
            "{}megapak-smoke: {:.2} s from start to report\n",
            table::render(&report.checks),
            report.seconds
        ));
    }
    ExitCode::from(emit::exit_code(report.status))
}

fn beside_this_binary() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("."))
}
