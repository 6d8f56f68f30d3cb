//! `megapak status` end to end: real pak files, the example workspace, flakes, bad input.

mod common;

use common::{megapak, megapak_with_env, real_data, repo_root};

#[test]
fn real_megapak_paks_have_136_packages_and_6_vcs_entries() {
    let data = real_data().join("comfyui-megapak-cu130");
    let paks: Vec<String> = ["pak2.txt", "pak3.txt", "pak5.txt", "pak7.txt"]
        .iter()
        .map(|name| data.join(name).display().to_string())
        .collect();
    let mut args = vec!["status", "--format", "json", "--paks"];
    args.extend(paks.iter().map(String::as_str));
    let run = megapak(&repo_root(), &args);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["packages"], 136);
    assert_eq!(report["vcs"], 6);
    let entries: Vec<u64> = report["pak_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| file["entries"].as_u64().unwrap())
        .collect();
    assert_eq!(entries, [7, 27, 99, 9]);
}

#[test]
fn the_example_workspace_reports_in_all_three_formats() {
    let dir = tempfile::tempdir().unwrap();
    let init = megapak(dir.path(), &["init", "ws"]);
    assert_eq!(init.code, 0, "{}", init.transcript());
    for format in ["table", "markdown", "json"] {
        let run = megapak(
            dir.path(),
            &["status", "--config", "ws/megapak.toml", "--format", format],
        );
        assert_eq!(run.code, 0, "{}", run.transcript());
        insta::assert_snapshot!(format!("example_{format}"), run.stdout);
    }
}

#[test]
fn the_flake_comparison_covers_commented_todos() {
    let fixtures = repo_root().join("fixtures");
    let run = megapak(
        &fixtures,
        &[
            "status",
            "--paks",
            "paks/comfyui-todo.txt",
            "--flake",
            "flakes/comfyui-todo/flake.nix",
            "--format",
            "markdown",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    insta::assert_snapshot!(run.stdout);
    let json = megapak(
        &fixtures,
        &[
            "status",
            "--paks",
            "paks/comfyui-todo.txt",
            "--flake",
            "flakes/comfyui-todo/flake.nix",
            "--format",
            "json",
        ],
    );
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    insta::assert_json_snapshot!(
        "comfyui_todo_comparison",
        serde_json::json!({
            "in_flake": report["in_flake"],
            "commented_in_flake": report["commented_in_flake"],
            "missing_from_flake": report["missing_from_flake"],
            "only_in_flake": report["only_in_flake"],
        })
    );
}

#[test]
fn an_override_attr_matches_the_flake_attribute_of_that_name() {
    // The example maps `torch` to nixpkgs' `torchWithCuda`; a flake listing that attribute
    // lists torch, and the attribute is not "only in the flake".
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(megapak(dir.path(), &["init", "ws"]).code, 0);
    std::fs::write(
        dir.path().join("flake.nix"),
        "{ outputs = { nixpkgs, ... }: {\n  env = nixpkgs.python314.withPackages (ps: with ps; [\n    torchWithCuda\n    numpy\n  ]);\n}; }\n",
    )
    .unwrap();
    let run = megapak(
        dir.path(),
        &[
            "status",
            "--config",
            "ws/megapak.toml",
            "--flake",
            "flake.nix",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["in_flake"], serde_json::json!(["numpy", "torch"]));
    assert_eq!(report["only_in_flake"], serde_json::json!([]));
    let torch = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["name"] == "torch")
        .unwrap();
    assert_eq!(torch["flake_location"], "flake.nix:3:5");
}

#[test]
fn markers_are_judged_for_the_target_of_megapak_toml() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("megapak.toml"),
        "paks = [\"pak.txt\"]\n\n[target]\npython = \"3.14\"\nsystem = \"x86_64-linux\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("pak.txt"),
        "torch==2.10.0 ; python_version < \"3.13\"\ntorch==2.11.0 ; python_version >= \"3.13\"\npywin32 ; sys_platform == \"win32\"\ntomli ; python_version < \"3.11\"\nnumpy\n",
    )
    .unwrap();
    let run = megapak(dir.path(), &["status", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let names: Vec<&str> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["numpy", "torch"],
        "Windows and old-Python lines are no packages of this image"
    );
    assert_eq!(report["packages"], 2);

    // Without a workspace there is no target to judge markers for: the two pins contradict.
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let paks = megapak(&elsewhere, &["status", "--paks", "../pak.txt"]);
    assert_eq!(paks.code, 1, "{}", paks.transcript());
    assert!(
        paks.stderr.contains(
            "hint: Some of these entries have markers: judge them for a target with `--config`"
        ),
        "{}",
        paks.transcript()
    );
    // `--paks` beside a `megapak.toml`: the one rule finds it, and its target holds.
    let beside = megapak(
        dir.path(),
        &["status", "--format", "json", "--paks", "pak.txt"],
    );
    assert_eq!(beside.code, 0, "{}", beside.transcript());
    // `--paks` with `--config`: these pak files, the workspace's target.
    std::fs::write(
        dir.path().join("other.txt"),
        "numpy\nwheel ; sys_platform == \"darwin\"\n",
    )
    .unwrap();
    let both = megapak(
        dir.path(),
        &[
            "status",
            "--format",
            "json",
            "--config",
            "megapak.toml",
            "--paks",
            "pak.txt",
            "other.txt",
        ],
    );
    assert_eq!(both.code, 0, "{}", both.transcript());
    let report: serde_json::Value = serde_json::from_str(&both.stdout).unwrap();
    assert_eq!(report["packages"], 2, "{}", both.stdout);
    assert_eq!(report["pak_files"].as_array().unwrap().len(), 2);
}

#[test]
fn a_pak_file_named_twice_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pak.txt"), "numpy\ntorch\n").unwrap();
    let run = megapak(
        dir.path(),
        &[
            "status",
            "--format",
            "json",
            "--paks",
            "pak.txt",
            "./pak.txt",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (
            report["entries"].as_u64(),
            report["pak_files"].as_array().unwrap().len()
        ),
        (Some(2), 1)
    );
    assert_eq!(report["rows"][0]["locations"].as_array().unwrap().len(), 1);
}

#[test]
fn an_override_of_a_package_no_pak_asks_for_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("megapak.toml"),
        "paks = [\"pak.txt\"]\n\n[target]\npython = \"3.14\"\n\n[[override]]\npackage = \"numpi\"\nskip = true\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("pak.txt"), "numpy\n").unwrap();
    let run = megapak_with_env(dir.path(), &["status"], &[("NO_COLOR", "1")]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    insta::assert_snapshot!(run.stderr, @"
    warning: `megapak.toml:6` overrides `numpi`, which no pak file asks for
    hint: check the name; an override of a package that only a dependency brings in is fine
    "); // With other pak files, the workspace's overrides were not written for them: no warning.
    std::fs::write(dir.path().join("other.txt"), "torch\n").unwrap();
    let other = megapak(
        dir.path(),
        &["status", "--config", "megapak.toml", "--paks", "other.txt"],
    );
    assert_eq!(
        (other.code, other.stderr.as_str()),
        (0, ""),
        "{}",
        other.transcript()
    );
}

#[test]
fn init_twice_is_harmless_but_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(megapak(dir.path(), &["init", "ws"]).code, 0);
    assert_eq!(megapak(dir.path(), &["init", "ws"]).code, 0);
    std::fs::write(dir.path().join("ws/paks/gpu.txt"), "mine\n").unwrap();
    let run = megapak(dir.path(), &["init", "ws"]);
    insta::assert_snapshot!(run.transcript());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("ws/paks/gpu.txt")).unwrap(),
        "mine\n"
    );
}

