//! The encoding a file declares in a comment on one of its first two lines
//! (`# -*- coding: latin-1 -*-`), found and applied as pip's `auto_decode` does: the first of
//! those lines that starts with `#` and holds `coding:` or `coding=`, a name after it.
//!
//! A declared encoding means the same on every machine, unlike the locale pip falls back to,
//! so megapak honours it: UTF-8, ASCII and Latin-1 as Python's codecs of those names, other
//! ASCII-compatible encodings (`cp1252`, `iso-8859-15`, `shift_jis`, `gbk`, ...) through
//! `encoding_rs` by their WHATWG label or Python name (`cp932`, `latin9`).
//!
//! WHATWG's encodings are the web's, which are supersets of some of Python's codecs:
//! `iso-8859-9` is read as windows-1254 and `gb2312` as GBK (they differ from Python's only in
//! bytes Python refuses, or in 0x80 to 0x9F), and `cp1252` reads the five bytes Python's
//! refuses as control characters. A file pip reads is read alike; some that pip refuses are
//! read too. DOS code pages (`cp437`, `cp850`) have no WHATWG encoding and are refused.

use std::path::Path;

use encoding_rs::{DecoderResult, Encoding};

use crate::decode::{encoding_error, hex_bytes};
use crate::error::RequirementsError;
use crate::line_reader::saturating_u32;
use megapak_types::Location;

/// A `coding:` declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Declaration<'a> {
    /// The encoding's name as written.
    pub(crate) name: &'a str,
    /// 1-based line (1 or 2).
    pub(crate) line: u32,
    /// 1-based column of the name, in bytes.
    pub(crate) column: u32,
}

/// The declaration in the first two `\n`-separated lines of `bytes`, if there is one.
pub(crate) fn find_declaration(bytes: &[u8]) -> Option<Declaration<'_>> {
    bytes
        .split(|&b| b == b'\n')
        .take(2)
        .zip(1..)
        .filter(|(line, _)| line.starts_with(b"#"))
        .find_map(|(line, number)| {
            let (start, name) = declared_name(line)?;
            Some(Declaration {
                // The name is ASCII: letters, digits, `-`, `_` and `.`.
                name: std::str::from_utf8(name).ok()?,
                line: number,
                column: saturating_u32(start).saturating_add(1),
            })
        })
}

/// Where the name of the first `coding[:=]\s*([-\w.]+)` match of `line` starts, and the name
/// (Python's `re.search` on bytes: `\s` and `\w` are ASCII).
fn declared_name(line: &[u8]) -> Option<(usize, &[u8])> {
    const KEYWORD: &[u8] = b"coding";
    (0..line.len()).find_map(|at| {
        let rest = line[at..].strip_prefix(KEYWORD)?;
        let rest = rest
            .strip_prefix(b":")
            .or_else(|| rest.strip_prefix(b"="))?;
        let spaces = rest
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C))
            .count();
        let name_len = rest[spaces..]
            .iter()
            .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            .count();
        let start = at + KEYWORD.len() + 1 + spaces;
        (name_len > 0).then(|| (start, &line[start..start + name_len]))
    })
}

/// How a declared encoding is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeclaredCodec {
    /// UTF-8: read as any file without a declaration.
    Utf8,
    /// Python's `ascii`: bytes up to 0x7F.
    Ascii,
    /// Python's `latin-1`: each byte the character of its value (not WHATWG's windows-1252,
    /// which the label `latin1` means on the web).
    Latin1,
    /// An ASCII-compatible encoding of `encoding_rs`.
    Web(&'static Encoding),
}

