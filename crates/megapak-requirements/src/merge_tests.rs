use std::path::Path;

use super::*;
use crate::file::{MemoryLoader, parse_requirements_str_with};

fn file(name: &str, text: &str) -> RequirementsFile {
    parse_requirements_str_with(text, Path::new(name), &mut MemoryLoader::new())
        .unwrap_or_else(|error| panic!("{error}"))
}

fn merged(files: &[(&str, &str)]) -> Result<PackageSet, MergeError> {
    let files: Vec<_> = files.iter().map(|(name, text)| file(name, text)).collect();
    merge(&files)
}

fn message(files: &[(&str, &str)]) -> String {
    let error = merged(files).unwrap_err();
    match error.hint() {
        Some(hint) => format!("{error}\nhint: {hint}"),
        None => error.to_string(),
    }
}

#[test]
fn one_package_per_normalized_name() {
    let set = merged(&[
        ("a.txt", "PyYAML>=5\nimageio[ffmpeg]\ntorch==2.10.0 --hash=sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"),
        ("b.txt", "pyyaml<7\nImageIO[pyav]\ntorch>=2.9,==2.10.*\n"),
    ])
    .unwrap();
    assert_eq!(set.packages.len(), 3);
    let yaml = &set.packages[&"pyyaml".parse().unwrap()];
    assert_eq!(yaml.specifiers.to_string(), ">=5, <7");
    assert_eq!(
        yaml.spellings.iter().collect::<Vec<_>>(),
        ["PyYAML", "pyyaml"]
    );
    assert_eq!(
        yaml.locations
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["a.txt:1:1", "b.txt:1:1"]
    );
    let imageio = &set.packages[&"imageio".parse().unwrap()];
    assert_eq!(
        imageio.extras.iter().collect::<Vec<_>>(),
        ["ffmpeg", "pyav"]
    );
    assert_eq!(imageio.marker, None);
    let torch = &set.packages[&"torch".parse().unwrap()];
    assert_eq!(torch.specifiers.to_string(), ">=2.9, ==2.10.0, ==2.10.*");
    assert_eq!(torch.hashes.len(), 1);
    assert_eq!(torch.source, PackageSource::Registry);
}

#[test]
fn markers_are_united_unless_one_entry_is_unconditional() {
    let set = merged(&[(
        "a.txt",
        "a ; sys_platform == 'linux'\na ; sys_platform == 'darwin'\nb ; os_name == 'nt'\nb\n",
    )])
    .unwrap();
    let a = &set.packages[&"a".parse().unwrap()];
    assert_eq!(
        a.marker
            .as_ref()
            .and_then(MarkerTree::try_to_string)
            .as_deref(),
        Some("sys_platform == 'darwin' or sys_platform == 'linux'")
    );
    assert_eq!(set.packages[&"b".parse().unwrap()].marker, None);
}

fn linux_py312() -> MarkerEnvironment {
    MarkerEnvironment::try_from(pep508_rs::MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: "3.12.3",
        os_name: "posix",
        platform_machine: "x86_64",
        platform_python_implementation: "CPython",
        platform_release: "6.1",
        platform_system: "Linux",
        platform_version: "#1",
        python_full_version: "3.12.3",
        python_version: "3.12",
        sys_platform: "linux",
    })
    .unwrap()
}

#[test]
fn environment_merge_drops_entries_whose_markers_fail() {
    let files = [file(
        "a.txt",
        "x==1 ; python_version < '3.12'\nx==2 ; python_version >= '3.12'\nwin ; sys_platform == 'win32'\n",
    )];
    let env = linux_py312();
    let set = merge_for_environment(&files, &env).unwrap();
    assert_eq!(set.packages.len(), 1);
    assert_eq!(
        set.packages[&"x".parse().unwrap()].specifiers.to_string(),
        "==2"
    );
}

#[test]
fn sources() {
    let vcs = "git+https://github.com/o/r@main#egg=r";
    let set = merged(&[("a.txt", &format!("r>=1\n{vcs}\n-e {vcs}\n"))]).unwrap();
    let r = &set.packages[&"r".parse().unwrap()];
    assert!(r.is_vcs_or_url() && r.editable);
    assert_eq!(r.source.to_string(), "git+https://github.com/o/r@main");
    assert_eq!(r.specifiers.to_string(), ">=1");
    assert_eq!(set.vcs_or_url_packages().count(), 1);
    assert_eq!(set.registry_packages().count(), 0);

    insta::assert_snapshot!(
        message(&[("a.txt", vcs), ("b.txt", "\nr @ git+https://github.com/o/r@v2\n")]),
        @r"
    Package `r` has two sources: `git+https://github.com/o/r@main` at a.txt:1:1 and `git+https://github.com/o/r@v2` at b.txt:2:1
    hint: Remove or change one of the two lines
    "
    );
}

