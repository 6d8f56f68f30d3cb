use super::*;
use crate::entry::VcsKind;

fn ok(text: &str) -> ParsedRequirement {
    parse_requirement(text, false).unwrap_or_else(|error| panic!("{text}: {error:?}"))
}

fn err(text: &str) -> (usize, String) {
    let (offset, error) = parse_requirement(text, false).unwrap_err();
    (offset, error.to_string())
}

fn specifiers(requirement: &ParsedRequirement) -> String {
    match &requirement.source {
        EntrySource::Registry { specifiers } => specifiers.to_string(),
        other => panic!("not a registry source: {other:?}"),
    }
}

#[test]
fn plain_names_extras_specifiers_markers() {
    let r = ok("PyYAML");
    assert_eq!((r.name.as_str(), r.spelling.as_str()), ("pyyaml", "PyYAML"));
    assert_eq!(specifiers(&r), "");
    assert!(r.extras.is_empty() && r.marker.is_none());

    let r = ok("imageio[ffmpeg,PyAV]");
    assert_eq!(r.extras.iter().collect::<Vec<_>>(), ["ffmpeg", "pyav"]);

    let r = ok("torch >=2.10, <2.12 ; python_version < \"3.13\" and sys_platform == 'linux'");
    assert_eq!(specifiers(&r), ">=2.10, <2.12");
    assert_eq!(
        r.marker.unwrap().try_to_string().unwrap(),
        "python_full_version < '3.13' and sys_platform == 'linux'"
    );

    let r = ok("x (>=1, !=1.5)");
    assert_eq!(specifiers(&r), ">=1, !=1.5");
}

#[test]
fn always_true_markers_are_dropped() {
    assert!(
        ok("x ; python_version >= '3' or python_version < '3'")
            .marker
            .is_none()
    );
}

#[test]
fn named_urls() {
    let r = ok(
        "torch @ https://download.pytorch.org/whl/torch-2.10.0-cp312-cp312-linux_x86_64.whl#sha256=ab",
    );
    assert_eq!(
        r.source,
        EntrySource::DirectUrl {
            url: "https://download.pytorch.org/whl/torch-2.10.0-cp312-cp312-linux_x86_64.whl#sha256=ab"
                .into()
        }
    );
    let r =
        ok("Cozy_Comfy @ git+https://github.com/cozy-comfyui/cozy_comfy@v1 ; os_name == 'posix'");
    assert_eq!(r.name.as_str(), "cozy-comfy");
    let EntrySource::Vcs(vcs) = r.source else {
        panic!()
    };
    assert_eq!(vcs.url, "https://github.com/cozy-comfyui/cozy_comfy");
    assert_eq!(vcs.rev.as_deref(), Some("v1"));
    assert!(r.marker.is_some());
}

#[test]
fn bare_urls() {
    let r = ok("git+https://github.com/openai/CLIP.git");
    assert_eq!((r.name.as_str(), r.spelling.as_str()), ("clip", "CLIP"));
    assert!(matches!(&r.source, EntrySource::Vcs(v) if v.vcs == VcsKind::Git && v.rev.is_none()));

    let r = ok("git+https://github.com/cozy-comfyui/cozy_comfyui@main#egg=cozy_comfyui");
    assert_eq!(r.name.as_str(), "cozy-comfyui");

    let r = ok(
        "https://x/onnxruntime_gpu-1.31.1-cp312-cp312-manylinux_2_28_x86_64.whl[cuda] ; python_version >= '3.10'",
    );
    assert_eq!(r.name.as_str(), "onnxruntime-gpu");
    assert_eq!(r.extras.iter().collect::<Vec<_>>(), ["cuda"]);
    assert!(r.marker.is_some());

    let r = ok("https://x/y-1.0-py3-none-any.whl; python_version >= '3.10'");
    assert_eq!(r.name.as_str(), "y");
    assert!(r.marker.is_some());
}

#[test]
fn editables_must_be_vcs_urls() {
    let r = parse_requirement("git+https://github.com/o/r@main#egg=r", true).unwrap();
    assert_eq!(r.name.as_str(), "r");
    for text in [".", "./pkg", "torch", "https://x/y-1.0-py3-none-any.whl"] {
        let (_, error) = parse_requirement(text, true).unwrap_err();
        assert!(
            matches!(error, SyntaxError::EditableNotVcs { .. }),
            "{text}"
        );
    }
}

#[test]
fn local_paths_are_refused() {
    for text in [
        "./pkg",
        "../x",
        "/abs/x",
        "dist/x-1.0-py3-none-any.whl",
        "x.tar.gz",
        "~/x",
    ] {
        assert!(
            matches!(
                parse_requirement(text, false),
                Err((0, SyntaxError::LocalPath { .. }))
            ),
            "{text}"
        );
    }
}

