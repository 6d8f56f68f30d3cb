//! The workspace flake `megapak init` writes, evaluated and built by a real Nix (Debian's
//! nix-bin, 2.8) with stand-ins for nixpkgs (`fixtures/build/flake-eval`): which Python and CUDA
//! package set the flake wires together, what `nix/image.nix` gives `streamLayeredImage`, and
//! `nix/runtime.nix` built over fake trees with the wrapped harness run. Without Nix these
//! tests skip with a printed reason.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{megapak, repo_root};

fn example() -> PathBuf {
    repo_root().join("crates/megapak/example")
}

fn skip(reason: &str) {
    #[expect(
        clippy::print_stdout,
        reason = "the skip reason belongs in the test output"
    )]
    {
        println!("skipped: {reason}");
    }
}

/// Whether `nix-instantiate` is missing here (the evaluations then skip, saying why).
fn nix_instantiate_missing() -> bool {
    let missing = Command::new("nix-instantiate")
        .arg("--version")
        .output()
        .is_err();
    if missing {
        skip("`nix-instantiate` is not on PATH (CI installs Debian's nix-bin)");
    }
    missing
}

/// `nix-instantiate --eval --strict --json FIXTURE --arg NAME FILE ARGS...` of the repository's
/// `fixture` (a stand-in evaluation of one of the template's files), as JSON.
fn evaluate_fixture(fixture: &str, name: &str, file: &Path, args: &[&str]) -> serde_json::Value {
    let output = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json"])
        .arg(repo_root().join(fixture))
        .arg("--arg")
        .arg(name)
        .arg(file)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The template's `outputs` evaluated by a real Nix with a stand-in nixpkgs
/// (`fixtures/build/flake-eval`), over a workspace whose lock has `target` and whose emitted
/// files have the emitter's shapes over three stand-in packages.
fn evaluate_flake(lock: &str) -> Option<serde_json::Value> {
    if nix_instantiate_missing() {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(megapak(dir.path(), &["init", "ws"]).code, 0);
    let ws = dir.path().join("ws");
    std::fs::write(ws.join("megapak.lock"), lock).unwrap();
    // The emitted files' shapes, with stand-in packages: two with import names, one without.
    std::fs::write(
        ws.join("nix/python-packages.nix"),
        r#"{ pkgs }:
final: prev: {
  torch = { pname = "torch"; pythonImportsCheck = [ "torch" ]; };
  opencv-python-headless = { pname = "opencv-python-headless"; pythonImportsCheck = [ "cv2" ]; };
  comfyui-frontend = { pname = "comfyui-frontend"; };
}
"#,
    )
    .unwrap();
    std::fs::write(
        ws.join("nix/packages.nix"),
        "ps: [\n  ps.comfyui-frontend\n  ps.opencv-python-headless\n  ps.torch\n]\n",
    )
    .unwrap();
    Some(evaluate_fixture(
        "fixtures/build/flake-eval",
        "workspace",
        &ws,
        &[],
    ))
}

fn test_lock() -> String {
    std::fs::read_to_string(repo_root().join("fixtures/build/workspace/megapak.lock")).unwrap()
}

#[test]
fn the_flake_builds_the_locks_python_and_cuda() {
    let Some(outputs) = evaluate_flake(&test_lock()) else {
        return;
    };
    insta::assert_json_snapshot!(outputs, @r#"
    {
      "checks": {
        "imports": {
          "modules": "cv2 torch",
          "name": "megapak-imports",
          "unchecked": "comfyui-frontend"
        },
        "libraries": {
          "modules": null,
          "name": "megapak-libraries",
          "unchecked": null
        }
      },
      "config": {
        "allowUnfree": true,
        "cudaSupport": true
      },
      "cudaPackages": "cudaPackages_13_0",
      "harness": {
        "args": [
          "python3Packages"
        ],
        "file": "megapak-smoke.nix",
        "python3Packages": "python314"
      },
      "image": {
        "args": [
          "cuda",
          "env",
          "name",
          "packages",
          "python",
          "runtime"
        ],
        "cuda": "13.0",
        "env": "python314-env",
        "file": "image.nix",
        "name": "megapak-image",
        "python": "python314"
      },
      "runtime": {
        "args": [
          "cudaPackages",
          "env",
          "harness",
          "python"
        ],
        "cudaPackages": "cudaPackages_13_0",
        "file": "runtime.nix",
        "harness": "megapak-smoke.nix"
      },
      "shell": [
        "python314-env",
        "runtime.nix"
      ],
      "system": "x86_64-linux"
    }
    "#);
}

#[test]
fn a_cpu_lock_builds_without_cuda_and_another_cuda_minor_is_followed() {
    let lock = test_lock();
    let cpu = lock
        .replace("cuda = \"13.0\"\n", "")
        .replace("python = \"3.14\"", "python = \"3.13\"");
    let Some(outputs) = evaluate_flake(&cpu) else {
        return;
    };
    assert_eq!(outputs["config"]["cudaSupport"], false);
    assert_eq!(outputs["image"]["cuda"], serde_json::Value::Null);
    assert_eq!(outputs["runtime"]["cudaPackages"], serde_json::Value::Null);
    assert_eq!(outputs["image"]["python"], "python313");
    // No overlay: nixpkgs' default CUDA set is left alone.
    assert_eq!(outputs["cudaPackages"], "cudaPackages_12_9");

    let newer = lock.replace("cuda = \"13.0\"", "cuda = \"13.1\"");
    let outputs = evaluate_flake(&newer).unwrap();
    assert_eq!(outputs["cudaPackages"], "cudaPackages_13_1");
    assert_eq!(outputs["runtime"]["cudaPackages"], "cudaPackages_13_1");
}

/// `nix/image.nix` evaluated with a stand-in `dockerTools` (`fixtures/build/flake-eval/image.nix`):
/// the arguments it gives `streamLayeredImage`.
fn evaluate_image(args: &[&str]) -> Option<serde_json::Value> {
    if nix_instantiate_missing() {
        return None;
    }
    Some(evaluate_fixture(
        "fixtures/build/flake-eval/image.nix",
        "image",
        &example().join("nix/image.nix"),
        args,
    ))
}

#[test]
fn the_image_puts_torch_and_cuda_on_layers_of_their_own() {
    let Some(image) = evaluate_image(&[]) else {
        return;
    };
    insta::assert_json_snapshot!(image, @r#"
    {
      "config": {
        "Cmd": [
          "python3"
        ],
        "Entrypoint": [
          "/bin/megapak-entrypoint"
        ],
        "Env": [
          "PATH=/bin:/usr/bin",
          "HOME=/root",
          "SSL_CERT_FILE=/nix/store/cacert/etc/ssl/certs/ca-bundle.crt",
          "NVIDIA_VISIBLE_DEVICES=all",
          "NVIDIA_DRIVER_CAPABILITIES=compute,utility",
          "NVIDIA_REQUIRE_CUDA=cuda>=13.0",
          "MEGAPAK_CUDA_MAJOR=13"
        ],
        "WorkingDir": "/root"
      },
      "contents": [
        "/nix/store/python3.14-env",
        "/nix/store/megapak-runtime",
        "/nix/store/fake-nss",
        "/nix/store/ca-certificates",
        "/nix/store/usr-bin-env",
        "/nix/store/bin-sh"
      ],
      "extraCommands": "mkdir -p tmp root\nchmod 1777 tmp\nchmod 0700 root\n",
      "layeringPipeline": [
        [
          "subcomponent_out",
          [
            "/nix/store/torch",
            "/nix/store/cuda_cudart-13.0-lib"
          ]
        ],
        [
          "over",
          "main",
          [
            "pipe",
            [
              [
                "popularity_contest"
              ],
              [
                "limit_layers",
                30
              ]
            ]
          ]
        ],
        [
          "over",
          "rest",
          [
            "pipe",
            [
              [
                "popularity_contest"
              ],
              [
                "limit_layers",
                69
              ]
            ]
          ]
        ]
      ],
      "name": "megapak-image",
      "tag": "latest"
    }
    "#);
}

#[test]
fn a_cpu_image_without_torch_ranks_every_path() {
    let Some(image) = evaluate_image(&["--arg", "cuda", "null", "--arg", "withTorch", "false"])
    else {
        return;
    };
    assert_eq!(
        image["layeringPipeline"],
        serde_json::json!([["popularity_contest"], ["limit_layers", 99]])
    );
    let env: Vec<&str> = image["config"]["Env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        !env.iter().any(|e| e.starts_with("NVIDIA_REQUIRE_CUDA")),
        "{env:?}"
    );
    assert!(env.contains(&"NVIDIA_DRIVER_CAPABILITIES=compute,utility"));
}

/// `nix/megapak-smoke.nix` evaluated with stand-ins for `rustPlatform` and `runCommand`
/// (`fixtures/build/flake-eval/smoke.nix`): what torch-sys is told for `check-torch`.
fn evaluate_smoke(args: &[&str]) -> Option<serde_json::Value> {
    if nix_instantiate_missing() {
        return None;
    }
    Some(evaluate_fixture(
        "fixtures/build/flake-eval/smoke.nix",
        "smoke",
        &repo_root().join("nix/megapak-smoke.nix"),
        args,
    ))
}

/// nixpkgs' torch splits its headers and libraries into outputs of their own; a wheel (torch
/// from PyPI or a custom wheel) keeps them in `site-packages/torch`, where `LIBTORCH` alone
/// finds them: naming the outputs there would send torch-sys to folders that do not exist.
#[test]
fn the_harness_finds_libtorch_in_a_source_build_and_in_a_wheel() {
    let Some(source) = evaluate_smoke(&[]) else {
        return;
    };
    let wheel = evaluate_smoke(&[
        "--argstr",
        "torchFrom",
        "wheel",
        "--argstr",
        "torchVersion",
        "2.11.0",
    ])
    .expect("nix-instantiate ran once already");
    insta::assert_json_snapshot!([source, wheel], @r#"
    [
      {
        "LIBTORCH": "/nix/store/python3.14-torch-2.10.0/lib/python3.14/site-packages/torch",
        "LIBTORCH_INCLUDE": "/nix/store/python3.14-torch-2.10.0-dev",
        "LIBTORCH_LIB": "/nix/store/python3.14-torch-2.10.0-lib",
        "buildFeatures": [
          "link-cuda"
        ],
        "cargoRoot": "image-tests/torch-2.10"
      },
      {
        "LIBTORCH": "/nix/store/python3.14-torch-2.11.0/lib/python3.14/site-packages/torch",
        "LIBTORCH_INCLUDE": null,
        "LIBTORCH_LIB": null,
        "buildFeatures": [
          "link-cuda"
        ],
        "cargoRoot": "image-tests"
      }
    ]
    "#);
}

/// Whether Nix builds without a sandbox, as Debian's nix-bin does: the runtime test's stand-in
/// `runCommand` uses the host's `sed`, `readlink` and `chmod`.
fn nix_builds_unsandboxed() -> bool {
    let output = Command::new("nix")
        .args([
            "--extra-experimental-features",
            "nix-command",
            "show-config",
        ])
        .output();
    match output {
        Ok(output) if output.status.success() => {
            let config = String::from_utf8_lossy(&output.stdout);
            if config.lines().any(|l| l.trim() == "sandbox = true") {
                skip(
                    "Nix builds in a sandbox here: the stand-in runCommand needs the host's tools",
                );
                return false;
            }
            true
        }
        _ => {
            skip("`nix` is not on PATH (CI installs Debian's nix-bin)");
            false
        }
    }
}

fn redact_store(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("/nix/store/") {
        let (before, after) = rest.split_at(at + "/nix/store/".len());
        out.push_str(before);
        if after.len() > 33 && after.as_bytes()[32] == b'-' {
            out.push_str("[HASH]");
            rest = &after[32..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn the_wrapped_harness_finds_onnxruntime_nvrtc_the_libraries_and_the_driver() {
    if !nix_builds_unsandboxed() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let nonce = format!("{:?}-{}", std::time::SystemTime::now(), std::process::id());
    let output = Command::new("nix-build")
        .arg(repo_root().join("fixtures/build/flake-eval/runtime.nix"))
        .arg("--arg")
        .arg("runtime")
        .arg(example().join("nix/runtime.nix"))
        .args(["--argstr", "nonce", &nonce])
        .args(["--no-out-link", "--option", "substituters", ""])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let runtime = PathBuf::from(String::from_utf8(output.stdout).unwrap().trim());
    let list = std::fs::read_to_string(runtime.join("etc/megapak/library-path")).unwrap();
    insta::assert_snapshot!(redact_store(&list), @r"
    /nix/store/[HASH]-cuda_cudart-13.0/lib
    /nix/store/[HASH]-cuda_nvrtc-13.0/lib
    /nix/store/[HASH]-libcublas-13.0/lib
    /nix/store/[HASH]-python3.14-env/lib/python3.14/site-packages/torch/lib
    /nix/store/[HASH]-python3.14-env/lib/python3.14/site-packages/nvidia/cudnn/lib
    ");

    // The driver where the container toolkit mounts it; the harness prints what it was given.
    let driver = dir.path().join("usr/lib64");
    std::fs::create_dir_all(&driver).unwrap();
    std::fs::write(driver.join("libcuda.so.1"), "").unwrap();
    let run = Command::new(runtime.join("bin/megapak-smoke"))
        .args(["--json", "--require-gpu"])
        .env("MEGAPAK_DRIVER_SEARCH_DIRS", &driver)
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    let text = redact_store(&String::from_utf8_lossy(&run.stdout))
        .replace(&driver.display().to_string(), "[DRIVER]");
    insta::assert_snapshot!(text, @r"
    args=--json --require-gpu
    LD_LIBRARY_PATH=/nix/store/[HASH]-cuda_cudart-13.0/lib:/nix/store/[HASH]-cuda_nvrtc-13.0/lib:/nix/store/[HASH]-libcublas-13.0/lib:/nix/store/[HASH]-python3.14-env/lib/python3.14/site-packages/torch/lib:/nix/store/[HASH]-python3.14-env/lib/python3.14/site-packages/nvidia/cudnn/lib:[DRIVER]
    ORT_DYLIB_PATH=/nix/store/[HASH]-python3.14-env/lib/python3.14/site-packages/onnxruntime/capi/libonnxruntime.so.1.31.1
    MEGAPAK_NVRTC_DIR=/nix/store/[HASH]-cuda_nvrtc-13.0/lib
    ");
}
