//! Big inputs through the public API: reading must stay linear and never overflow the stack.
//! No timing assertions: a quadratic path would make these tests run for hours instead.

use megapak_requirements::{EntrySource, merge};

use crate::{error, parse};

#[test]
fn a_file_of_100_000_lines() {
    let text: String = (0..100_000)
        .map(|i| match i % 4 {
            0 => format!("package-{i}>={i}.0 ; python_version >= '3.{}'\n", i % 20),
            1 => format!("# comment {i}\n"),
            2 => format!("Pkg_{i}[extra] \\\n    ==1.{i}\n"),
            _ => format!("git+https://github.com/o/repo{i}@v{i}\n"),
        })
        .collect();
    let file = parse(&text).unwrap();
    assert_eq!(file.entries.len(), 75_000);
    let last = file.entries.last().unwrap();
    assert_eq!(last.location.to_string(), "r.txt:125000:1");
    assert_eq!(merge(&[file]).unwrap().packages.len(), 75_000);
}

#[test]
fn a_line_of_a_megabyte() {
    const MB: usize = 1 << 20;
    // A long comment, a long URL, a long name, long specifiers, long whitespace.
    assert!(
        parse(&format!("#{}\n", "x".repeat(MB)))
            .unwrap()
            .entries
            .is_empty()
    );
    let url = format!("https://h/{}-1.0-py3-none-any.whl", "p".repeat(MB));
    let file = parse(&url).unwrap();
    assert!(matches!(
        file.entries[0].source,
        EntrySource::DirectUrl { .. }
    ));
    assert_eq!(
        parse(&"a".repeat(MB)).unwrap().entries[0]
            .name
            .as_str()
            .len(),
        MB
    );
    let specifiers = format!("x {}", vec![">=1"; MB / 4].join(","));
    assert_eq!(parse(&specifiers).unwrap().entries.len(), 1);
    assert_eq!(
        parse(&format!("{}x{}", " ".repeat(MB), "\t".repeat(MB)))
            .unwrap()
            .entries
            .len(),
        1
    );
    let hashes = format!(
        "x {}",
        format!("--hash=sha256:{} ", "a".repeat(64)).repeat(MB / 80)
    );
    assert_eq!(parse(&hashes).unwrap().entries[0].hashes.len(), MB / 80);
    let options = "--pre ".repeat(MB / 6);
    assert!(parse(&options).unwrap().index.pre);
    let quoted = format!("x {}", "-C'k=a b' -C \"k=\\\"\" ".repeat(MB / 20));
    assert_eq!(
        parse(&quoted).unwrap().entries[0].config_settings.len(),
        MB / 20 * 2
    );
    let word = format!("-f '{}'", "a \\\"".repeat(MB / 4));
    assert_eq!(parse(&word).unwrap().index.find_links[0].value.len(), MB);
}

#[test]
fn a_bad_line_of_a_megabyte_fails_fast_with_a_short_message() {
    const MB: usize = 1 << 20;
    for text in [
        "(".repeat(MB),
        "=".repeat(MB),
        format!("x ; {}", "(".repeat(MB)),
        format!("x ; {}", "os_name == 'a' and ".repeat(MB / 20)),
        format!("x[{}", "a,".repeat(MB / 2)),
        format!("https://{}", "[".repeat(MB)),
        "-".repeat(MB),
        format!("x {}", "--bogus ".repeat(MB / 8)),
        format!("git+https://h/{}", "@".repeat(MB)),
        "\\\n".repeat(MB / 2) + "=",
        format!("-r \"{}", "a b ".repeat(MB / 4)),
        format!("x -C {}'", "'k=v'\"x\"\\ ".repeat(MB / 12)),
        format!(
            "x @ https://h/{}${{{}}}",
            "${".repeat(MB / 4),
            "A".repeat(MB / 2)
        ),
        format!("{}x", "${".repeat(MB / 2)),
    ] {
        let message = error(&text);
        assert!(message.len() < 600, "{}", &message[..600]);
    }
}
