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

#[test]
fn a_hosts_system_folder_gives_only_its_driver_libraries() {
    let dir = tempfile::tempdir().unwrap();
    let system = dir.path().join("usr/lib/x86_64-linux-gnu");
    std::fs::create_dir_all(&system).unwrap();
    for file in [
        "libc.so.6",
        "libstdc++.so.6",
        "libcuda.so.1",
        "libcuda.so.580.95.05",
        "libnvidia-ptxjitcompiler.so.1",
    ] {
        std::fs::write(system.join(file), "").unwrap();
    }
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let output = Command::new("sh")
        .arg(example().join("nix/entrypoint.sh"))
        .args(PRINT)
        .env("MEGAPAK_DRIVER_SEARCH_DIRS", &system)
        .env("MEGAPAK_LIBRARY_PATH_FILE", dir.path().join("none"))
        .env("TMPDIR", &tmp)
        .env("USER", "alice")
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .unwrap();
    let private = tmp.join("megapak-driver-alice");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!("{}||\n", private.display())
    );
    let mut linked: Vec<String> = std::fs::read_dir(&private)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            assert_eq!(
                std::fs::read_link(&path).unwrap(),
                system.join(path.file_name().unwrap())
            );
            path.file_name().unwrap().to_string_lossy().into_owned()
        })
        .collect();
    linked.sort();
    assert_eq!(
        linked,
        [
            "libcuda.so.1",
            "libcuda.so.580.95.05",
            "libnvidia-ptxjitcompiler.so.1"
        ]
    );
}
