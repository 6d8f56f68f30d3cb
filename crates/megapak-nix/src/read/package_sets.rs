//! Which names mean "a Python package set" or "a Python interpreter", judged from how they are
//! spelled: the flake is never evaluated, so spelling is all there is.

/// Whether the attribute path `path` (as written, e.g. `["pkgs", "python314Packages"]`) names a
/// Python package set. Its last component decides:
///
/// - `python3Packages`, `python314Packages`, `pypy3Packages`, … (`python`/`pypy`, optional
///   digits, `Packages`);
/// - anything ending in `PythonPackages` or `pythonPackages` (`pythonPackages`,
///   `customPythonPackages`, `myPythonPackages`);
/// - `pkgs` right after an interpreter (`python3.pkgs`, `pkgs.python314.pkgs`).
pub(crate) fn is_python_set(path: &[String]) -> bool {
    let Some((last, before)) = path.split_last() else {
        return false;
    };
    if last == "pkgs" {
        return before
            .last()
            .is_some_and(|name| is_python_interpreter(name));
    }
    is_versioned_set(last, "python")
        || is_versioned_set(last, "pypy")
        || last.ends_with("PythonPackages")
        || last.ends_with("pythonPackages")
}

/// `{prefix}{digits}Packages`, e.g. `python314Packages`.
fn is_versioned_set(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix("Packages"))
        .is_some_and(|digits| digits.chars().all(|c| c.is_ascii_digit()))
}

/// Whether `name`, the last component of what `.withPackages` is called on, names a Python
/// interpreter: it contains `python` or `pypy` in any case (`python`, `python3`, `python314`,
/// `myPython`, `pypy3`) and is not itself a package set.
pub(crate) fn is_python_interpreter(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    (lower.contains("python") || lower.contains("pypy")) && !lower.ends_with("packages")
}

/// Whether calling attribute `name` of a package returns that package modified, so that
/// `(foo.override { … })` still lists `foo`.
pub(crate) fn is_override(name: &str) -> bool {
    matches!(
        name,
        "override" | "overrideAttrs" | "overridePythonAttrs" | "overrideDerivation"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(path: &str) -> bool {
        is_python_set(&path.split('.').map(str::to_owned).collect::<Vec<_>>())
    }

    #[test]
    fn versioned_and_user_defined_sets_are_python_sets() {
        for path in [
            "python3Packages",
            "python314Packages",
            "pythonPackages",
            "pypy3Packages",
            "pkgs.python312Packages",
            "customPythonPackages",
            "myPythonPackages",
            "python3.pkgs",
            "pkgs.python314.pkgs",
        ] {
            assert!(set(path), "{path}");
        }
    }

    #[test]
    fn other_sets_are_not() {
        for path in [
            "pkgs",
            "ps",
            "lib",
            "pkgs.cudaPackages",
            "nodePackages",
            "python3Packagesx",
            "pythonXPackages",
            "haskell.pkgs",
            "",
        ] {
            assert!(!set(path), "{path}");
        }
        assert!(!is_python_set(&[]));
    }

    #[test]
    fn interpreters_contain_python_or_pypy() {
        for name in ["python", "python3", "python314", "myPython", "pypy3"] {
            assert!(is_python_interpreter(name), "{name}");
        }
        for name in ["ghc", "lua", "perl", "python3Packages", "emacs"] {
            assert!(!is_python_interpreter(name), "{name}");
        }
    }
}