#[test]
fn pep508_errors_keep_their_offset() {
    assert_eq!(
        err("torch==>2"),
        (
            5,
            "Invalid requirement `torch==>2`: no such comparison operator \"==>\", must be one of ~= == != <= >= < > ===".into()
        )
    );
    assert_eq!(
        err("foo bar"),
        (
            4,
            "Invalid requirement `foo bar`: expected one of `@`, `(`, `<`, `=`, `>`, `~`, `!`, `;`, found `b`".into()
        )
    );
    assert_eq!(err("x[").0, 1);
    // `pep508_rs` would panic on these.
    for (text, offset, what) in [
        ("huggingface-[x]", 11, "package name"),
        ("  a_ ==1", 3, "package name"),
        ("a.;", 1, "package name"),
        ("b-", 1, "package name"),
        ("imageio[ffmpeg,pd--extra-index- u", 30, "extra"),
        ("x [ a- ]", 5, "extra"),
        ("x[a,b_]", 5, "extra"),
        ("x[a.", 3, "extra"),
    ] {
        let (at, message) = err(text);
        assert_eq!(at, offset, "{text}");
        assert!(
            message.contains(&format!("the {what} to end with a letter or digit")),
            "{message}"
        );
    }
    assert_eq!(ok("x [ a-b , c ]").extras.len(), 2);
    for (text, offset) in [
        ("x ; os_name == \"a\" \u{fffd}\u{fffd}", 19),
        ("x>=1;os_name=='é'and sys_platform=='b'", 15),
        ("x ; os_name == 'a' 'éé'", 20),
        ("x ; sys_platform <= 'a'b'é", 25),
        (
            "x @ https://h/é;x/y-1-py3-none-any.whl ; os_name == 'a' é",
            57,
        ),
        ("https://h/y-1-py3-none-any.whl ; os_name == 'a' é", 48),
    ] {
        let (at, message) = err(text);
        assert_eq!(at, offset, "{text}");
        assert!(
            message.contains("expected ASCII characters only"),
            "{message}"
        );
    }
    // Non-ASCII in the URL is not in the marker.
    assert!(
        ok("x @ https://h/é;x/y-1-py3-none-any.whl ; os_name == 'a'")
            .marker
            .is_some()
    );
    let (offset, message) = err("https://x/y-1-py3-none-any.whl ; python_version <");
    assert_eq!(offset, 49);
    assert!(
        message.starts_with("Invalid marker ` python_version <`: expected marker value"),
        "{message}"
    );
    let (offset, message) = err("https://x/y-1-py3-none-any.whl junk");
    assert_eq!(offset, 31);
    assert!(
        message.contains("expected `;` and a marker after the URL, found `junk`"),
        "{message}"
    );
    let (offset, message) = err("https://x/y.whl[a,-b]");
    assert_eq!(offset, 16);
    assert!(
        message.starts_with("Invalid requirement `https://x/y.whl[a,-b]`"),
        "{message}"
    );
    let (offset, message) = err("x @ s3://bucket/x.whl");
    assert_eq!(offset, 4);
    assert!(message.contains("unsupported scheme `s3`"), "{message}");
}

#[test]
fn deep_or_long_markers_are_refused_not_recursed() {
    let deep = format!(
        "x ; {}python_version < '3'{}",
        "(".repeat(1 << 20),
        ")".repeat(1 << 20)
    );
    let (offset, message) = err(&deep);
    assert_eq!(offset, 4 + 32);
    assert!(
        message.contains("parentheses nested at most 32 deep"),
        "{message}"
    );
    assert!(message.len() < 300, "the message quotes a snippet only");

    let ok_depth = format!(
        "x ; {}python_version < '3'{}",
        "(".repeat(30),
        ")".repeat(30)
    );
    assert!(ok(&ok_depth).marker.is_some());

    let terms: Vec<String> = (0..100_000).map(|i| format!("extra == 'e{i}'")).collect();
    let (_, message) = err(&format!("x ; {}", terms.join(" or ")));
    assert!(message.contains("at most 128 `and`/`or`"), "{message}");
    let (offset, message) = err(&format!("x[{}", "a,".repeat(1 << 19)));
    assert_eq!(offset, 2 + 2 * 63 + 1);
    assert!(message.contains("at most 64 extras"), "{message}");
    let many = (0..64)
        .map(|i| format!("e{i}"))
        .collect::<Vec<_>>()
        .join(",");
    assert_eq!(ok(&format!("x[{many}]")).extras.len(), 64);
    // Quoted words do not count.
    let quoted = format!("x ; os_name == '{}'", " or".repeat(1000));
    assert!(ok(&quoted).marker.is_some());
}

#[test]
fn huge_single_requirements_parse_in_one_pass() {
    let name = format!("a{}", "b".repeat(1 << 20));
    assert_eq!(ok(&name).name.as_str().len(), name.len());
    let specs = format!("x {}", vec![">=1"; 200_000].join(","));
    assert!(specifiers(&ok(&specs)).starts_with(">=1, >=1"));
    let url = format!("x @ https://host/{}.whl", "p".repeat(1 << 20));
    assert!(matches!(ok(&url).source, EntrySource::DirectUrl { .. }));
    let (_, message) = err(&"=".repeat(1 << 20));
    assert!(message.len() < 400, "{}", message.len());
}