#[test]
fn constraints_stay_apart() {
    let mut loader = MemoryLoader::new();
    loader.insert("c.txt", "torch==2.10.0\nnumpy<2\n");
    let with_constraints =
        parse_requirements_str_with("-c c.txt\ntorch\n", Path::new("a.txt"), &mut loader).unwrap();
    let set = merge(std::slice::from_ref(&with_constraints)).unwrap();
    assert_eq!(
        set.packages
            .keys()
            .map(PackageName::as_str)
            .collect::<Vec<_>>(),
        ["torch"]
    );
    assert_eq!(set.constraints.len(), 2);
    assert_eq!(
        set.packages[&"torch".parse().unwrap()]
            .specifiers
            .to_string(),
        ""
    );
}

#[test]
fn index_options_are_merged() {
    let set = merged(&[
        ("a.txt", "--extra-index-url https://x/simple\n--pre\n"),
        (
            "b.txt",
            "--extra-index-url=https://x/simple\n-i https://pypi.org/simple\n",
        ),
    ])
    .unwrap();
    assert_eq!(set.index.extra_index_urls.len(), 1);
    assert!(set.index.pre);
    assert_eq!(
        set.index.index_url.unwrap().value,
        "https://pypi.org/simple"
    );

    insta::assert_snapshot!(
        message(&[("a.txt", "-i https://a/simple\n"), ("b.txt", "\n--index-url https://b/simple\n")]),
        @"b.txt:2:13: Option `--index-url` `https://b/simple` conflicts with `https://a/simple` given at a.txt:1:4"
    );
}

#[test]
fn many_different_markers_for_one_name_are_refused() {
    // United, 100,000 distinct markers would take quadratic time (and distinct variables,
    // such as extras, a decision diagram 100,000 deep).
    let text: String = (0..100_000)
        .map(|i| format!("x ; platform_release != '{i}'\n"))
        .collect();
    insta::assert_snapshot!(message(&[("a.txt", &text)]), @r"
    a.txt:33:1: Package `x` has more than 32 entries with different markers
    hint: Merge for one target environment so markers are evaluated first
    ");
    let files = [file("a.txt", &text)];
    let set = merge_for_environment(&files, &linux_py312()).unwrap();
    assert_eq!(set.packages[&"x".parse().unwrap()].marker, None);
    // The same marker many times is one marker.
    let same = "x ; os_name == 'posix'\n".repeat(100_000);
    assert!(
        merged(&[("a.txt", &same)]).unwrap().packages[&"x".parse().unwrap()]
            .marker
            .is_some()
    );
}

#[test]
fn many_entries_of_one_name_merge_in_linear_time() {
    let text = "torch==2.10.0\n".repeat(100_000);
    let set = merged(&[("a.txt", &text)]).unwrap();
    assert_eq!(
        set.packages[&"torch".parse().unwrap()].locations.len(),
        100_000
    );
}

#[test]
fn serializes_to_json() {
    let set = merged(&[(
        "a.txt",
        "x[b,a]>=1 ; os_name == 'posix'\ngit+https://h/o/y@v1\n",
    )])
    .unwrap();
    insta::assert_json_snapshot!(set.packages, @r#"
    {
      "x": {
        "name": "x",
        "spellings": [
          "x"
        ],
        "source": {
          "kind": "registry"
        },
        "extras": [
          "a",
          "b"
        ],
        "specifiers": ">=1",
        "marker": "os_name == 'posix'",
        "hashes": [],
        "config_settings": [],
        "global_options": [],
        "editable": false,
        "locations": [
          {
            "file": "a.txt",
            "line": 1,
            "column": 1
          }
        ]
      },
      "y": {
        "name": "y",
        "spellings": [
          "y"
        ],
        "source": {
          "kind": "vcs",
          "vcs": "git",
          "url": "https://h/o/y",
          "rev": "v1",
          "subdirectory": null
        },
        "extras": [],
        "specifiers": "",
        "marker": null,
        "hashes": [],
        "config_settings": [],
        "global_options": [],
        "editable": false,
        "locations": [
          {
            "file": "a.txt",
            "line": 2,
            "column": 1
          }
        ]
      }
    }
    "#);
}
