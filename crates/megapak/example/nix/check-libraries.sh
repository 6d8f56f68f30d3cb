#!/bin/sh
# check-libraries.sh STORE_PATHS LIBRARY_PATH_FILE [ALLOWED_MISSING...]
#
# The image's libraries check (`nix flake check`): every ELF file under the store paths listed
# in STORE_PATHS (one a line, as `closureInfo` writes them) must have every library it needs
# resolved by the loader, with the image's library folders (LIBRARY_PATH_FILE, one a line: what
# the entrypoint puts on LD_LIBRARY_PATH) searched as at run time. Sonames in ALLOWED_MISSING
# (default: libcuda.so.1, which the driver brings when the image runs) may be missing.
#
# Prints each file with a library that no folder has, and exits 1 if there is one. `LDD` names
# the ldd to use. POSIX sh.
set -eu
set -f

if [ "$#" -lt 2 ]; then
  echo "usage: check-libraries.sh STORE_PATHS LIBRARY_PATH_FILE [ALLOWED_MISSING...]" >&2
  exit 64
fi
paths_file=$1
library_path_file=$2
shift 2
if [ "$#" -eq 0 ]; then
  set -- libcuda.so.1
fi
allowed=" $* "
ldd=${LDD:-ldd}

library_path=
while IFS= read -r dir || [ -n "$dir" ]; do
  case $dir in
    '' | '#'*) ;;
    *) library_path=${library_path:+$library_path:}$dir ;;
  esac
done < "$library_path_file"

is_elf() {
  [ "$(od -An -N4 -tx1 "$1" 2>/dev/null | tr -d ' \n')" = 7f454c46 ]
}

checked=0
broken=0
report=$(mktemp)
while IFS= read -r store_path || [ -n "$store_path" ]; do
  [ -n "$store_path" ] || continue
  # Shared libraries, Python extension modules and executables: regular files only.
  find "$store_path" -type f \( -name '*.so' -o -name '*.so.*' -o -perm -u+x \) >"$report.files" 2>/dev/null || true
  while IFS= read -r file; do
    is_elf "$file" || continue
    out=$(LD_LIBRARY_PATH="$library_path" "$ldd" "$file" 2>/dev/null) || continue
    checked=$((checked + 1))
    missing=
    for soname in $(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*\([^[:space:]]*\) => not found$/\1/p'); do
      case $allowed in
        *" $soname "*) ;;
        *) missing="$missing $soname" ;;
      esac
    done
    if [ -n "$missing" ]; then
      broken=$((broken + 1))
      echo "$file needs$missing" >>"$report"
    fi
  done <"$report.files"
done <"$paths_file"

if [ "$broken" -gt 0 ]; then
  sort "$report"
  echo "check-libraries: $broken of $checked ELF files need libraries no folder has" >&2
  rm -f "$report" "$report.files"
  exit 1
fi
rm -f "$report" "$report.files"
echo "check-libraries: all $checked ELF files have their libraries (allowed missing:$(printf ' %s' "$@"))"
