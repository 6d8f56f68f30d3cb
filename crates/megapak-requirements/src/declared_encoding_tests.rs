use std::path::Path;

use super::*;
use crate::decode::decode;
use megapak_types::Hint;

fn decoded(bytes: &[u8]) -> Result<String, String> {
    decode(bytes.to_vec(), Path::new("r.txt")).map_err(|error| match error.hint() {
        Some(hint) => format!("{error}\nhint: {hint}"),
        None => error.to_string(),
    })
}

#[test]
fn finds_the_declaration_as_pips_pattern_does() {
    let found = |bytes: &'static [u8]| find_declaration(bytes).map(|d| (d.name, d.line, d.column));
    assert_eq!(
        found(b"# -*- coding: latin-1 -*-\nx\n"),
        Some(("latin-1", 1, 15))
    );
    assert_eq!(
        found(b"#!/x\n# vim: set fileencoding=cp1252 :\n"),
        Some(("cp1252", 2, 25))
    );
    assert_eq!(
        found(b"#coding:\t iso8859_15\n"),
        Some(("iso8859_15", 1, 11))
    );
    // `coding:` without a name is passed over for a later one on the line.
    assert_eq!(found(b"# coding: , coding=ascii\n"), Some(("ascii", 1, 20)));
    // Only the first two lines count, and only lines that start with `#`.
    assert_eq!(found(b"x\ny\n# coding: latin-1\n"), None);
    assert_eq!(found(b" # coding: latin-1\n"), None);
    assert_eq!(found(b"x  # coding: latin-1\n"), None);
    assert_eq!(found(b"# encoding latin-1\n"), None);
}

#[test]
fn names_are_read_with_pythons_spelling_rules() {
    for (name, codec) in [
        ("UTF-8", DeclaredCodec::Utf8),
        ("utf8", DeclaredCodec::Utf8),
        ("Latin-1", DeclaredCodec::Latin1),
        ("ISO-8859-1", DeclaredCodec::Latin1),
        ("iso8859_1", DeclaredCodec::Latin1),
        ("us-ascii", DeclaredCodec::Ascii),
        ("cp1252", DeclaredCodec::Web(encoding_rs::WINDOWS_1252)),
        ("iso8859_15", DeclaredCodec::Web(encoding_rs::ISO_8859_15)),
        ("Shift_JIS", DeclaredCodec::Web(encoding_rs::SHIFT_JIS)),
        ("euc_jp", DeclaredCodec::Web(encoding_rs::EUC_JP)),
        ("iso8859", DeclaredCodec::Latin1),
        ("latin9", DeclaredCodec::Web(encoding_rs::ISO_8859_15)),
        ("cp932", DeclaredCodec::Web(encoding_rs::SHIFT_JIS)),
        ("cp936", DeclaredCodec::Web(encoding_rs::GBK)),
        ("cp949", DeclaredCodec::Web(encoding_rs::EUC_KR)),
    ] {
        assert_eq!(DeclaredCodec::for_name(name), Some(codec), "{name}");
    }
    // Not ASCII-compatible, WHATWG's stand-in for unsafe encodings, or unknown.
    for name in ["utf-16", "iso-2022-kr", "cp437", "klingon"] {
        assert_eq!(DeclaredCodec::for_name(name), None, "{name}");
    }
}

#[test]
fn decodes_with_the_declared_encoding() {
    let cases: [(&[u8], &str); 7] = [
        // é is 0xE9 in Latin-1 and cp1252; € is 0x80 in cp1252 and 0xA4 in ISO-8859-15.
        (
            b"# -*- coding: latin-1 -*-\n# Caf\xE9\ntorch\n",
            "# -*- coding: latin-1 -*-\n# Café\ntorch\n",
        ),
        // Latin-1 is Python's, byte for byte, not the web's windows-1252.
        (
            b"# coding: latin-1\n# \x80\n",
            "# coding: latin-1\n# \u{80}\n",
        ),
        (
            b"# coding: cp1252\n# \x80\n",
            "# coding: cp1252\n# \u{20AC}\n",
        ),
        (
            b"# coding=iso-8859-15\n# \xA4\n",
            "# coding=iso-8859-15\n# \u{20AC}\n",
        ),
        (
            b"# coding: shift_jis\n# \x83\x65\x83\x58\x83\x67\n",
            "# coding: shift_jis\n# テスト\n",
        ),
        // A declared UTF-8 is UTF-8; a UTF-8 byte order mark wins over a declaration.
        (
            "# coding: utf-8\n# é\n".as_bytes(),
            "# coding: utf-8\n# é\n",
        ),
        (
            "\u{feff}# x\n# coding: latin-1\n# é\n".as_bytes(),
            "\u{feff}# x\n# coding: latin-1\n# é\n",
        ),
    ];
    for (bytes, text) in cases {
        assert_eq!(decoded(bytes).as_deref(), Ok(text), "{bytes:?}");
    }
}

#[test]
fn bytes_the_declared_encoding_forbids_are_located() {
    assert_eq!(
        decoded(b"# coding: ascii\ntorch\nnumpy # \xE9\n").unwrap_err(),
        "r.txt:3:9: The file is not valid ASCII: found byte 0xE9\nhint: Save the file as UTF-8"
    );
    assert_eq!(
        decoded(b"# coding: shift_jis\nab\x83\n").unwrap_err(),
        "r.txt:2:3: The file is not valid Shift_JIS: found byte 0x83\nhint: Save the file as UTF-8"
    );
    assert_eq!(
        decoded(b"x\n# -*- coding: klingon -*-\n").unwrap_err(),
        "r.txt:2:15: The file declares the encoding `klingon`, which megapak cannot read\nhint: Save the file as UTF-8 and drop the `coding:` line; an ASCII-compatible encoding with a WHATWG label (`cp1252`, `iso-8859-15`, `shift_jis`) is read too"
    );
}
