//! `megapak.toml`: what is accepted, and the exact messages for what is not.

use std::path::Path;

use megapak_config::{Config, ConfigError};
use megapak_types::Hint;

fn load(text: &str) -> Result<Config, ConfigError> {
    Config::from_str(text, Path::new("/work/megapak.toml"))
}

/// The message, and its hint as the binary shows it.
fn error(text: &str) -> String {
    let err = load(text).expect_err("the configuration should be refused");
    match err.hint() {
        Some(hint) => format!("{err}\nhint: {hint}"),
        None => err.to_string(),
    }
}

const FULL: &str = r#"
paks = ["paks/pak2.txt", "paks/pak3.txt"]

[target]
python = "3.14"
cuda = "13.0"
torch = "2.10"
system = "x86_64-linux"

[plugins]
paths = ["my-plugins", "/opt/megapak/plugins"]
required = ["nixpkgs"]

[resolvers]
order = ["custom-wheel", "nixpkgs", "pypi"]

[resolvers.pypi]
index-url = "https://pypi.org/simple"
timeout-seconds = 30

[[override]]
package = "Torch"
provider = "nixpkgs"
attr = "torchWithCuda"

[[override]]
package = "opencv_python"
skip = true
reason = "opencv-contrib-python provides cv2"
"#;

#[test]
fn a_full_configuration_loads_with_absolute_paths() {
    let config = load(FULL).unwrap();
    assert_eq!(config.target.python, "3.14");
    assert_eq!(config.target.cuda.as_deref(), Some("13.0"));
    assert_eq!(config.target.torch.as_deref(), Some("2.10"));
    assert_eq!(config.target.system, "x86_64-linux");
    let paks: Vec<_> = config
        .paks
        .iter()
        .map(|p| (p.path.as_path(), p.line))
        .collect();
    assert_eq!(
        paks,
        [
            (Path::new("/work/paks/pak2.txt"), 2),
            (Path::new("/work/paks/pak3.txt"), 2)
        ]
    );
    assert_eq!(
        config.plugins.paths,
        [
            Path::new("/work/my-plugins"),
            Path::new("/opt/megapak/plugins")
        ]
    );
    assert_eq!(config.plugins.required, ["nixpkgs"]);
    assert_eq!(config.resolvers.order, ["custom-wheel", "nixpkgs", "pypi"]);
    let pypi = &config.resolvers.settings["pypi"];
    assert_eq!(pypi["timeout-seconds"].as_integer(), Some(30));
    assert_eq!(config.overrides.len(), 2);
    assert_eq!(config.overrides[0].package, "torch");
    assert_eq!(config.overrides[0].attr.as_deref(), Some("torchWithCuda"));
    assert_eq!(config.overrides[0].line, 21);
    assert_eq!(config.overrides[1].package, "opencv-python");
    assert!(config.overrides[1].skip);
}

#[test]
fn defaults_fill_what_is_left_out() {
    let config = load("[target]\npython = \"3.13\"\n").unwrap();
    assert_eq!(config.target.system, "x86_64-linux");
    assert_eq!(config.target.cuda, None);
    assert!(config.paks.is_empty());
    assert_eq!(config.resolvers.order, ["custom-wheel", "nixpkgs", "pypi"]);
    assert!(config.overrides.is_empty());
}

#[test]
fn unknown_keys_name_line_and_column() {
    insta::assert_snapshot!(
        error("[target]\npython = \"3.14\"\ncuda_version = \"13.0\"\n"),
        @"/work/megapak.toml:3:1: Unknown field `cuda_version`, expected one of `python`, `cuda`, `torch`, `system` (at `cuda_version`)"
    );
}

#[test]
fn wrong_types_name_line_and_column() {
    insta::assert_snapshot!(
        error("paks = \"pak.txt\"\n[target]\npython = \"3.14\"\n"),
        @r#"/work/megapak.toml:1:8: Invalid type: string "pak.txt", expected a sequence (at `"pak.txt"`)"#
    );
    insta::assert_snapshot!(
        error("[target]\npython = 3.14\n"),
        @"/work/megapak.toml:2:10: Invalid type: floating point `3.14`, expected a string (at `3.14`)"
    );
}

#[test]
fn a_missing_target_is_named() {
    insta::assert_snapshot!(
        error("paks = []\n"),
        @"/work/megapak.toml:1:1: Missing field `target`"
    );
}

#[test]
fn toml_syntax_errors_name_line_and_column() {
    insta::assert_snapshot!(
        error("[target]\npython = \"3.14\nsystem = \"x86_64-linux\"\n"),
        @"/work/megapak.toml:2:15: Invalid basic string, expected `\"`"
    );
}

