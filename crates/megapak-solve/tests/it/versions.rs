//! PEP 440's rules: pre-releases, yanked versions, local labels, Requires-Python.

use megapak_solve::{FixtureProvider, Provider};

use crate::helpers::{report, run, table};

fn torch() -> FixtureProvider {
    FixtureProvider::new("pypi")
        .with("torch", "2.9.1", &[])
        .with("torch", "2.10.0+cu130", &[])
        .with("torch", "2.11.0rc1", &[])
        .with("only-pre", "1.0b1", &[])
        .with("only-pre", "1.0b2", &[])
}

#[test]
fn pre_releases_only_when_asked_for() {
    let pypi = torch();
    let providers: [&dyn Provider; 1] = [&pypi];
    let stable = run("torch\nonly-pre\n", &providers).unwrap();
    let named = run("torch>=2.11.0rc1\n", &providers).unwrap();
    let pre = run("--pre\ntorch\n", &providers).unwrap();
    insta::assert_snapshot!(
        format!("{}--\n{}--\n{}", table(&stable), table(&named), table(&pre)),
        @r"
    only-pre 1.0b2 pypi @ paks/pak5.txt:2:1
    torch 2.10.0+cu130 pypi @ paks/pak5.txt:1:1
    --
    torch 2.11.0rc1 pypi @ paks/pak5.txt:1:1
    --
    torch 2.11.0rc1 pypi @ paks/pak5.txt:2:1
    "
    );
}

#[test]
fn a_pin_without_a_local_label_takes_the_local_build() {
    let pypi = torch();
    let providers: [&dyn Provider; 1] = [&pypi];
    let resolution = run("torch==2.10.0\n", &providers).unwrap();
    insta::assert_snapshot!(table(&resolution), @"torch 2.10.0+cu130 pypi @ paks/pak5.txt:1:1");
}

#[test]
fn yanked_versions_only_when_pinned() {
    let pypi = FixtureProvider::new("pypi")
        .with("pillow", "11.3.0", &[])
        .with("pillow", "12.0.0", &[])
        .yanked("pillow", "12.0.0");
    let providers: [&dyn Provider; 1] = [&pypi];
    let free = run("pillow\n", &providers).unwrap();
    let pinned = run("pillow==12.0.0\n", &providers).unwrap();
    let ranged = run("pillow>=12\n", &providers).unwrap_err();
    insta::assert_snapshot!(
        format!("{}{}--\n{}", table(&free), table(&pinned), report(&ranged)),
        @r#"
pillow 11.3.0 pypi @ paks/pak5.txt:1:1
pillow 12.0.0 pypi @ paks/pak5.txt:1:1
--
No set of versions satisfies the pak files:
  `paks/pak5.txt:1` asks for `pillow>=12`, which no resolver has (pypi has 12.0.0, 11.3.0: 12.0.0 is yanked (taken only when pinned))
  so no set of versions satisfies all of them
hint: Pin a version or a resolver of `pillow` with an `[[override]]` in megapak.toml (`version = "..."`, `provider = "..."`, or `attr = "..."` for another nixpkgs attribute)
hint: Let a later resolver of `[resolvers] order` supply it, or build a custom wheel for the `custom-wheel` resolver
"#
    );
}