#[test]
fn output_files_are_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    megapak(dir.path(), &["init", "ws"]);
    let run = megapak(
        dir.path(),
        &[
            "status",
            "-c",
            "ws/megapak.toml",
            "--format",
            "json",
            "-o",
            "report.json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.is_empty());
    let text = std::fs::read_to_string(dir.path().join("report.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(report["packages"].as_u64().unwrap() > 50);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn colours_only_on_request_and_never_with_no_color() {
    let dir = tempfile::tempdir().unwrap();
    megapak(dir.path(), &["init", "ws"]);
    let args = ["status", "-c", "ws/megapak.toml", "--color", "always"];
    let coloured = megapak(dir.path(), &args);
    assert!(coloured.stdout.contains('\u{1b}'), "{}", coloured.stdout);
    let no_color = megapak_with_env(dir.path(), &args, &[("NO_COLOR", "1")]);
    assert!(!no_color.stdout.contains('\u{1b}'), "{}", no_color.stdout);
    // Not a terminal: no colour by default.
    let piped = megapak(dir.path(), &["status", "-c", "ws/megapak.toml"]);
    assert!(!piped.stdout.contains('\u{1b}'), "{}", piped.stdout);
}

#[test]
fn completions_are_generated_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let run = megapak(&repo_root(), &["completions", shell]);
        assert_eq!(run.code, 0, "{}", run.transcript());
        assert!(run.stdout.contains("status"), "{shell}: {}", run.stdout);
    }
}

#[test]
fn a_pak_file_another_includes_is_counted_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "numpy\n-r b.txt\n").unwrap();
    std::fs::write(dir.path().join("b.txt"), "torch\npillow\n").unwrap();
    let run = megapak(
        dir.path(),
        &["status", "--format", "json", "--paks", "a.txt", "b.txt"],
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("note: `b.txt` is read once, through the `-r` at `a.txt:2:4`"),
        "{}",
        run.transcript()
    );
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (report["entries"].as_u64(), report["packages"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(report["pak_files"].as_array().unwrap().len(), 1);
    assert_eq!(report["rows"][0]["locations"].as_array().unwrap().len(), 1);
}
