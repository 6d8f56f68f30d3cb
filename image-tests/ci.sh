#!/usr/bin/env bash
# CI for the GPU harness (image-tests/), on a machine without a GPU.
#
# Needs only Rust, a C compiler and Python 3 with pip (Debian 12 as CI has it; no `unzip`). It
# fetches what the harness links and loads, from PyPI, into folders the repository ignores, and
# reuses them when they are already there:
#   .libtorch/      a small site-packages: torch/{include,lib,version.py} from the torch 2.11.0
#                   wheel (the cu130 build) with only the libraries check-torch needs, and
#                   nvidia/cu13/lib with libcudart and libcupti (libtorch_cpu.so needs them even
#                   on a CPU) and NVRTC (check-cuda compiles kernels without a GPU)
#   .libtorch-2.10/ the same from the torch 2.10.0 wheel (the cu128 build), with libcudart and
#                   libcupti 12.8 in nvidia/cu12/lib: `image-tests/torch-2.10` (tch 0.23) builds
#                   check-torch against it and runs its tests there; and NVRTC 12.8 in
#                   nvidia/cuda_nvrtc/lib, where the CUDA 12 wheel puts it (check-cuda's tests of
#                   CUDA 12 images)
#   .onnxruntime/   onnxruntime/capi/libonnxruntime.so.* from PyPI's CPU `onnxruntime` 1.31.1,
#                   1.24.4 (nixpkgs' version, the oldest the harness takes) and 1.23.2 (too old
#                   for the harness: tests that diagnosis)
# Then it builds every harness binary, runs the harness's tests, clippy and rustfmt, builds and
# tests check-torch for torch 2.10 too, and runs the megapak tests that run the real harness
# (`crates/megapak/tests/verify_real_harness.rs`).
#
# Usage: bash image-tests/ci.sh          everything
#        bash image-tests/ci.sh fetch    only fill the caches
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LIBTORCH_CACHE="$ROOT/.libtorch"
# torch 2.10, the target torch of the embedded example, for `image-tests/torch-2.10` (tch 0.23).
LIBTORCH_2_10_CACHE="$ROOT/.libtorch-2.10"
ORT_CACHE="$ROOT/.onnxruntime"
TORCH_VERSION=2.11.0
TORCH_2_10_VERSION=2.10.0
ORT_VERSION=1.31.1
ORT_OLD_VERSION=1.23.2
# What nixpkgs has (an image from the embedded example links it): the oldest the harness takes.
ORT_NIXPKGS_VERSION=1.24.4
# The CUDA 13.0 wheels torch 2.11.0 pins (through cuda-toolkit 13.0.2).
CUDA_WHEELS=("nvidia-cuda-runtime==13.0.96" "nvidia-cuda-cupti==13.0.85" "nvidia-cuda-nvrtc==13.0.88")
# PyPI's torch 2.10.0 is the cu128 build; these are the CUDA 12.8 wheels it pins.
CUDA_12_WHEELS=("nvidia-cuda-runtime-cu12==12.8.90" "nvidia-cuda-cupti-cu12==12.8.90")
# NVRTC of CUDA 12.8 (the one torch 2.10.0 pins), kept in the wheel's own layout.
NVRTC_12_WHEEL="nvidia-cuda-nvrtc-cu12==12.8.93"
TORCH_LIBS=(libtorch.so libtorch_cpu.so libtorch_cuda.so libc10.so libc10_cuda.so libgomp.so.1)

say() { printf '\n==> %s\n' "$*"; }
elapsed() { echo "$(( SECONDS - $1 )) s"; }

# Extracts the members of a wheel matching the patterns (no `unzip` needed).
extract() { # WHEEL DEST PATTERN...
    python3 - "$@" <<'PY'
import fnmatch, sys, zipfile
wheel, dest, patterns = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if any(fnmatch.fnmatch(n, p) for p in patterns)]
    z.extractall(dest, names)
print(f"{len(names)} files from {wheel.rsplit('/', 1)[-1]}")
PY
}

pip_download() { # DEST SPEC...
    local dest="$1"; shift
    python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$dest" "$@"
}

