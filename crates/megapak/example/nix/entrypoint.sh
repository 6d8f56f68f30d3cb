#!/bin/sh
# megapak-entrypoint: run a command of the image with the GPU driver found.
#
# A Nix-built program ignores /etc/ld.so.cache, so it does not find the `libcuda.so.1` that the
# NVIDIA container toolkit mounts into the container: this script looks for it where the toolkit
# (legacy mode: /usr/lib64, or the Debian multiarch folder; CDI mode: the host's folders), GPU
# operators (/usr/local/nvidia/lib64), NixOS (/run/opengl-driver/lib) and WSL (/usr/lib/wsl/lib)
# put it, and puts its folder on LD_LIBRARY_PATH after the image's own CUDA libraries (the
# folders listed in /etc/megapak/library-path), then runs its arguments. A host's system folder
# (one with libc.so.6) is not put there whole: its driver libraries are linked into a folder of
# their own.
#
# MEGAPAK_DRIVER_SEARCH_DIRS (colon-separated) replaces the folders searched;
# MEGAPAK_LIBRARY_PATH_FILE names another list of library folders. Both are for tests and
# unusual hosts. POSIX sh: no bash needed.
set -eu
# Folder lists are split on `:`, never globbed.
set -f

if [ "$#" -eq 0 ]; then
  echo "megapak-entrypoint: no command given" >&2
  exit 64
fi

search=${MEGAPAK_DRIVER_SEARCH_DIRS:-/usr/lib64:/usr/lib/x86_64-linux-gnu:/usr/lib/aarch64-linux-gnu:/usr/local/nvidia/lib64:/usr/local/nvidia/lib:/run/opengl-driver/lib:/usr/lib/wsl/lib:/usr/lib}
list=${MEGAPAK_LIBRARY_PATH_FILE:-/etc/megapak/library-path}

path=
add() {
  case ":$path:" in
    *":$1:"*) ;;
    *) path=${path:+$path:}$1 ;;
  esac
}

# The image's CUDA libraries first: an injected folder must not shadow the versions it was
# built with.
if [ -r "$list" ]; then
  while IFS= read -r dir || [ -n "$dir" ]; do
    case $dir in
      '' | '#'*) ;;
      *) add "$dir" ;;
    esac
  done < "$list"
fi

driver=
old_ifs=$IFS
IFS=:
for dir in $search; do
  if [ -n "$dir" ] && [ -e "$dir/libcuda.so.1" ]; then
    driver=$dir
    break
  fi
done
IFS=$old_ifs
if [ -n "$driver" ] && [ -e "$driver/libc.so.6" ]; then
  # A host's system folder (a shell on the host, CDI without a container): on LD_LIBRARY_PATH
  # it would put the host's libc, libstdc++ and zlib ahead of the image's own. The driver's
  # libraries get a folder of their own instead, as /run/opengl-driver/lib is on NixOS.
  private=${TMPDIR:-/tmp}/megapak-driver-${USER:-user}
  if mkdir -p "$private" 2>/dev/null; then
    set +f
    for file in "$driver"/libcuda.so* "$driver"/libnvidia-*.so* "$driver"/libcudadebugger.so* "$driver"/libnvcuvid.so*; do
      if [ -e "$file" ]; then
        ln -sf "$file" "$private/" 2>/dev/null || true
      fi
    done
    set -f
    driver=$private
  fi
fi
if [ -n "$driver" ]; then
  add "$driver"
fi

if [ -n "${LD_LIBRARY_PATH:-}" ]; then
  old_ifs=$IFS
  IFS=:
  for dir in $LD_LIBRARY_PATH; do
    if [ -n "$dir" ]; then
      add "$dir"
    fi
  done
  IFS=$old_ifs
fi

if [ -n "$path" ]; then
  export LD_LIBRARY_PATH="$path"
fi
exec "$@"