impl DeclaredCodec {
    /// The codec a declared name stands for, with Python's spelling rules (any case, `-` and
    /// `_` alike); `None` for names megapak cannot read.
    pub(crate) fn for_name(name: &str) -> Option<Self> {
        let normalized = name.to_ascii_lowercase().replace('-', "_");
        let python = match normalized.as_str() {
            "utf_8" | "utf8" | "u8" | "utf" | "cp65001" | "utf_8_sig" | "utf8_ucs2"
            | "utf8_ucs4" => Some(Self::Utf8),
            "ascii" | "us_ascii" | "646" | "us" | "ansi_x3.4_1968" | "ansi_x3_4_1968"
            | "ansi_x3.4_1986" | "cp367" | "csascii" | "ibm367" | "iso646_us"
            | "iso_646.irv_1991" | "iso_ir_6" => Some(Self::Ascii),
            "latin_1" | "latin1" | "latin" | "l1" | "iso_8859_1" | "iso8859_1" | "iso8859"
            | "8859" | "cp819" | "ibm819" | "iso_ir_100" | "csisolatin1" => Some(Self::Latin1),
            // Python names that are no WHATWG label, of encodings `encoding_rs` has.
            "latin9" | "l9" | "iso8859_15" | "iso_8859_15" => {
                Some(Self::Web(encoding_rs::ISO_8859_15))
            }
            "cp932" | "ms932" | "mskanji" | "ms_kanji" => Some(Self::Web(encoding_rs::SHIFT_JIS)),
            "cp936" | "ms936" => Some(Self::Web(encoding_rs::GBK)),
            "cp949" | "ms949" | "uhc" => Some(Self::Web(encoding_rs::EUC_KR)),
            _ => None,
        };
        python.or_else(|| {
            [normalized.clone(), normalized.replace('_', "-")]
                .iter()
                .find_map(|label| Encoding::for_label(label.as_bytes()))
                .filter(|encoding| {
                    encoding.is_ascii_compatible() && *encoding != encoding_rs::REPLACEMENT
                })
                .map(|encoding| match encoding {
                    encoding if encoding == encoding_rs::UTF_8 => Self::Utf8,
                    encoding => Self::Web(encoding),
                })
        })
    }

    /// The name said in messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Utf8 => "UTF-8",
            Self::Ascii => "ASCII",
            Self::Latin1 => "Latin-1",
            Self::Web(encoding) => encoding.name(),
        }
    }

    /// Decodes `bytes` (not UTF-8: that is the caller's), naming the first byte the encoding
    /// does not allow.
    pub(crate) fn decode(self, bytes: &[u8], file: &Path) -> Result<String, RequirementsError> {
        match self {
            Self::Utf8 => unreachable!("UTF-8 is decoded as a file without a declaration"),
            Self::Latin1 => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
            Self::Ascii => match bytes.iter().position(|b| !b.is_ascii()) {
                None => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
                Some(bad) => Err(encoding_error(
                    file,
                    // ASCII up to `bad`.
                    std::str::from_utf8(&bytes[..bad]).unwrap_or_default(),
                    self.name(),
                    format!("found {}", hex_bytes(&bytes[bad..=bad])),
                )),
            },
            Self::Web(encoding) => decode_web(encoding, bytes, file),
        }
    }
}

fn decode_web(
    encoding: &'static Encoding,
    bytes: &[u8],
    file: &Path,
) -> Result<String, RequirementsError> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    let mut text = String::with_capacity(capacity);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut text, true);
    match result {
        DecoderResult::InputEmpty => Ok(text),
        DecoderResult::Malformed(bad, after) => {
            let end = read - usize::from(after);
            let start = end.saturating_sub(usize::from(bad));
            let problem = format!("found {}", hex_bytes(&bytes[start..end]));
            Err(encoding_error(file, &text, encoding.name(), problem))
        }
        // The capacity is the most the input can need.
        DecoderResult::OutputFull => Err(encoding_error(
            file,
            &text,
            encoding.name(),
            "the decoded text outgrew its buffer".to_string(),
        )),
    }
}

/// The error for a declared encoding megapak cannot read.
pub(crate) fn unsupported(declaration: &Declaration<'_>, file: &Path) -> RequirementsError {
    RequirementsError::UnsupportedEncoding {
        location: Location {
            file: file.to_path_buf(),
            line: declaration.line,
            column: declaration.column,
        },
        name: declaration.name.to_string(),
    }
}

#[cfg(test)]
#[path = "declared_encoding_tests.rs"]
mod tests;
