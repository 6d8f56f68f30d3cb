//! The Nix side of megapak.
//!
//! - [`read`]: finding which Python packages a hand-written `flake.nix` lists, and which it has
//!   commented out, from its syntax alone (parsed with `rnix`; Nix is never run or evaluated);
//! - [`emit`]: the Nix files of a `megapak.lock` (an overlay of the Python set, one
//!   nixpkgs-style file per package megapak defines, the environment's package list), from the
//!   lock alone;
//! - [`sync`]: bringing such a flake in line with the packages a lock provides, with the fewest
//!   edits and every other byte left as it was.
//!
//! # What counts as a Python package list
//!
//! A list is read as a **Python package list**, where every item that names a package is an
//! entry, when it is reached from:
//!
//! - the argument of `<interpreter>.withPackages`, where the interpreter's name contains
//!   `python` or `pypy` (`python.withPackages`, `pkgs.python314.withPackages`,
//!   `(python3.override { … }).withPackages`);
//! - the body of `with <set>;` where `<set>` is spelled like a Python package set:
//!   `python3Packages`, `python314Packages`, `pypy3Packages`, a name ending in
//!   `PythonPackages`/`pythonPackages` (`customPythonPackages`), `<interpreter>.pkgs`, with any
//!   prefix (`pkgs.python3Packages`).
//!
//! From there the walk goes through parentheses, `++`, `with`, `let … in`, `if … then … else`,
//! function bodies (a function's argument, `ps` in `ps: with ps; [ … ]`, is a Python package
//! set), calls of functions bound in this file (`serverDeps p`), the arguments of other calls
//! (`lib.optionals cuda [ … ]`), and identifiers bound by `let … in` or `rec { }` in this file
//! (`python3.withPackages pythonDeps`, `basePackages ++ [ … ]`). Identifiers from `inherit`,
//! function arguments and `with` are not followed. The set given to `attrValues`
//! (`builtins.attrValues { inherit (ps) torch numpy; scipy = ps.scipy; }`) is read as a list:
//! each name it inherits and each value naming a package is an entry.
//!
//! In any **other list** (`buildInputs = [ pkgs.ffmpeg … ]`), only items selected from a set
//! spelled like a Python package set are entries: `python3Packages.numpy`,
//! `pkgs.python314Packages.torch`, `customPythonPackages.spandrel`.
//!
//! # Entries
//!
//! - `numpy`: a bare name; its set is the innermost Python `with` (`ps`, `python314Packages`),
//!   or none.
//! - `ps.numpy`, `p."opencv-python"`, `customPythonPackages.spandrel`: the set is what comes
//!   before the last name, as written (`pkgs.python3Packages`).
//! - `(ps.foo.override { … })`, `(foo.overridePythonAttrs (…))`: the overridden package.
//! - A package defined in the list: `(ps.callPackage ./pkgs/decord.nix { })` (also
//!   `./pkgs/decord` and `./pkgs/decord/default.nix`) is `decord`, and
//!   `(ps.buildPythonPackage rec { pname = "decord"; … })` is its plain-string `pname`.
//! - Anything else (strings, paths, other calls, `${…}` names) is skipped.
//! - A comment directly inside a list (not nested in an item) on a line of its own is a
//!   **commented-out entry** when it reads like one (see the comment rules below). Its set
//!   follows the same rules as an item's; in a non-Python list it must be spelled
//!   `<python set>.<name>`.
//! - A comment on the same line right after an item is that item's note, never an entry.
//!
//! Names are kept as written: callers compare them with PEP 503 normalization.
//!
//! # Comment rules
//!
//! A comment line is a commented-out entry when it is an attribute path (`onnx`,
//! `ps.insightface`, `ps."opencv-python"`) alone, or followed by another `#` comment (the note:
//! `# onnx  # TODO: check if available`) or by one short parenthesised note
//! (`# alembic (run by hand)`), and its last name does not read like prose: it has a lower-case
//! letter (not `TODO`), it is not capitalised with the rest in lower case (not `Essentials`),
//! and alone it is not a label word (`todo`, `optional`, `deps`, …). `# --- HuggingFace ---`,
//! `# TODO: add more`, `# Image and video` are prose. Block comments are read line by line.

pub mod emit;
mod location;
pub mod read;
pub mod sync;

pub use location::Location;
