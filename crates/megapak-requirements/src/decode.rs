//! The bytes of a file to text, as pip's `auto_decode` does it for the encodings that mean
//! the same on every machine: UTF-16 and UTF-32 after their byte order mark (PowerShell's
//! `pip freeze > requirements.txt` writes UTF-16LE), the encoding a `# -*- coding: ... -*-`
//! line declares (see [`crate::declared_encoding`]), UTF-8 otherwise. Where pip would fall
//! back to the machine's locale, megapak refuses what is not UTF-8, naming the line of the
//! first invalid byte.

use std::path::Path;

use crate::declared_encoding::{DeclaredCodec, find_declaration, unsupported};
use crate::error::RequirementsError;
use crate::line_reader::{LINE_BREAKS, saturating_u32};
use megapak_types::Location;

/// A text encoding with a byte order mark, and the mark.
#[derive(Debug, Clone, Copy)]
enum Wide {
    Utf16Le,
    Utf16Be,
    Utf32Le,
    Utf32Be,
}

impl Wide {
    /// The encoding a byte order mark at the start of `bytes` announces. UTF-32LE's mark
    /// starts with UTF-16LE's, so it is looked for first.
    fn detect(bytes: &[u8]) -> Option<Self> {
        [
            (Self::Utf32Le, &[0xFF, 0xFE, 0, 0][..]),
            (Self::Utf32Be, &[0, 0, 0xFE, 0xFF]),
            (Self::Utf16Le, &[0xFF, 0xFE]),
            (Self::Utf16Be, &[0xFE, 0xFF]),
        ]
        .into_iter()
        .find_map(|(encoding, bom)| bytes.starts_with(bom).then_some(encoding))
    }

    fn name(self) -> &'static str {
        match self {
            Self::Utf16Le => "UTF-16LE",
            Self::Utf16Be => "UTF-16BE",
            Self::Utf32Le => "UTF-32LE",
            Self::Utf32Be => "UTF-32BE",
        }
    }

    /// The bytes of the byte order mark and of each code unit.
    fn unit(self) -> usize {
        match self {
            Self::Utf16Le | Self::Utf16Be => 2,
            Self::Utf32Le | Self::Utf32Be => 4,
        }
    }

    /// Decodes what follows the byte order mark; on failure, the text before the problem and
    /// what the problem is.
    fn decode(self, bytes: &[u8]) -> Result<String, (String, String)> {
        let unit = self.unit();
        let body = &bytes[unit..];
        let units = body.chunks_exact(unit);
        let lone = units.remainder().len();
        let mut text = String::with_capacity(body.len() / unit);
        match self {
            Self::Utf16Le | Self::Utf16Be => {
                let units = units.map(|pair| {
                    let pair = [pair[0], pair[1]];
                    match self {
                        Self::Utf16Le => u16::from_le_bytes(pair),
                        _ => u16::from_be_bytes(pair),
                    }
                });
                for c in char::decode_utf16(units) {
                    match c {
                        Ok(c) => text.push(c),
                        Err(error) => {
                            let problem = format!(
                                "found the unpaired surrogate 0x{:04X}",
                                error.unpaired_surrogate()
                            );
                            return Err((text, problem));
                        }
                    }
                }
            }
            Self::Utf32Le | Self::Utf32Be => {
                for quad in units {
                    let quad = [quad[0], quad[1], quad[2], quad[3]];
                    let code = match self {
                        Self::Utf32Le => u32::from_le_bytes(quad),
                        _ => u32::from_be_bytes(quad),
                    };
                    match char::from_u32(code) {
                        Some(c) => text.push(c),
                        None => {
                            let problem = format!("found 0x{code:X}, which is not a character");
                            return Err((text, problem));
                        }
                    }
                }
            }
        }
        if lone > 0 {
            let problem = format!(
                "found {lone} byte{} at the end of the file, less than a code unit",
                if lone == 1 { "" } else { "s" }
            );
            return Err((text, problem));
        }
        Ok(text)
    }
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decodes the contents of `file`: UTF-16 or UTF-32 after a byte order mark, else the declared
/// encoding, else UTF-8 (whose byte order mark the line reader skips).
pub(crate) fn decode(bytes: Vec<u8>, file: &Path) -> Result<String, RequirementsError> {
    if let Some(encoding) = Wide::detect(&bytes) {
        return encoding
            .decode(&bytes)
            .map_err(|(before, problem)| encoding_error(file, &before, encoding.name(), problem));
    }
    // A UTF-8 byte order mark wins over a declaration, as in pip.
    if !bytes.starts_with(UTF8_BOM)
        && let Some(declaration) = find_declaration(&bytes)
    {
        match DeclaredCodec::for_name(declaration.name) {
            None => return Err(unsupported(&declaration, file)),
            Some(DeclaredCodec::Utf8) => {}
            Some(codec) => return codec.decode(&bytes, file),
        }
    }
    let text = String::from_utf8(bytes).map_err(|error| {
        let bytes = error.as_bytes();
        let valid = error.utf8_error().valid_up_to();
        let problem = match error.utf8_error().error_len() {
            Some(length) => format!("found {}", hex_bytes(&bytes[valid..valid + length])),
            None => format!(
                "found {} cut off at the end of the file",
                hex_bytes(&bytes[valid..])
            ),
        };
        // `valid_up_to` ends on a character boundary.
        let before = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
        encoding_error(file, before, "UTF-8", problem)
    })?;
    match text.find('\0') {
        None => Ok(text),
        Some(nul) => Err(encoding_error(
            file,
            &text[..nul],
            "UTF-8",
            nul_problem(text.as_bytes()),
        )),
    }
}

