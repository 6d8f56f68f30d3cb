//! The report for people: each check's result, its figures, and why it did not pass.

use std::fmt::Write;

use crate::CheckReport;
use crate::report::overall;

/// Renders checks one block each, then a summary line.
pub fn render(checks: &[CheckReport]) -> String {
    let mut out = String::new();
    for check in checks {
        let _ = writeln!(
            out,
            "{:<6} {:<4} {:>7.2} s",
            check.name,
            check.status.label(),
            check.seconds
        );
        let width = check.figures.keys().map(String::len).max().unwrap_or(0);
        for (key, value) in &check.figures {
            let _ = writeln!(out, "    {key:<width$}  {value}");
        }
        if let Some(d) = &check.diagnosis {
            let _ = writeln!(out, "    {}: {}", d.code, d.message);
            let _ = writeln!(out, "    hint: {}", d.hint);
        }
    }
    let count = |s| checks.iter().filter(|c| c.status == s).count();
    let status = overall(checks.iter().map(|c| c.status));
    let _ = writeln!(
        out,
        "{}: {} passed, {} failed, {} skipped",
        status.label(),
        count(crate::Status::Passed),
        count(crate::Status::Failed),
        count(crate::Status::Skipped)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis;

    #[test]
    fn a_table_shows_figures_and_the_reason() {
        let mut cuda = CheckReport::new("cuda");
        cuda.text("driver_cuda", "13.0");
        cuda.number("copy_gb_per_s", 2901.26);
        cuda.seconds = 0.35;
        let mut torch = CheckReport::new("torch");
        torch.skip(diagnosis::no_gpu("`cuInit`: CUDA_ERROR_NO_DEVICE"));
        torch.passed = false;
        torch.seconds = 0.8;
        let expected = "\
cuda   pass    0.35 s
    copy_gb_per_s  2901.3
    driver_cuda    13.0
torch  skip    0.80 s
    no-gpu: The NVIDIA driver is loaded but sees no GPU (`cuInit`: CUDA_ERROR_NO_DEVICE)
    hint: pass the GPU to the container (`docker run --gpus all`, `podman run --device nvidia.com/gpu=all`, Kubernetes `resources.limits: nvidia.com/gpu: 1`); on a host, install the NVIDIA driver; check `NVIDIA_VISIBLE_DEVICES` and `CUDA_VISIBLE_DEVICES`
skip: 1 passed, 0 failed, 1 skipped
";
        assert_eq!(render(&[cuda, torch]), expected);
    }
}
