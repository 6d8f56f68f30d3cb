//! Every form of line pip accepts, read into entries and options.

use std::path::Path;

use megapak_requirements::{MemoryLoader, parse_requirements_str_with};

use crate::{parse, summary};

const SHA_A: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const SHA_B: &str = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

#[test]
fn every_requirement_form() {
    let text = format!(
        r#"# Essentials
ftfy
imageio[ffmpeg,pyav]   # trailing comment
  Typing_Extensions >=4.12, <5 ; python_version < "3.13"
torch==2.10.0 \
    --hash={SHA_A} \
    --hash {SHA_B}
opencv-python-headless (>=4.10)

onnxruntime-gpu @ https://files.example/onnxruntime_gpu-1.31.1-cp312-cp312-manylinux_2_28_x86_64.whl#sha256=00
https://files.example/Nvidia_ML_Py-13.580.82-py3-none-any.whl
https://files.example/pkg-1.0.tar.gz#egg=Some.Pkg ; sys_platform == 'linux'
git+https://github.com/openai/CLIP.git
git+https://github.com/cozy-comfyui/cozy_comfyui@main#egg=cozy_comfyui
-e git+ssh://git@github.com/o/repo.git@v1.2#egg=repo&subdirectory=python
--editable=hg+https://hg.example/r@tip
cstr @ git+https://github.com/ltdrdata/cstr.git@abc123
"#
    );
    let file = parse(&text).unwrap();
    assert!(file.constraints.is_empty() && file.includes.is_empty());
    insta::assert_snapshot!(summary(&file.entries), @r#"
    r.txt:2:1 ftfy (ftfy) registry ``
        raw: ftfy
    r.txt:3:1 imageio (imageio) registry `` extras=[ffmpeg,pyav]
        raw: imageio[ffmpeg,pyav]
    r.txt:4:3 typing-extensions (Typing_Extensions) registry `>=4.12, <5` marker=`python_full_version < '3.13'`
        raw: Typing_Extensions >=4.12, <5 ; python_version < "3.13"
    r.txt:5:1 torch (torch) registry `==2.10.0` hashes=2
        raw: torch==2.10.0     --hash=sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa     --hash sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
    r.txt:8:1 opencv-python-headless (opencv-python-headless) registry `>=4.10`
        raw: opencv-python-headless (>=4.10)
    r.txt:10:1 onnxruntime-gpu (onnxruntime-gpu) url `https://files.example/onnxruntime_gpu-1.31.1-cp312-cp312-manylinux_2_28_x86_64.whl#sha256=00`
        raw: onnxruntime-gpu @ https://files.example/onnxruntime_gpu-1.31.1-cp312-cp312-manylinux_2_28_x86_64.whl#sha256=00
    r.txt:11:1 nvidia-ml-py (Nvidia_ML_Py) url `https://files.example/Nvidia_ML_Py-13.580.82-py3-none-any.whl`
        raw: https://files.example/Nvidia_ML_Py-13.580.82-py3-none-any.whl
    r.txt:12:1 some-pkg (Some.Pkg) url `https://files.example/pkg-1.0.tar.gz#egg=Some.Pkg` marker=`sys_platform == 'linux'`
        raw: https://files.example/pkg-1.0.tar.gz#egg=Some.Pkg ; sys_platform == 'linux'
    r.txt:13:1 clip (CLIP) git `https://github.com/openai/CLIP.git` rev=None subdirectory=None
        raw: git+https://github.com/openai/CLIP.git
    r.txt:14:1 cozy-comfyui (cozy_comfyui) git `https://github.com/cozy-comfyui/cozy_comfyui` rev=Some("main") subdirectory=None
        raw: git+https://github.com/cozy-comfyui/cozy_comfyui@main#egg=cozy_comfyui
    r.txt:15:1 repo (repo) git `ssh://git@github.com/o/repo.git` rev=Some("v1.2") subdirectory=Some("python") editable
        raw: -e git+ssh://git@github.com/o/repo.git@v1.2#egg=repo&subdirectory=python
    r.txt:16:1 r (r) hg `https://hg.example/r` rev=Some("tip") subdirectory=None editable
        raw: --editable=hg+https://hg.example/r@tip
    r.txt:17:1 cstr (cstr) git `https://github.com/ltdrdata/cstr.git` rev=Some("abc123") subdirectory=None
        raw: cstr @ git+https://github.com/ltdrdata/cstr.git@abc123
    "#);
    let torch = &file.entries[3];
    assert_eq!(torch.hashes, [SHA_A, SHA_B]);
    assert!(!torch.is_vcs_or_url());
    assert!(file.entries[5..].iter().all(|entry| entry.is_vcs_or_url()));
}

#[test]
fn index_options_are_recorded_with_their_location() {
    let file = parse(
        "--index-url https://pypi.org/simple\n\
         --extra-index-url=https://download.pytorch.org/whl/cu130 --pre\n\
         -f https://links.example/ --find-links=./wheels\n\
         --no-binary :all: --only-binary=torch,numpy --prefer-binary\n\
         --trusted-host links.example --require-hashes --no-index\n\
         torch\n",
    )
    .unwrap();
    assert_eq!(file.entries.len(), 1);
    insta::assert_json_snapshot!(file.index, @r#"
    {
      "index_url": {
        "value": "https://pypi.org/simple",
        "location": {
          "file": "r.txt",
          "line": 1,
          "column": 13
        }
      },
      "extra_index_urls": [
        {
          "value": "https://download.pytorch.org/whl/cu130",
          "location": {
            "file": "r.txt",
            "line": 2,
            "column": 19
          }
        }
      ],
      "find_links": [
        {
          "value": "https://links.example/",
          "location": {
            "file": "r.txt",
            "line": 3,
            "column": 4
          }
        },
        {
          "value": "./wheels",
          "location": {
            "file": "r.txt",
            "line": 3,
            "column": 40
          }
        }
      ],
      "no_index": true,
      "pre": true,
      "prefer_binary": true,
      "require_hashes": true,
      "no_binary": [
        {
          "value": ":all:",
          "location": {
            "file": "r.txt",
            "line": 4,
            "column": 13
          }
        }
      ],
      "only_binary": [
        {
          "value": "torch,numpy",
          "location": {
            "file": "r.txt",
            "line": 4,
            "column": 33
          }
        }
      ],
      "trusted_hosts": [
        {
          "value": "links.example",
          "location": {
            "file": "r.txt",
            "line": 5,
            "column": 16
          }
        }
      ],
      "use_features": []
    }
    "#);
}

#[test]
fn comments_continuations_and_line_endings() {
    let file = parse(
        "\u{feff}# header \\\r\nfirst\r\n\r\nsecond \\\r\n  >=1 # comment\r\n#last\\\rthird \t# c\r",
    )
    .unwrap();
    insta::assert_snapshot!(summary(&file.entries), @r"
    r.txt:2:1 first (first) registry ``
        raw: first
    r.txt:4:1 second (second) registry `>=1`
        raw: second   >=1
    r.txt:7:1 third (third) registry ``
        raw: third
    ");
}

#[test]
fn lines_end_where_pythons_splitlines_ends_them() {
    // pip splits a file with `str.splitlines`: form feed, the file separators, NEL and the
    // Unicode line and paragraph separators end a line too (a comment included).
    let file =
        parse("# c\u{0C}a\u{0B}b # c\u{85}c\u{2028}d\u{2029}e\u{1C}f\u{1D}g\u{1E}h\n").unwrap();
    let names: Vec<(String, u32)> = file
        .entries
        .iter()
        .map(|entry| (entry.name.to_string(), entry.location.line))
        .collect();
    assert_eq!(
        names,
        [
            ("a", 2),
            ("b", 3),
            ("c", 4),
            ("d", 5),
            ("e", 6),
            ("f", 7),
            ("g", 8),
            ("h", 9)
        ]
        .map(|(name, line)| (name.to_string(), line))
    );
    assert_eq!(
        crate::error("a\u{2028}b\u{85}c d\n"),
        "r.txt:3:3: Invalid requirement `c d`: expected one of `@`, `(`, `<`, `=`, `>`, `~`, `!`, `;`, found `d`"
    );
}

#[test]
fn per_requirement_options_and_features_are_kept() {
    let file = parse(&format!(
        "--use-feature=fast-deps\n\
         --use-feature truststore --pre\n\
         torch==2.10.0 --config-settings=--build-option=--cpp_ext -C \"k=a b\" \\\n\
         \x20   --global-option=--no-user-cfg --hash={SHA_A}\n\
         -e git+https://github.com/o/r@main#egg=r --config-settings editable_mode=compat\n\
         numpy -C k=v\n\
         --use-feature=fast-deps\n"
    ))
    .unwrap();
    let features: Vec<String> = file
        .index
        .use_features
        .iter()
        .map(|feature| format!("{} {}", feature.location, feature.value))
        .collect();
    assert_eq!(features, ["r.txt:1:15 fast-deps", "r.txt:2:15 truststore"]);
    assert!(file.index.pre);
    let [torch, r, numpy] = file.entries.as_slice() else {
        panic!("{:?}", file.entries)
    };
    assert_eq!(torch.config_settings, ["--build-option=--cpp_ext", "k=a b"]);
    assert_eq!(torch.global_options, ["--no-user-cfg"]);
    assert_eq!(torch.hashes, [SHA_A]);
    assert!(r.editable);
    assert_eq!(r.config_settings, ["editable_mode=compat"]);
    assert_eq!(numpy.config_settings, ["k=v"]);
    assert!(numpy.global_options.is_empty() && numpy.hashes.is_empty());

    // Merging keeps them, each once, in reading order.
    let again = parse("torch -C k=a\\ b -C z=1 --global-option=--no-user-cfg\n").unwrap();
    let set = megapak_requirements::merge(&[file, again]).unwrap();
    let torch = &set.packages[&megapak_requirements::PackageName::new("torch").unwrap()];
    assert_eq!(
        torch.config_settings,
        ["--build-option=--cpp_ext", "k=a b", "z=1"]
    );
    assert_eq!(torch.global_options, ["--no-user-cfg"]);
    let features: Vec<&str> = set
        .index
        .use_features
        .iter()
        .map(|feature| feature.value.as_str())
        .collect();
    assert_eq!(features, ["fast-deps", "truststore"]);
}

#[test]
fn option_values_are_unquoted_as_a_shell_does() {
    let mut loader = MemoryLoader::new();
    loader.insert("my reqs.txt", "numpy\n");
    loader.insert("q2b.txt", "pillow\n");
    loader.insert("constraints.txt", "numpy<2\n");
    let file = parse_requirements_str_with(
        "-r \"my reqs.txt\" -r \"q2b.txt\"\n\
         -c 'constraints.txt'\n\
         --extra-index-url 'https://x/simple' --index-url=\"https://pypi.org/simple\"\n\
         --find-links=my\\ wheels\n\
         -e \"git+https://github.com/o/r@main#egg=r\"\n",
        Path::new("r.txt"),
        &mut loader,
    )
    .unwrap();
    let includes: Vec<String> = file
        .includes
        .iter()
        .map(|include| format!("{} {}", include.location, include.path.display()))
        .collect();
    assert_eq!(
        includes,
        [
            "r.txt:1:4 my reqs.txt",
            "r.txt:1:21 q2b.txt",
            "r.txt:2:4 constraints.txt"
        ]
    );
    insta::assert_snapshot!(summary(&file.entries), @r#"
    my reqs.txt:1:1 numpy (numpy) registry ``
        raw: numpy
    q2b.txt:1:1 pillow (pillow) registry ``
        raw: pillow
    r.txt:5:1 r (r) git `https://github.com/o/r` rev=Some("main") subdirectory=None editable
        raw: -e "git+https://github.com/o/r@main#egg=r"
    "#);
    assert_eq!(file.constraints.len(), 1);
    let index = &file.index;
    assert_eq!(index.extra_index_urls[0].value, "https://x/simple");
    assert_eq!(index.extra_index_urls[0].location.to_string(), "r.txt:3:19");
    assert_eq!(
        index.index_url.as_ref().unwrap().value,
        "https://pypi.org/simple"
    );
    assert_eq!(index.find_links[0].value, "my wheels");
}
