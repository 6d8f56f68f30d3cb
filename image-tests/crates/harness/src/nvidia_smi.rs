//! What `nvidia-smi` can add to a diagnosis: free memory and the processes holding it, and
//! whether MIG is on. Never required: where `nvidia-smi` is missing, hangs or says something
//! else, every answer is `None` and the diagnosis goes without the detail.
//!
//! `MEGAPAK_NVIDIA_SMI` names another program (tests use a script that prints recorded output).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long `nvidia-smi` may take before its answer is given up.
const TIMEOUT: Duration = Duration::from_secs(5);

/// The program run: `MEGAPAK_NVIDIA_SMI`, else `nvidia-smi` from `PATH`.
fn program() -> String {
    std::env::var("MEGAPAK_NVIDIA_SMI")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "nvidia-smi".to_owned())
}

/// `nvidia-smi ARGS`'s stdout when it ran and exited 0 within [`TIMEOUT`].
pub fn run(args: &[&str]) -> Option<String> {
    let mut child = Command::new(program())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break,
            Ok(Some(_)) | Err(_) => return None,
            Ok(None) if started.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    let mut text = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take()?, &mut text).ok()?;
    Some(text)
}

/// Free and total memory of GPU `index`, in MiB.
pub fn memory_mib(index: i32) -> Option<(u64, u64)> {
    let text = run(&[
        "--query-gpu=memory.free,memory.total",
        "--format=csv,noheader,nounits",
        &format!("--id={index}"),
    ])?;
    parse_memory(&text)
}

fn parse_memory(text: &str) -> Option<(u64, u64)> {
    let line = text.lines().find(|l| !l.trim().is_empty())?;
    let (free, total) = line.split_once(',')?;
    Some((free.trim().parse().ok()?, total.trim().parse().ok()?))
}

/// The processes using a GPU: `pid 4242 python (70000 MiB)` each.
pub fn compute_processes() -> Vec<String> {
    run(&[
        "--query-compute-apps=pid,process_name,used_memory",
        "--format=csv,noheader,nounits",
    ])
    .map(|text| parse_processes(&text))
    .unwrap_or_default()
}

fn parse_processes(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split(',').map(str::trim);
            let (pid, name, used) = (fields.next()?, fields.next()?, fields.next()?);
            (!pid.is_empty()).then(|| format!("pid {pid} {name} ({used} MiB)"))
        })
        .collect()
}

/// The GPUs with MIG mode on and no MIG instance visible: `0 NVIDIA A100-SXM4-80GB` each.
/// With MIG on, CUDA sees only instances; a container given the whole GPU sees none.
pub fn mig_without_instances() -> Vec<String> {
    let Some(modes) = run(&[
        "--query-gpu=index,name,mig.mode.current",
        "--format=csv,noheader",
    ]) else {
        return Vec::new();
    };
    let listing = run(&["-L"]).unwrap_or_default();
    parse_mig(&modes, &listing)
}

fn parse_mig(modes: &str, listing: &str) -> Vec<String> {
    let with_mig: Vec<(String, String)> = modes
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            match fields.as_slice() {
                [index, name, mode] if mode.eq_ignore_ascii_case("enabled") => {
                    Some(((*index).to_owned(), (*name).to_owned()))
                }
                _ => None,
            }
        })
        .collect();
    // `nvidia-smi -L` lists each GPU, then its instances indented as `  MIG 3g.40gb ...`.
    let mut instances: Vec<(String, usize)> = Vec::new();
    for line in listing.lines() {
        if let Some(rest) = line.strip_prefix("GPU ") {
            let index = rest.split(':').next().unwrap_or("").trim().to_owned();
            instances.push((index, 0));
        } else if line.trim_start().starts_with("MIG ")
            && let Some(last) = instances.last_mut()
        {
            last.1 += 1;
        }
    }
    with_mig
        .into_iter()
        .filter(|(index, _)| !instances.iter().any(|(i, count)| i == index && *count > 0))
        .map(|(index, name)| format!("{index} {name}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_and_processes_read() {
        assert_eq!(parse_memory("312, 81559\n"), Some((312, 81559)));
        assert_eq!(parse_memory("[N/A], 81559\n"), None);
        assert_eq!(
            parse_processes("4242, python, 80000\n4343, /usr/bin/ollama, 1200\n"),
            [
                "pid 4242 python (80000 MiB)",
                "pid 4343 /usr/bin/ollama (1200 MiB)"
            ]
        );
    }

    #[test]
    fn mig_on_without_an_instance_is_found() {
        let modes = "0, NVIDIA A100-SXM4-80GB, Enabled\n1, NVIDIA A100-SXM4-80GB, Disabled\n";
        let none = "GPU 0: NVIDIA A100-SXM4-80GB (UUID: GPU-1)\nGPU 1: NVIDIA A100-SXM4-80GB (UUID: GPU-2)\n";
        assert_eq!(parse_mig(modes, none), ["0 NVIDIA A100-SXM4-80GB"]);
        let with_instance = "GPU 0: NVIDIA A100-SXM4-80GB (UUID: GPU-1)\n  MIG 3g.40gb     Device  0: (UUID: MIG-1)\nGPU 1: NVIDIA A100-SXM4-80GB (UUID: GPU-2)\n";
        assert!(parse_mig(modes, with_instance).is_empty());
        assert!(parse_mig("0, NVIDIA H100, [N/A]\n", "GPU 0: NVIDIA H100\n").is_empty());
    }
}