/// What a NUL byte in a file that is otherwise valid UTF-8 means: UTF-16 saved without a
/// byte order mark puts one beside every ASCII character (and then the text before it looks
/// valid); else a binary file, or one cut by a crash.
fn nul_problem(bytes: &[u8]) -> String {
    let pairs = bytes.chunks_exact(2).take(256);
    let count = pairs.len();
    let (mut low, mut high) = (0, 0);
    for pair in pairs {
        match pair {
            [c, 0] if *c != 0 => low += 1,
            [0, c] if *c != 0 => high += 1,
            _ => {}
        }
    }
    let utf16 = if low * 2 >= count {
        Some("UTF-16LE")
    } else if high * 2 >= count {
        Some("UTF-16BE")
    } else {
        None
    };
    match utf16 {
        Some(encoding) => {
            format!("found a NUL byte: the file looks like {encoding} without a byte order mark")
        }
        None => "found a NUL byte".to_string(),
    }
}

/// `byte 0xE9`, `bytes 0xE2 0x82`.
pub(crate) fn hex_bytes(bytes: &[u8]) -> String {
    let hex: Vec<String> = bytes.iter().map(|b| format!("0x{b:02X}")).collect();
    format!(
        "byte{} {}",
        if bytes.len() == 1 { "" } else { "s" },
        hex.join(" ")
    )
}

