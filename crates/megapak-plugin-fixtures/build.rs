//! Compiles every C fixture plugin into `$OUT_DIR/lib<fixture>.so` with the `cc` crate's idea
//! of the C compiler (`CC`, `CFLAGS` and cross settings are honoured).

use std::path::{Path, PathBuf};
use std::process::Command;

/// `(fixture, source, FAULT_* macros)`; the plugin name is the fixture with `_` as `-`.
const FIXTURES: &[(&str, &str, &[&str])] = &[
    ("c_resolver", "c-resolver/resolver.c", &[]),
    ("c_wrong_abi", "c-faults/faults.c", &["FAULT_ABI_MAJOR_1"]),
    (
        "c_no_symbol",
        "c-faults/faults.c",
        &["FAULT_NO_ENTRY_SYMBOL"],
    ),
    ("c_no_details", "c-faults/faults.c", &["FAULT_NO_DETAILS"]),
    (
        "c_describe_invalid_json",
        "c-faults/faults.c",
        &["FAULT_DESCRIBE_INVALID_JSON"],
    ),
    (
        "c_describe_wrong_schema",
        "c-faults/faults.c",
        &["FAULT_DESCRIBE_WRONG_SCHEMA"],
    ),
    (
        "c_describe_error",
        "c-faults/faults.c",
        &["FAULT_DESCRIBE_ERROR"],
    ),
    (
        "c_candidates_invalid_json",
        "c-faults/faults.c",
        &["FAULT_CANDIDATES_INVALID_JSON"],
    ),
    (
        "c_candidates_wrong_schema",
        "c-faults/faults.c",
        &["FAULT_CANDIDATES_WRONG_SCHEMA"],
    ),
    (
        "c_candidates_stray_package",
        "c-faults/faults.c",
        &["FAULT_CANDIDATES_STRAY_PACKAGE"],
    ),
    (
        "c_candidates_error",
        "c-faults/faults.c",
        &["FAULT_CANDIDATES_ERROR"],
    ),
    (
        "c_candidates_unknown_status",
        "c-faults/faults.c",
        &["FAULT_CANDIDATES_UNKNOWN_STATUS"],
    ),
    (
        "c_candidates_abi_1_answer",
        "c-faults/faults.c",
        &["FAULT_CANDIDATES_ABI_1_ANSWER"],
    ),
    (
        "c_candidates_abort",
        "c-faults/faults.c",
        &["FAULT_CANDIDATES_ABORT"],
    ),
    (
        "c_entry_at_zero",
        "c-faults/entry_faults.c",
        &["FAULT_ENTRY_AT_ZERO"],
    ),
    (
        "c_misaligned_table",
        "c-faults/entry_faults.c",
        &["FAULT_MISALIGNED_TABLE"],
    ),
];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.join("../..");
    let sources = root.join("fixtures/plugins");
    let include = root.join("crates/megapak-plugin-abi/include");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    println!(
        "cargo::rerun-if-changed={}",
        sources.join("c-resolver").display()
    );
    println!(
        "cargo::rerun-if-changed={}",
        sources.join("c-faults").display()
    );
    println!("cargo::rerun-if-changed={}", include.display());

    for (fixture, source, faults) in FIXTURES {
        let name = fixture.replace('_', "-");
        let mut build = cc::Build::new();
        build
            .pic(true)
            .std("c11")
            .warnings(true)
            .extra_warnings(true)
            .include(&include)
            .define("PLUGIN_NAME", format!("\"{name}\"").as_str());
        for fault in *faults {
            build.define(fault, None);
        }
        let output = out_dir.join(format!("lib{fixture}.so"));
        compile_shared(&build, &sources.join(source), &output);
    }
}

fn compile_shared(build: &cc::Build, source: &Path, output: &Path) {
    let mut command: Command = build.get_compiler().to_command();
    command.arg("-shared").arg("-o").arg(output).arg(source);
    let status = command
        .status()
        .unwrap_or_else(|err| panic!("could not run the C compiler {command:?}: {err}"));
    assert!(status.success(), "{command:?} failed with {status}");
}
