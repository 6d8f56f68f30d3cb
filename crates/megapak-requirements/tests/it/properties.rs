//! The fuzz target's property ([`crate::reader_property`]) on the stable toolchain, through
//! `proptest`: inputs put together from the tokens of the fuzz dictionary and arbitrary
//! characters, so CI checks the property on every change (5,000 cases each);
//! `PROPTEST_CASES=1000000` runs more.

use proptest::prelude::*;

use crate::reader_property::check_reader;

/// The tokens of `fuzz/requirements.dict` (libFuzzer's format: one `"..."` a line, with
/// `\"`, `\\` and `\xNN` escapes).
fn dictionary() -> Vec<String> {
    include_str!("../../../../fuzz/requirements.dict")
        .lines()
        .filter_map(|line| line.trim().strip_prefix('"')?.strip_suffix('"'))
        .map(unescape)
        .collect()
}

fn unescape(token: &str) -> String {
    let mut out = String::new();
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                out.push(char::from(u8::from_str_radix(&hex, 16).unwrap_or(b'?')));
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// A piece of a line: a dictionary token, a line ending Python's `splitlines` knows, a name,
/// or any character.
fn piece() -> impl Strategy<Value = String> {
    let tokens = dictionary();
    assert!(tokens.len() > 40, "the fuzz dictionary was read");
    prop_oneof![
        4 => proptest::sample::select(tokens),
        2 => proptest::sample::select(vec![
            "\n", "\r\n", "\r", "\u{0B}", "\u{0C}", "\u{1C}", "\u{85}", "\u{2028}", " \\\n", " ",
        ])
        .prop_map(str::to_owned),
        2 => "[a-zA-Z][a-zA-Z0-9._-]{0,8}",
        1 => any::<char>().prop_map(String::from),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: ProptestConfig::default().cases.max(5_000),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_reader_keeps_its_promises_on_token_soup(pieces in proptest::collection::vec(piece(), 0..48)) {
        check_reader(pieces.concat().as_bytes());
    }

    #[test]
    fn the_reader_keeps_its_promises_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        check_reader(&bytes);
    }
}

#[test]
fn a_line_ended_by_a_form_feed_is_within_the_line_count() {
    // What stopped the fuzz target after two seconds: the reader ends lines where Python's
    // `splitlines` does, the old bound counted only `\n` and `\r`.
    check_reader(b"a\x0cb\x0bc\xc2\x85d\n");
    check_reader("a\u{2028}b\u{2029}c\u{1c}d\u{1d}e\u{1e}f".as_bytes());
}