/// The error at the end of `before`, the valid text before the problem: its line counts
/// line endings as the line reader does, its column the characters after
/// the last one (a byte order mark not counted).
pub(crate) fn encoding_error(
    file: &Path,
    before: &str,
    encoding: &'static str,
    problem: String,
) -> RequirementsError {
    let before = before.strip_prefix('\u{feff}').unwrap_or(before);
    let line_start = before.rfind(LINE_BREAKS).map_or(0, |end| {
        end + before[end..].chars().next().map_or(1, char::len_utf8)
    });
    // `\r\n` is one line ending: count the other breaks, and the `\r`s not followed by `\n`.
    let endings = before
        .chars()
        .zip(before.chars().skip(1).map(Some).chain([None]))
        .filter(|&(c, next)| LINE_BREAKS.contains(&c) && !(c == '\r' && next == Some('\n')))
        .count();
    RequirementsError::Encoding {
        location: Location {
            file: file.to_path_buf(),
            line: saturating_u32(endings).saturating_add(1),
            column: saturating_u32(before[line_start..].chars().count()).saturating_add(1),
        },
        encoding,
        problem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    }

    fn utf16be(text: &str) -> Vec<u8> {
        let mut bytes = vec![0xFE, 0xFF];
        bytes.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        bytes
    }

    fn utf32(text: &str, little: bool) -> Vec<u8> {
        let mut bytes = if little {
            vec![0xFF, 0xFE, 0, 0]
        } else {
            vec![0, 0, 0xFE, 0xFF]
        };
        for c in text.chars() {
            let code = u32::from(c);
            bytes.extend(if little {
                code.to_le_bytes()
            } else {
                code.to_be_bytes()
            });
        }
        bytes
    }

    fn error(bytes: &[u8]) -> String {
        decode(bytes.to_vec(), Path::new("r.txt"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn decodes_utf8_and_the_byte_order_marks_pip_knows() {
        let text = "torch==2.10.0\r\nnumpy ; python_version < \"3.13\" # é 𝄞\n";
        let path = Path::new("r.txt");
        assert_eq!(decode(text.as_bytes().to_vec(), path).unwrap(), text);
        let with_bom = format!("\u{feff}{text}");
        assert_eq!(
            decode(with_bom.clone().into_bytes(), path).unwrap(),
            with_bom
        );
        for bytes in [
            utf16le(text),
            utf16be(text),
            utf32(text, true),
            utf32(text, false),
        ] {
            assert_eq!(decode(bytes, path).unwrap(), text);
        }
        assert_eq!(decode(vec![0xFF, 0xFE], path).unwrap(), "");
    }

    #[test]
    fn a_nul_byte_is_named_and_utf16_without_a_byte_order_mark_recognized() {
        assert_eq!(
            error(b"torch\nnum\0py\n"),
            "r.txt:2:4: The file is not valid UTF-8: found a NUL byte"
        );
        // Without the byte order mark, UTF-16 is valid UTF-8 up to the first NUL.
        let text = "torch==2.10.0\nnumpy\n";
        assert_eq!(
            error(&utf16le(text)[2..]),
            "r.txt:1:2: The file is not valid UTF-8: found a NUL byte: the file looks like UTF-16LE without a byte order mark"
        );
        assert_eq!(
            error(&utf16be(text)[2..]),
            "r.txt:1:1: The file is not valid UTF-8: found a NUL byte: the file looks like UTF-16BE without a byte order mark"
        );
    }

    #[test]
    fn invalid_utf8_names_the_line_and_column_of_the_first_bad_byte() {
        assert_eq!(
            error(b"a\nb\r\nc\rd\n\xC3\xA9t\xE9\n"),
            "r.txt:5:3: The file is not valid UTF-8: found byte 0xE9"
        );
        assert_eq!(
            error(b"\xEF\xBB\xBFab\xFF"),
            "r.txt:1:3: The file is not valid UTF-8: found byte 0xFF"
        );
        assert_eq!(
            error(b"x\n\xE2\x82"),
            "r.txt:2:1: The file is not valid UTF-8: found bytes 0xE2 0x82 cut off at the end of the file"
        );
        assert_eq!(
            error(b"a\r\rb\xFF"),
            "r.txt:3:2: The file is not valid UTF-8: found byte 0xFF"
        );
        // Lines end as pip's `splitlines` ends them: here at a form feed and at U+2028.
        let mut bytes = "a\u{0C}b\u{2028}c".as_bytes().to_vec();
        bytes.push(0xFF);
        assert_eq!(
            error(&bytes),
            "r.txt:3:2: The file is not valid UTF-8: found byte 0xFF"
        );
    }

    #[test]
    fn invalid_utf16_and_utf32_are_located_too() {
        let mut bytes = utf16le("ab\nc");
        bytes.extend([0x00, 0xD8, b'd', 0]);
        assert_eq!(
            error(&bytes),
            "r.txt:2:2: The file is not valid UTF-16LE: found the unpaired surrogate 0xD800"
        );
        let mut bytes = utf16be("a\r\nb");
        bytes.push(b'c');
        assert_eq!(
            error(&bytes),
            "r.txt:2:2: The file is not valid UTF-16BE: found 1 byte at the end of the file, less than a code unit"
        );
        let mut bytes = utf32("a", false);
        bytes.extend(0x11_0000_u32.to_be_bytes());
        assert_eq!(
            error(&bytes),
            "r.txt:1:2: The file is not valid UTF-32BE: found 0x110000, which is not a character"
        );
    }
}
