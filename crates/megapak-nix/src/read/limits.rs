//! What keeps reading a hostile flake bounded: a size cap on the file, UTF-8 checked with a
//! location, nesting depth checked before rnix sees the text, and the parse run on a thread
//! whose stack size megapak chose, whatever `ulimit -s` says.
//!
//! rnix 0.15.1 stops expressions at 512 levels of recursion, but not lists: 50,000 nested
//! `[` in a 100 KB file overflowed any stack. The same depth of parentheses needs a few MiB
//! of stack, more than a `ulimit -s 256` main thread has.

use std::path::Path;

use rnix::{SyntaxKind, TextSize};

use super::FlakeError;
use crate::location::LineIndex;

/// The most bytes read of a flake unless `MEGAPAK_MAX_FILE_MIB` says otherwise: 16 MiB, ten
/// times a 22k-line nixpkgs-shaped file (the cap of every file megapak reads).
pub const DEFAULT_MAX_FLAKE_SIZE: u64 = megapak_types::bounded_read::DEFAULT_MAX_FILE_SIZE;

pub use megapak_types::bounded_read::MAX_FILE_SIZE_VARIABLE;

/// The deepest nesting of brackets, braces, parentheses, strings and `${` read: hand-written
/// flakes nest about 10 deep.
pub const MAX_NESTING: usize = 200;

/// The stack of the thread that parses and walks a flake: rnix's 512 levels of recursion,
/// the walk over the tree and dropping it take well under this.
const PARSER_STACK_SIZE: usize = 64 << 20;

pub(super) use megapak_types::bounded_read::{max_file_size, read_capped};

/// `bytes` as text, or an error at the line and column of the first byte that is not UTF-8.
pub(super) fn utf8(bytes: Vec<u8>, path: &Path) -> Result<String, FlakeError> {
    String::from_utf8(bytes).map_err(|error| {
        let valid = error.utf8_error().valid_up_to();
        let bytes = error.as_bytes();
        let bad = &bytes[valid
            ..valid
                + error
                    .utf8_error()
                    .error_len()
                    .unwrap_or(bytes.len() - valid)];
        let hex: Vec<String> = bad.iter().map(|b| format!("0x{b:02X}")).collect();
        let before = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
        FlakeError::Encoding {
            location: LineIndex::new(before, path).end(),
            problem: format!(
                "found byte{} {}",
                if bad.len() == 1 { "" } else { "s" },
                hex.join(" ")
            ),
        }
    })
}

/// Refuses text nested deeper than [`MAX_NESTING`], at the token that goes too deep. One
/// pass of rnix's tokenizer, which keeps its own state on the heap.
pub(super) fn check_nesting(text: &str, index: &LineIndex) -> Result<(), FlakeError> {
    use SyntaxKind as K;
    let mut depth = 0usize;
    let mut offset = 0usize;
    for (kind, token) in rnix::tokenize(text) {
        match kind {
            K::TOKEN_L_BRACK
            | K::TOKEN_L_BRACE
            | K::TOKEN_L_PAREN
            | K::TOKEN_INTERPOL_START
            | K::TOKEN_STRING_START => {
                depth += 1;
                if depth > MAX_NESTING {
                    let at = TextSize::try_from(offset).unwrap_or(TextSize::of(text));
                    return Err(FlakeError::Parse {
                        location: index.location(at),
                        found: Some(token.to_owned()),
                        expected: Vec::new(),
                        message: format!(
                            "`{token}` nests more than {MAX_NESTING} deep, deeper than megapak reads"
                        ),
                    });
                }
            }
            K::TOKEN_R_BRACK
            | K::TOKEN_R_BRACE
            | K::TOKEN_R_PAREN
            | K::TOKEN_INTERPOL_END
            | K::TOKEN_STRING_END => depth = depth.saturating_sub(1),
            _ => {}
        }
        offset += token.len();
    }
    Ok(())
}

/// Runs `work` on a thread with a stack of [`PARSER_STACK_SIZE`], so that how deep rnix may
/// recurse does not depend on the caller's stack (`ulimit -s`, a small worker thread).
pub(crate) fn on_parser_stack<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    // Kept outside the thread so the caller can still run it if no thread can be started.
    let slot = std::sync::Mutex::new(Some(work));
    let take = || slot.lock().ok().and_then(|mut work| work.take());
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("megapak-nix-parse".to_owned())
            .stack_size(PARSER_STACK_SIZE)
            .spawn_scoped(scope, || take().map(|work| work()));
        let done = match spawned {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => None,
        };
        // No thread to be had (a process limit): parse on the caller's stack; the nesting
        // check still bounds the depth.
        done.or_else(|| take().map(|work| work()))
            .expect("the parse ran on one of the two stacks")
    })
}
