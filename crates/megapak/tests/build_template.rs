//! The workspace flake `megapak init` writes (`crates/megapak/example/flake.nix` and `nix/`):
//! its Nix files parse (rnix, and a real `nix-instantiate --parse` when Nix is installed), its
//! entrypoint finds a driver's `libcuda.so.1` and runs its arguments (run with `sh` over fake
//! folders), its library check names an ELF file with a missing library (with `cc`-built
//! libraries), and the image runs the harness by the name `megapak verify --gpu --image` uses.

mod common;

use std::os::unix::fs::PermissionsExt;
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

fn files_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(
                    path.strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    found.sort();
    found
}

#[test]
fn init_writes_the_workspace_flake() {
    let dir = tempfile::tempdir().unwrap();
    let run = megapak(dir.path(), &["init", "ws"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    insta::assert_snapshot!(files_under(&dir.path().join("ws")).join("\n"), @r"
    flake.nix
    megapak.toml
    nix/check-libraries.sh
    nix/checks.nix
    nix/entrypoint.sh
    nix/image.nix
    nix/runtime.nix
    paks/comfyui.txt
    paks/custom-nodes.txt
    paks/gpu.txt
    ");
    for name in ["flake.nix", "nix/entrypoint.sh"] {
        assert_eq!(
            std::fs::read(dir.path().join("ws").join(name)).unwrap(),
            std::fs::read(example().join(name)).unwrap(),
            "{name}"
        );
    }
}

fn template_nix_files() -> Vec<PathBuf> {
    files_under(&example())
        .into_iter()
        .filter(|f| f.ends_with(".nix"))
        .map(|f| example().join(f))
        .collect()
}

#[test]
fn the_flake_files_parse_with_rnix() {
    let files = template_nix_files();
    assert!(files.len() >= 4, "{files:?}");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let parse = rnix::Root::parse(&text);
        assert!(
            parse.errors().is_empty(),
            "{}: {:?}",
            path.display(),
            parse.errors()
        );
    }
}

#[test]
fn the_flake_files_parse_with_nix_instantiate() {
    if Command::new("nix-instantiate")
        .arg("--version")
        .output()
        .is_err()
    {
        skip("`nix-instantiate` is not on PATH (CI installs Debian's nix-bin)");
        return;
    }
    for path in template_nix_files() {
        let output = Command::new("nix-instantiate")
            .arg("--parse")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// Runs the entrypoint with `sh`, the driver searched in `search`, the image's library folders
/// listed in `list`; the command it runs prints `LD_LIBRARY_PATH` and its own arguments.
fn entrypoint(
    search: &str,
    list: &Path,
    inherited: Option<&str>,
    args: &[&str],
) -> (i32, String, String) {
    let mut command = Command::new("sh");
    command
        .arg(example().join("nix/entrypoint.sh"))
        .args(args)
        .env("MEGAPAK_DRIVER_SEARCH_DIRS", search)
        .env("MEGAPAK_LIBRARY_PATH_FILE", list);
    match inherited {
        Some(value) => command.env("LD_LIBRARY_PATH", value),
        None => command.env_remove("LD_LIBRARY_PATH"),
    };
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

const PRINT: [&str; 4] = [
    "sh",
    "-c",
    r#"printf '%s|%s|%s\n' "$LD_LIBRARY_PATH" "$1" "$2"; exit 7"#,
    "print",
];

#[test]
fn the_entrypoint_puts_the_driver_after_the_images_libraries_and_execs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for folder in [
        "usr/lib64",
        "usr/lib/x86_64-linux-gnu",
        "usr/local/nvidia/lib64",
    ] {
        std::fs::create_dir_all(d.join(folder)).unwrap();
    }
    // The toolkit's legacy mode on a non-Debian image: /usr/lib64 is empty here, the Debian
    // multiarch folder and a GPU operator's folder both have a driver: the first listed wins.
    std::fs::write(d.join("usr/lib/x86_64-linux-gnu/libcuda.so.1"), "").unwrap();
    std::fs::write(d.join("usr/local/nvidia/lib64/libcuda.so.1"), "").unwrap();
    let list = d.join("library-path");
    std::fs::write(
        &list,
        "/nix/store/x-cuda_cudart-13.0/lib\n\n# a comment\n/nix/store/y-cudnn/lib",
    )
    .unwrap();
    let search = [
        "usr/lib64",
        "usr/lib/x86_64-linux-gnu",
        "usr/local/nvidia/lib64",
    ]
    .map(|f| d.join(f).display().to_string())
    .join(":");
    let mut args = PRINT.to_vec();
    args.extend(["first arg", "second"]);
    let (code, stdout, stderr) = entrypoint(
        &search,
        &list,
        Some("/opt/extra::/nix/store/y-cudnn/lib"),
        &args,
    );
    assert_eq!(
        code, 7,
        "the command's exit status is the entrypoint's: {stderr}"
    );
    assert_eq!(
        stdout.replace(&d.display().to_string(), "[D]"),
        "/nix/store/x-cuda_cudart-13.0/lib:/nix/store/y-cudnn/lib:[D]/usr/lib/x86_64-linux-gnu:/opt/extra|first arg|second\n"
    );
}

#[test]
fn without_a_driver_the_entrypoint_still_runs_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-list");
    let (code, stdout, _) = entrypoint(&dir.path().display().to_string(), &missing, None, &PRINT);
    assert_eq!((code, stdout.as_str()), (7, "||\n"));
}

#[test]
fn the_entrypoint_needs_a_command() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = entrypoint("", &dir.path().join("list"), None, &[]);
    assert_eq!(code, 64);
    assert_eq!(stderr, "megapak-entrypoint: no command given\n");
}

fn cc(dir: &Path, out: &str, source: &str, args: &[&str]) -> bool {
    let c = dir.join(format!("{out}.c"));
    std::fs::write(&c, source).unwrap();
    Command::new("cc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(dir.join(out))
        .arg(&c)
        .args(args)
        .current_dir(dir)
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn the_library_check_names_what_is_missing_but_libcuda() {
    if Command::new("cc").arg("--version").output().is_err() {
        skip("`cc` is not on PATH: no ELF files to check");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let store = d.join("store/python3.14-wheel-1.0/lib");
    let stubs = d.join("stubs");
    std::fs::create_dir_all(&store).unwrap();
    std::fs::create_dir_all(&stubs).unwrap();
    assert!(cc(
        &stubs,
        "libghost.so",
        "int ghost(void){return 1;}",
        &["-Wl,-soname,libghost.so.1"]
    ));
    assert!(cc(
        &stubs,
        "libcuda.so",
        "int cuInit(int f){return f;}",
        &["-Wl,-soname,libcuda.so.1"]
    ));
    let needs = "int ghost(void); int cuInit(int); int f(void){return ghost()+cuInit(0);}";
    assert!(cc(
        &store,
        "libneeds.so",
        needs,
        &["-L../../../stubs", "-lghost", "-lcuda"]
    ));
    let cuda_only = "int cuInit(int); int g(void){return cuInit(0);}";
    assert!(cc(
        &store,
        "libdriver.so",
        cuda_only,
        &["-L../../../stubs", "-lcuda"]
    ));
    std::fs::write(store.join("README"), "not an ELF file").unwrap();
    std::fs::set_permissions(store.join("README"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let paths = d.join("store-paths");
    std::fs::write(
        &paths,
        format!("{}\n", d.join("store/python3.14-wheel-1.0").display()),
    )
    .unwrap();
    let list = d.join("library-path");
    let check = |list_text: &str| {
        std::fs::write(&list, list_text).unwrap();
        let output = Command::new("sh")
            .arg(example().join("nix/check-libraries.sh"))
            .arg(&paths)
            .arg(&list)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (
            output.status.code(),
            text.replace(&d.display().to_string(), "[D]"),
        )
    };

    let (code, text) = check("");
    assert_eq!(code, Some(1), "{text}");
    insta::assert_snapshot!(text, @r"
    [D]/store/python3.14-wheel-1.0/lib/libneeds.so needs libghost.so.1
    check-libraries: 1 of 2 ELF files need libraries no folder has
    ");

    // The library in a folder of the image's list: found, as the entrypoint makes it.
    let folder = d.join("ghost");
    std::fs::create_dir(&folder).unwrap();
    std::fs::copy(stubs.join("libghost.so"), folder.join("libghost.so.1")).unwrap();
    let (code, text) = check(&format!("# the image's folders\n{}\n", folder.display()));
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(
        text,
        "check-libraries: all 2 ELF files have their libraries (allowed missing: libcuda.so.1)\n"
    );
}

#[test]
fn the_image_runs_the_harness_by_the_name_verify_uses() {
    let runtime = std::fs::read_to_string(example().join("nix/runtime.nix")).unwrap();
    let image = std::fs::read_to_string(example().join("nix/image.nix")).unwrap();
    let harness = megapak_verify::container::IMAGE_HARNESS;
    // `docker run --entrypoint megapak-smoke IMAGE`: found on the image's PATH, in /bin.
    assert!(
        runtime.contains(&format!("$out/bin/{harness}")),
        "{runtime}"
    );
    assert!(
        runtime.contains(&format!("${{harness}}/bin/{harness}")),
        "{runtime}"
    );
    assert!(image.contains("\"PATH=/bin:/usr/bin\""), "{image}");
    // verify passes no capabilities: the image must grant `compute` itself.
    assert!(
        image.contains("\"NVIDIA_DRIVER_CAPABILITIES=compute,utility\""),
        "{image}"
    );
    assert!(
        image.contains("Entrypoint = [ \"/bin/megapak-entrypoint\" ]"),
        "{image}"
    );
}

/// The template's `outputs` evaluated by a real Nix with a stand-in nixpkgs
/// (`fixtures/build/flake-eval`), over a workspace whose lock has `target` and whose emitted
/// files are the smallest valid ones.
fn evaluate_flake(lock: &str) -> Option<serde_json::Value> {
    if Command::new("nix-instantiate")
        .arg("--version")
        .output()
        .is_err()
    {
        skip("`nix-instantiate` is not on PATH (CI installs Debian's nix-bin)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(megapak(dir.path(), &["init", "ws"]).code, 0);
    let ws = dir.path().join("ws");
    std::fs::write(ws.join("megapak.lock"), lock).unwrap();
    std::fs::write(
        ws.join("nix/python-packages.nix"),
        "{ pkgs }:\nfinal: prev: { }\n",
    )
    .unwrap();
    std::fs::write(ws.join("nix/packages.nix"), "ps: [ ]\n").unwrap();
    let output = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json"])
        .arg(repo_root().join("fixtures/build/flake-eval"))
        .arg("--arg")
        .arg("workspace")
        .arg(&ws)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).unwrap())
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
        "args": [
          "env",
          "packages",
          "python",
          "runtime"
        ],
        "file": "checks.nix"
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
    if Command::new("nix-instantiate")
        .arg("--version")
        .output()
        .is_err()
    {
        skip("`nix-instantiate` is not on PATH (CI installs Debian's nix-bin)");
        return None;
    }
    let output = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json"])
        .arg(repo_root().join("fixtures/build/flake-eval/image.nix"))
        .arg("--arg")
        .arg("image")
        .arg(example().join("nix/image.nix"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).unwrap())
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
          "NVIDIA_REQUIRE_CUDA=cuda>=13.0"
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