# A small site-packages in CACHE: torch/{include,lib,version.py} from the torch wheel of
# VERSION, and the CUDA runtime libraries libtorch_cpu.so needs (plus NVRTC where listed)
# gathered in CACHE/nvidia/CUDA/lib.
fetch_libtorch() { # CACHE VERSION CUDA WHEEL...
    local cache="$1" version="$2" cuda="$3"; shift 3
    local marker="torch-$version $cuda v2"
    if [[ -f "$cache/.complete" && "$(cat "$cache/.complete")" == "$marker" ]]; then
        echo "reusing $cache ($marker)"
        return
    fi
    local t0=$SECONDS tmp
    tmp="$(mktemp -d)"
    say "downloading torch $version and its CUDA runtime wheels from PyPI"
    # The Linux x86_64 cp311 wheel whatever Python runs pip (any cp version's libraries would do).
    pip_download "$tmp" --python-version 3.11 --implementation cp --platform manylinux_2_28_x86_64 \
        "torch==$version"
    pip_download "$tmp" "$@"
    rm -rf "$cache"
    mkdir -p "$cache/nvidia/$cuda/lib"
    local members=("torch/include/*" "torch/version.py")
    for lib in "${TORCH_LIBS[@]}"; do members+=("torch/lib/$lib"); done
    extract "$tmp"/torch-"$version"-*.whl "$cache" "${members[@]}"
    local wheel lib
    for wheel in "$tmp"/nvidia_cuda_*.whl; do
        extract "$wheel" "$tmp/nvidia-libs" 'nvidia/*/lib/libcudart.so.*' 'nvidia/*/lib/libcupti.so.*' \
            'nvidia/*/lib/libnvrtc.so.*' 'nvidia/*/lib/libnvrtc-builtins.so.*'
    done
    for lib in "$tmp"/nvidia-libs/nvidia/*/lib/*; do mv "$lib" "$cache/nvidia/$cuda/lib/"; done
    # torch-sys checks this file against the torch its tch version expects.
    echo "$version" > "$cache/torch/build-version"
    echo "$marker" > "$cache/.complete"
    rm -rf "$tmp"
    echo "libtorch $version ready in $(elapsed $t0): $(du -sh "$cache" | cut -f1)"
}

# pip's CUDA 12 NVRTC in CACHE/nvidia/cuda_nvrtc/lib, as the wheel installs it. Its own marker
# (the wheel's spec) in that folder: a cache from before, or of another version, fetches it; a
# refetch of the torch cache (which removes the folder) fetches it again.
fetch_nvrtc_12() { # CACHE
    local dir="$1/nvidia/cuda_nvrtc"
    if [[ -f "$dir/.complete" && "$(cat "$dir/.complete")" == "$NVRTC_12_WHEEL" ]]; then
        echo "reusing $dir ($NVRTC_12_WHEEL)"
        return
    fi
    local tmp
    tmp="$(mktemp -d)"
    say "downloading $NVRTC_12_WHEEL from PyPI"
    pip_download "$tmp" "$NVRTC_12_WHEEL"
    rm -rf "$dir"
    extract "$tmp"/nvidia_cuda_nvrtc_cu12-*.whl "$tmp/x" 'nvidia/cuda_nvrtc/lib/libnvrtc.so.*' \
        'nvidia/cuda_nvrtc/lib/libnvrtc-builtins.so.*'
    mkdir -p "$dir"
    mv "$tmp/x/nvidia/cuda_nvrtc/lib" "$dir/lib"
    echo "$NVRTC_12_WHEEL" > "$dir/.complete"
    rm -rf "$tmp"
}

fetch_onnxruntime() {
    local versions=("$ORT_VERSION" "$ORT_NIXPKGS_VERSION" "$ORT_OLD_VERSION") version missing=()
    for version in "${versions[@]}"; do
        [[ -f "$ORT_CACHE/$version/onnxruntime/capi/libonnxruntime.so.$version" ]] || missing+=("$version")
    done
    if (( ${#missing[@]} == 0 )); then
        echo "reusing $ORT_CACHE"
        return
    fi
    local tmp
    tmp="$(mktemp -d)"
    say "downloading onnxruntime ${missing[*]} (CPU builds) from PyPI"
    for version in "${missing[@]}"; do
        pip_download "$tmp" "onnxruntime==$version"
        rm -rf "${ORT_CACHE:?}/$version"
        mkdir -p "$ORT_CACHE/$version"
        extract "$tmp"/onnxruntime-"$version"-*.whl "$ORT_CACHE/$version" 'onnxruntime/capi/libonnxruntime*'
    done
    rm -rf "$tmp"
}

START=$SECONDS
fetch_libtorch "$LIBTORCH_CACHE" "$TORCH_VERSION" cu13 "${CUDA_WHEELS[@]}"
fetch_libtorch "$LIBTORCH_2_10_CACHE" "$TORCH_2_10_VERSION" cu12 "${CUDA_12_WHEELS[@]}"
fetch_nvrtc_12 "$LIBTORCH_2_10_CACHE"
fetch_onnxruntime
[[ "${1:-}" == fetch ]] && exit 0

# torch-sys builds against this; check-torch records its version (`build-version`).
export LIBTORCH="$LIBTORCH_CACHE/torch"
# Test binaries that link libtorch, and the checks they start, find it here. (On a GPU machine
# `megapak verify --gpu --host --python-env DIR` builds this from the Python environment.)
export LD_LIBRARY_PATH="$LIBTORCH_CACHE/torch/lib:$LIBTORCH_CACHE/nvidia/cu13/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

cd "$ROOT/image-tests"
say "rustfmt (image-tests)"
cargo fmt --all --check
say "clippy (image-tests)"
t=$SECONDS
cargo clippy --locked --workspace --all-targets -- -D warnings
echo "clippy took $(elapsed $t)"
say "build and test the harness (image-tests)"
t=$SECONDS
cargo test --locked --workspace
echo "harness build and tests took $(elapsed $t)"

# check-torch for torch 2.10 (tch 0.23): the same sources and tests, built against torch 2.10.
say "build and test check-torch for torch $TORCH_2_10_VERSION (image-tests/torch-2.10)"
t=$SECONDS
LIBTORCH="$LIBTORCH_2_10_CACHE/torch" \
    LD_LIBRARY_PATH="$LIBTORCH_2_10_CACHE/torch/lib:$LIBTORCH_2_10_CACHE/nvidia/cu12/lib" \
    MEGAPAK_TEST_SITE_PACKAGES="$LIBTORCH_2_10_CACHE" \
    CARGO_TARGET_DIR="$ROOT/image-tests/target/torch-2.10" \
    cargo test --locked --manifest-path "$ROOT/image-tests/torch-2.10/Cargo.toml"
echo "took $(elapsed $t)"

# megapak's side against the real harness just built: `megapak verify --gpu --host` on a
# machine without a GPU fails with each check's named diagnosis.
cd "$ROOT"
say "megapak verify against the real harness"
t=$SECONDS
MEGAPAK_HARNESS_DIR="$ROOT/image-tests/target/debug" MEGAPAK_REQUIRE_REAL_HARNESS=1 \
    cargo test --locked -p megapak --test verify_real_harness --test verify_host --test verify_container
echo "took $(elapsed $t)"
echo
echo "image-tests/ci.sh passed in $(elapsed $START)"