#[test]
fn candidates_whose_requires_python_excludes_the_target_are_passed_over() {
    let pypi = FixtureProvider::new("pypi")
        .with("numba", "0.61.2", &[])
        .with("numba", "0.62.1", &[])
        .requires_python("numba", "0.61.2", ">=3.10,<3.14")
        .with("old", "1.0", &[])
        .requires_python("old", "1.0", "<3.13");
    let providers: [&dyn Provider; 1] = [&pypi];
    let resolution = run("numba\n", &providers).unwrap();
    let error = run("numba<0.62\nold\n", &providers).unwrap_err();
    insta::assert_snapshot!(format!("{}--\n{}", table(&resolution), report(&error)), @r#"
numba 0.62.1 pypi @ paks/pak5.txt:1:1
--
No set of versions satisfies the pak files:
  `paks/pak5.txt:1` asks for `numba<0.62`, which no resolver has (pypi has 0.62.1, 0.61.2: 0.61.2 needs Python `>=3.10,<3.14`)
  so no set of versions satisfies all of them
hint: Pin a version or a resolver of `numba` with an `[[override]]` in megapak.toml (`version = "..."`, `provider = "..."`, or `attr = "..."` for another nixpkgs attribute)
hint: Let a later resolver of `[resolvers] order` supply it, or build a custom wheel for the `custom-wheel` resolver
"#);
}

#[test]
fn a_constraint_limits_versions_without_bringing_the_package_in() {
    let pypi = FixtureProvider::new("pypi")
        .with("app", "1.0", &["numpy"])
        .with("numpy", "1.26.4", &[])
        .with("numpy", "2.3.4", &[])
        .with("unused", "1.0", &[]);
    let providers: [&dyn Provider; 1] = [&pypi];
    let mut loader = megapak_requirements::MemoryLoader::new();
    loader.insert("paks/constraints.txt", "numpy<2\nunused==1.0\n");
    let file = megapak_requirements::parse_requirements_str_with(
        "app\n-c constraints.txt\n",
        std::path::Path::new("paks/pak5.txt"),
        &mut loader,
    )
    .unwrap();
    let environment = crate::helpers::target().marker_environment().unwrap();
    let set = megapak_requirements::merge_for_environment(&[file], &environment).unwrap();
    let input =
        megapak_solve::SolveInput::from_parts(&set, &crate::helpers::target(), &[]).unwrap();
    let resolution = megapak_solve::solve(&input, &providers).unwrap();
    insta::assert_snapshot!(table(&resolution), @r"
app 1.0 pypi -> numpy @ paks/pak5.txt:1:1
numpy 1.26.4 pypi <- app
");
}

#[test]
fn the_targets_torch_holds_torch_to_its_release() {
    let pypi = FixtureProvider::new("pypi")
        .with("torch", "2.9.1", &[])
        .with("torch", "2.10.0+cu130", &[])
        .with("torch", "2.11.0", &[])
        .with("torchvision", "0.26.0", &["torch==2.11.0"])
        .with("torchvision", "0.25.0", &["torch==2.10.0"]);
    let providers: [&dyn Provider; 1] = [&pypi];
    let mut input = crate::helpers::input("torchvision\n", &[]);
    input.torch = Some("2.10".to_owned());
    let resolution = megapak_solve::solve(&input, &providers).unwrap();
    let pinned = crate::helpers::input("torch>=2.11\n", &[]);
    let error = megapak_solve::solve(
        &megapak_solve::SolveInput {
            torch: Some("2.10".to_owned()),
            ..pinned
        },
        &providers,
    )
    .unwrap_err();
    insta::assert_snapshot!(format!("{}--\n{}", table(&resolution), report(&error)), @r#"
    torch 2.10.0+cu130 pypi <- torchvision
    torchvision 0.25.0 pypi -> torch @ paks/pak5.txt:1:1
    --
    No set of versions satisfies the pak files:
      `paks/pak5.txt:1` asks for `torch>=2.11`, which no resolver has (pypi has 2.11.0, 2.10.0+cu130, 2.9.1: limited by `[target] torch = "2.10"`)
      so no set of versions satisfies all of them
    hint: Pin a version or a resolver of `torch` with an `[[override]]` in megapak.toml (`version = "..."`, `provider = "..."`, or `attr = "..."` for another nixpkgs attribute)
    hint: Let a later resolver of `[resolvers] order` supply it, or build a custom wheel for the `custom-wheel` resolver
    "#);
}

/// A version the provider lists but cannot supply on a closer look is stepped over, and the
/// package taken below it says why, rather than stepping back silently.
#[test]
fn a_newer_version_found_unusable_is_named_in_the_older_ones_notes() {
    let pypi = FixtureProvider::new("pypi")
        .with("torch", "2.9.1", &[])
        .without_details(
            "torch",
            "2.10.0",
            "no file of `torch` 2.10.0 fits cp314-manylinux_2_28_x86_64",
        )
        .with("numpy", "2.3.0", &[]);
    let providers: [&dyn Provider; 1] = [&pypi];
    let resolution = run("torch\nnumpy\n", &providers).unwrap();
    insta::assert_snapshot!(table(&resolution), @r"
    numpy 2.3.0 pypi @ paks/pak5.txt:2:1
    torch 2.9.1 pypi @ paks/pak5.txt:1:1
    ");
    let notes = |name: &str| {
        resolution
            .get(&name.parse().unwrap())
            .unwrap()
            .notes
            .clone()
    };
    insta::assert_snapshot!(notes("torch").join("\n"), @"Taken below a newer version found unusable: pypi lists `torch` 2.10.0 but has no details of it: no file of `torch` 2.10.0 fits cp314-manylinux_2_28_x86_64");
    assert!(notes("numpy").is_empty(), "{:?}", notes("numpy"));
}
