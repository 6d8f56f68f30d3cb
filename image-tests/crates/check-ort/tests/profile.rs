//! onnxruntime's real profile: PyPI's CPU onnxruntime 1.31.1 profiles this crate's model, and
//! the parser must read that output as it is (every node on the CPU, none on CUDA).

use megapak_check_ort::classify::Context;
use megapak_check_ort::onnx::{COMPUTE_NODES, Model};
use megapak_check_ort::session::{self, Provider};
use megapak_check_ort::{DIMS, profile, runtime};
use megapak_harness_test_support::onnxruntime;

#[test]
fn the_cpu_sessions_real_profile_shows_every_node_on_the_cpu() {
    let env = runtime::init(&onnxruntime("1.31.1")).expect("the CPU library loads");
    let model = Model::build(DIMS);
    let x = model.input();
    let dir = tempfile::tempdir().unwrap();
    let context = Context::default();
    let mut cpu = session::session(
        &env,
        &model,
        Provider::Cpu,
        Some(&dir.path().join("cpu")),
        &context,
    )
    .expect("a CPU session");
    session::run(&mut cpu, &model, &x, Provider::Cpu, &context).expect("a run");
    session::run(&mut cpu, &model, &x, Provider::Cpu, &context).expect("a second run");
    let text = session::end_profiling(&mut cpu).expect("the profile is read");
    if let Some(out) = std::env::var_os("MEGAPAK_DUMP_PROFILE") {
        std::fs::write(out, &text).unwrap();
    }
    let counts = profile::count_nodes(&text, profile::CUDA).expect("the profile parses");
    assert_eq!(counts.cuda, 0, "{counts:?}\n{text}");
    assert_eq!(counts.cpu, COMPUTE_NODES, "{counts:?}\n{text}");
    assert_eq!(counts.transfers, 0);
    assert!(profile::judge(&counts, profile::CUDA, COMPUTE_NODES).is_err());
    let on_cpu = profile::count_nodes(&text, "CPUExecutionProvider").unwrap();
    assert_eq!(
        profile::judge(&on_cpu, "CPUExecutionProvider", COMPUTE_NODES),
        Ok(())
    );
}