#[test]
fn bad_versions_are_explained() {
    insta::assert_snapshot!(
        error("[target]\npython = \"3\"\n"),
        @r#"/work/megapak.toml:2:10: Invalid `python` version `3`: expected `MAJOR.MINOR`, such as `3.14` (at `"3"`)"#
    );
    insta::assert_snapshot!(
        error("[target]\npython = \"3.14\"\ntorch = \"two\"\n"),
        @r#"/work/megapak.toml:3:9: Invalid `torch` version `two`: expected version to start with a number, but no leading ASCII digits were found (at `"two"`)"#
    );
    insta::assert_snapshot!(
        error("[target]\npython = \"3.14\"\nsystem = \"x86_64-darwin\"\n"),
        @r#"/work/megapak.toml:3:10: Unsupported `system` `x86_64-darwin`: expected one of `x86_64-linux`, `aarch64-linux` (at `"x86_64-darwin"`)"#
    );
}

#[test]
fn resolver_tables_must_belong_to_the_order() {
    insta::assert_snapshot!(
        error("[target]\npython = \"3.14\"\n[resolvers]\norder = [\"pypi\"]\n[resolvers.nixpkgs]\nchannel = \"x\"\n"),
        @r"
    /work/megapak.toml:5:1: `[resolvers.nixpkgs]` configures a resolver that `order` does not name (at `[resolvers.nixpkgs]`)
    hint: add `nixpkgs` to `[resolvers] order`, or remove the table
    "
    );
    insta::assert_snapshot!(
        error("[target]\npython = \"3.14\"\n[resolvers]\norder = [\"pypi\", \"pypi\"]\n"),
        @r#"/work/megapak.toml:4:18: Plugin `pypi` is named twice (at `"pypi"`)"#
    );
    insta::assert_snapshot!(
        error("[target]\npython = \"3.14\"\n[resolvers]\nordr = [\"pypi\"]\n"),
        @"/work/megapak.toml:4:8: Unknown key `ordr` in `[resolvers]`: expected `order` or a `[resolvers.<name>]` table, found an array (at `[\"pypi\"]`)"
    );
}

#[test]
fn overrides_must_be_meaningful_and_unique() {
    let base = "[target]\npython = \"3.14\"\n";
    insta::assert_snapshot!(
        error(&format!("{base}[[override]]\npackage = \"torch\"\n")),
        @r#"/work/megapak.toml:4:11: Override of `torch` changes nothing: expected `provider`, `attr`, `version` or `skip = true` (at `"torch"`)"#
    );
    insta::assert_snapshot!(
        error(&format!("{base}[[override]]\npackage = \"torch\"\nskip = true\nversion = \"2.10.0\"\n")),
        @r#"/work/megapak.toml:4:11: Override of `torch` sets `skip = true` together with `provider`, `attr` or `version`: a skipped package is not resolved (at `"torch"`)"#
    );
    insta::assert_snapshot!(
        error(&format!("{base}[[override]]\npackage = \"torch\"\nskip = true\n[[override]]\npackage = \"Torch\"\nskip = true\n")),
        @r#"/work/megapak.toml:7:11: Package `torch` is overridden twice: first at line 3 (at `"Torch"`)"#
    );
    insta::assert_snapshot!(
        error(&format!("{base}[[override]]\npackage = \"torch\"\nprovider = \"conda\"\n")),
        @r#"/work/megapak.toml:5:12: Override names provider `conda`, which `[resolvers] order` does not list: expected one of `custom-wheel`, `nixpkgs`, `pypi` (at `"conda"`)"#
    );
}

#[test]
fn a_pak_listed_twice_is_refused() {
    insta::assert_snapshot!(
        error("paks = [\"paks/a.txt\", \"paks/b.txt\", \"./paks/a.txt\"]\n[target]\npython = \"3.14\"\n"),
        @r#"/work/megapak.toml:1:37: Pak `./paks/a.txt` is listed twice: first at line 1 (at `"./paks/a.txt"`)"#
    );
}

#[test]
fn an_override_attr_is_one_attribute_name() {
    let base = "[target]\npython = \"3.14\"\n[[override]]\npackage = \"torch\"\n";
    insta::assert_snapshot!(
        error(&format!("{base}attr = \"\"\n")),
        @r#"/work/megapak.toml:5:8: `attr = ""` is no attribute name of a Python package set: expected one name such as `torchWithCuda`, without `python3Packages.` (at `""`)"#
    );
    insta::assert_snapshot!(
        error(&format!("{base}attr = \"python3Packages.torchWithCuda\"\n")),
        @r#"/work/megapak.toml:5:8: `attr = "python3Packages.torchWithCuda"` is no attribute name of a Python package set: expected one name such as `torchWithCuda`, without `python3Packages.` (at `"python3Packages.torchWithCuda"`)"#
    );
}

#[test]
fn override_package_names_must_be_valid() {
    insta::assert_snapshot!(
        error("[target]\npython = \"3.14\"\n[[override]]\npackage = \"-torch\"\nskip = true\n"),
        @r#"/work/megapak.toml:4:11: Invalid package name `-torch`: expected ASCII letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit (at `"-torch"`)"#
    );
}

#[test]
fn a_missing_file_names_its_path() {
    let err = Config::load(Path::new("/nonexistent/megapak.toml")).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Cannot read the configuration `/nonexistent/megapak.toml`"),
        "{err}"
    );
}
