#!/usr/bin/env bash
# The whole GPU check in one go: `megapak verify --gpu --host --python-env /opt/torch/.venv
# --cuda-major 13` on the GPU machine with onnxruntime-gpu brought along, PyTorch's own figures
# measured in the same run, every raw output kept, and the goals of issue 16 computed from those
# files by image-tests/gpu-goals.py (never typed by hand):
#   - every check (cuda, torch, ort) passed, in every run;
#   - all three checks, process start to report: warm (median of runs 2-4) at most 1.0 s,
#     cold (run 1) at most 2.5 s;
#   - the bf16 8192³ matmul through tch and the copy kernel: at least 90 % of PyTorch's,
#     measured the same way in the same run;
#   - and where the time goes: each check's `seconds_*` phases, median of the warm runs.
# `run` writes its files into $OUT/gpu-runs/<date>-<card>/ (e.g. gpu-runs/2026-12-06-h200/);
# commit that folder as docs/gpu-runs/<date>-<card>/ and its table into docs/gpu-runs.md
# (docs/gpu-runs.md says how).
#
# The GPU machine (see /work/shared/FACTS.md) has torch 2.11.0+cu130 in /opt/torch/.venv, the
# driver in /usr/local/nvidia/lib64, and the CPU-only onnxruntime 1.30.0; no Rust, no network.
# Each call to it carries at most 64 MiB (working tree included), /tmp survives between calls
# only while the machine is warm (30 s after a call), and a session has 15 minutes of it.
# onnxruntime-gpu's libraries compress to ~186 MiB, so they travel in parts, one per call.
#
# PROCEDURE
#  1. Here (Rust, PyPI):        bash image-tests/run-on-gpu.sh prepare     (~8 min on 2 cores)
#     Builds megapak and the harness in release (the harness against .libtorch's torch 2.11;
#     check-torch twice: as CI builds it, loading libtorch_cuda.so itself, and with
#     `--features link-cuda`), strips them into image-tests/target/gpu-carry/bin, fetches
#     onnxruntime-gpu 1.31.1, packs its three capi libraries as tar.xz and splits that into
#     60 MiB parts image-tests/target/gpu-carry/ort-part-00, -01, ...  It ends by printing the
#     calls of steps 2 and 3 with their exact `carry` lists (`plan` prints them again).
#  2. On the GPU machine, one call per part but the last, back to back (the machine forgets
#     /tmp when it goes back):
#        run  carry=["image-tests/target/gpu-carry/ort-part-00"]
#             command="bash image-tests/run-on-gpu.sh stash"            timeout_s=120
#     `stash` copies whatever was carried into /tmp/megapak-gpu and says what it holds.
#  3. The last call carries the last (small) part and the binaries (or the binaries alone, when
#     they and the last part would not fit in one call together; `plan` says which):
#        run  carry=["image-tests/target/gpu-carry/ort-part-03", "image-tests/target/gpu-carry/bin"]
#             command="bash image-tests/run-on-gpu.sh run"              timeout_s=300
#     `run` stashes, joins the parts (checking their sha256), unpacks onnxruntime-gpu into
#     /tmp/megapak-gpu/ort-gpu/onnxruntime/capi, then:
#       a. megapak verify --gpu --host --harness-dir BIN --python-env /tmp/megapak-gpu/ort-gpu
#            --python-env /opt/torch/.venv --cuda-major 13
#                                             (four times with --json, the first from a cold
#                                              page cache; then once more for the table)
#       b. check-torch built with `link-cuda`, alone, for comparison with the default build
#       c. PyTorch in /opt/torch/.venv: the same matmul and copy, measured the same way
#       d. image-tests/gpu-goals.py on the files of a-c: the goals table and the phases
#     and leaves 8 files (the most a call brings back) in $OUT/gpu-runs/<date>-<card>/:
#     verify-1.json .. verify-4.json, walls.txt (their wall seconds), pytorch.json,
#     check-torch-link-cuda.json, log.txt (the card, the table run, the goals as printed).
#  Then give the machine back, copy the folder to docs/gpu-runs/, add
#  `<!-- gpu-goals: gpu-runs/<date>-<card> -->` + `<!-- /gpu-goals -->` to docs/gpu-runs.md,
#  run `python3 image-tests/gpu-goals.py --update docs/gpu-runs.md` and commit both.
#  If a call fails midway, `bash image-tests/run-on-gpu.sh status` (on the GPU machine) shows
#  what /tmp/megapak-gpu already holds; a fresh machine needs every part again.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARRY="$ROOT/image-tests/target/gpu-carry"
STASH=/tmp/megapak-gpu
VENV="${MEGAPAK_GPU_VENV:-/opt/torch/.venv}"
ORT_GPU_VERSION=1.31.1
# The CUDA major of the libraries the run uses (/opt/torch/.venv has torch 2.11.0+cu130).
CUDA_MAJOR="${MEGAPAK_GPU_CUDA_MAJOR:-13}"
PART_MIB=60
OUT="${OUT:-$STASH/out}"

say() { printf '\n==> %s\n' "$*" >&2; }

prepare() {
    bash "$ROOT/image-tests/ci.sh" fetch
    export LIBTORCH="$ROOT/.libtorch/torch"
    export LD_LIBRARY_PATH="$ROOT/.libtorch/torch/lib:$ROOT/.libtorch/nvidia/cu13/lib"
    rm -rf "$CARRY"
    mkdir -p "$CARRY/bin"

    say "building the harness (release)"
    (cd "$ROOT/image-tests" && cargo build --locked --release --workspace --bins)
    for bin in megapak-smoke check-cuda check-torch check-ort; do
        cp "$ROOT/image-tests/target/release/$bin" "$CARRY/bin/"
    done
    say "building check-torch with --features link-cuda"
    (cd "$ROOT/image-tests" && cargo build --locked --release -p megapak-check-torch --features link-cuda)
    cp "$ROOT/image-tests/target/release/check-torch" "$CARRY/bin/check-torch-link-cuda"
    say "building megapak (release)"
    (cd "$ROOT" && cargo build --locked --release -p megapak)
    cp "$ROOT/target/release/megapak" "$CARRY/bin/"
    strip "$CARRY"/bin/*

    say "fetching onnxruntime-gpu $ORT_GPU_VERSION and packing its libraries"
    local tmp
    tmp="$(mktemp -d)"
    python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$tmp" "onnxruntime-gpu==$ORT_GPU_VERSION"
    python3 - "$tmp"/onnxruntime_gpu-*.whl "$tmp/x" "$ORT_GPU_VERSION" <<'PY'
import sys, zipfile
wheel, dest, version = sys.argv[1:]
libs = [f"libonnxruntime.so.{version}", "libonnxruntime_providers_shared.so", "libonnxruntime_providers_cuda.so"]
zipfile.ZipFile(wheel).extractall(dest, [f"onnxruntime/capi/{lib}" for lib in libs])
PY
    if command -v xz > /dev/null; then
        tar -C "$tmp/x" -cf - onnxruntime | xz -T2 -6 > "$tmp/ort.tar.xz"
    else
        python3 -c 'import sys, tarfile; t = tarfile.open(sys.argv[1], "w:xz", preset=6); t.add(sys.argv[2], "onnxruntime"); t.close()' \
            "$tmp/ort.tar.xz" "$tmp/x/onnxruntime"
    fi
    (cd "$tmp" && sha256sum ort.tar.xz) > "$CARRY/bin/ort.tar.xz.sha256"
    split -b "${PART_MIB}M" -d -a 2 "$tmp/ort.tar.xz" "$CARRY/ort-part-"
    rm -rf "$tmp"

    plan
}

# Prints the calls to make on the GPU machine: each carries at most 64 MiB, the tree included.
plan() {
    local tree_mib bin_mib parts last last_mib
    tree_mib=$(( $(cd "$ROOT" && git ls-files -co --exclude-standard -z | xargs -0 du -ck 2>/dev/null | tail -1 | cut -f1) / 1024 + 1 ))
    bin_mib=$(( $(du -sk "$CARRY/bin" | cut -f1) / 1024 + 1 ))
    mapfile -t parts < <(cd "$CARRY" && ls ort-part-*)
    last="${parts[-1]}"
    last_mib=$(( $(du -sk "$CARRY/$last" | cut -f1) / 1024 + 1 ))
    echo
    echo "working tree ${tree_mib} MiB, binaries ${bin_mib} MiB, ${#parts[@]} parts (last ${last_mib} MiB)"
    echo "Calls to make on the GPU machine, back to back:"
    local stash_parts=("${parts[@]}") final=("image-tests/target/gpu-carry/bin")
    if (( tree_mib + bin_mib + last_mib <= 62 )); then
        unset 'stash_parts[-1]'
        final=("image-tests/target/gpu-carry/$last" "${final[@]}")
    fi
    local part
    for part in "${stash_parts[@]}"; do
        echo "  carry=[\"image-tests/target/gpu-carry/$part\"]  command=\"bash image-tests/run-on-gpu.sh stash\"  timeout_s=120"
    done
    local carry
    carry=$(printf '"%s", ' "${final[@]}")
    echo "  carry=[${carry%, }]  command=\"bash image-tests/run-on-gpu.sh run\"  timeout_s=300"
}

# Copies what this call carried into /tmp, which outlives the call while the machine is warm.
stash() {
    mkdir -p "$STASH/parts" "$STASH/bin"
    local part
    for part in "$CARRY"/ort-part-*; do
        if [[ -e "$part" ]]; then cp "$part" "$STASH/parts/"; fi
    done
    if [[ -d "$CARRY/bin" ]]; then
        cp "$CARRY"/bin/* "$STASH/bin/"
        # A transfer may drop the execute bits.
        chmod +x "$STASH"/bin/* 2> /dev/null || true
    fi
    status
}

status() {
    echo "stashed parts: $(cd "$STASH/parts" 2>/dev/null && ls | tr '\n' ' ')"
    echo "stashed binaries: $(cd "$STASH/bin" 2>/dev/null && ls | tr '\n' ' ')"
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "nvidia-smi: not available"
}

# Joins the parts and unpacks onnxruntime-gpu's capi folder into $STASH/ort-gpu.
unpack_onnxruntime() {
    say "joining $(ls "$STASH/parts" | wc -l) parts"
    cat "$STASH"/parts/ort-part-* > "$STASH/ort.tar.xz"
    (cd "$STASH" && sha256sum -c "$STASH/bin/ort.tar.xz.sha256")
    rm -rf "$STASH/ort-gpu"
    mkdir -p "$STASH/ort-gpu"
    if command -v xz > /dev/null; then
        xz -dc "$STASH/ort.tar.xz" | tar -C "$STASH/ort-gpu" -xf -
    else
        python3 -c 'import lzma, sys, tarfile; tarfile.open(fileobj=lzma.open(sys.argv[1])).extractall(sys.argv[2])' \
            "$STASH/ort.tar.xz" "$STASH/ort-gpu"
    fi
    ls -l "$STASH/ort-gpu/onnxruntime/capi"
}

# Wall seconds of a command, its stdout to $1.
timed() {
    local out="$1"; shift
    local start end rc=0
    start=$(date +%s.%N)
    "$@" > "$out" || rc=$?
    end=$(date +%s.%N)
    python3 -c "print(f'{$end - $start:.3f}')"
    return $rc
}

# The card as a short lower-case name for the run's folder: `NVIDIA H200` -> h200,
# `NVIDIA H100 80GB HBM3` -> h100, `NVIDIA GeForce RTX 4090` -> rtx4090; `gpu` without one.
card_name() {
    { nvidia-smi --query-gpu=name --format=csv,noheader 2> /dev/null || true; } | head -1 | short_card_name
}

short_card_name() {
    tr '[:upper:]' '[:lower:]' | awk '{
        out = ""
        for (i = 1; i <= NF; i++) {
            w = $i
            if (w ~ /^(nvidia|geforce|tesla|quadro)$/) continue
            split(w, part, "-"); out = out part[1]
            if (w ~ /[0-9]/) break
        }
        gsub(/[^a-z0-9]/, "", out)
        print (out == "" ? "gpu" : out)
    } END { if (NR == 0) print "gpu" }'
}

run() {
    stash
    unpack_onnxruntime
    local run_dir
    run_dir="$OUT/gpu-runs/$(date -u +%F)-$(card_name)"
    mkdir -p "$run_dir"
    local log="$run_dir/log.txt"
    local bin="$STASH/bin"
    local verify=("$bin/megapak" verify --gpu --host --harness-dir "$bin"
        --python-env "$STASH/ort-gpu" --python-env "$VENV" --cuda-major "$CUDA_MAJOR")
    local walls=()

    {
        say "the card, the driver, the commit"
        nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>&1 || true
        echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2> /dev/null || echo unknown)"
        echo "command: ${verify[*]} --json"
        say "what the loader's cache offers under the names cudarc tries first"
        ldconfig -p 2> /dev/null | grep -E 'lib(nvrtc|cuda)\.so( |\.1 )' || echo "(neither libnvrtc.so nor libcuda.so in ld.so.cache)"
    } 2>&1 | tee "$log"

    say "megapak verify, four runs (the first from a cold page cache)"
    for i in 1 2 3 4; do
        walls+=("$(timed "$run_dir/verify-$i.json" "${verify[@]}" --json || true)")
    done
    printf '%s\n' "${walls[@]}" > "$run_dir/walls.txt"
    echo "wall seconds: ${walls[*]}"
    "${verify[@]}" 2>&1 | tee -a "$log" || true

    say "check-torch built with link-cuda, alone"
    # With the LD_LIBRARY_PATH megapak verify gives the harness.
    LD_LIBRARY_PATH="$(env_of LD_LIBRARY_PATH)" "$bin/check-torch-link-cuda" --json --require-gpu \
        --cuda-major "$CUDA_MAJOR" > "$run_dir/check-torch-link-cuda.json" || true
    cat "$run_dir/check-torch-link-cuda.json"

    say "PyTorch in $VENV, measured the same way"
    "$VENV/bin/python" - > "$run_dir/pytorch.json" <<'PY' || echo "PyTorch reference failed" >&2
import json, time
start = time.perf_counter()
import torch
torch.ones(1, device="cuda").sum().item()
first_cuda = time.perf_counter() - start
n, iters = 8192, 20
a = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
b = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
for _ in range(3):
    c = a @ b
torch.cuda.synchronize()
t = time.perf_counter()
for _ in range(iters):
    c = a @ b
torch.cuda.synchronize()
tflops = 2 * n**3 * iters / (time.perf_counter() - t) / 1e12
size = 1 << 30
src = torch.full((size,), 0xA5, dtype=torch.uint8, device="cuda")
dst = torch.empty_like(src)
for _ in range(3):
    dst.copy_(src)
# Each run timed on its own and the median counted, as check-cuda does.
events = [torch.cuda.Event(enable_timing=True) for _ in range(iters + 1)]
for k in range(iters):
    events[k].record()
    dst.copy_(src)
events[iters].record()
torch.cuda.synchronize()
runs_ms = sorted(events[k].elapsed_time(events[k + 1]) for k in range(iters))
gbps = 2 * size / (runs_ms[len(runs_ms) // 2] / 1e3) / 1e9
print(json.dumps({"torch": torch.__version__, "device": torch.cuda.get_device_name(0),
                  "matmul_tflops": tflops, "copy_gb_per_s": gbps, "import_to_first_cuda_s": first_cuda}))
PY
    cat "$run_dir/pytorch.json"

    say "goals, computed from the files in $run_dir"
    local python=python3
    command -v python3 > /dev/null || python="$VENV/bin/python"
    "$python" "$ROOT/image-tests/gpu-goals.py" "$run_dir" 2>&1 | tee -a "$log"
    echo
    echo "files for docs/gpu-runs/$(basename "$run_dir")/: $(cd "$run_dir" && ls | tr '\n' ' ')"
}

# A variable of the environment megapak verify gives the harness, caught by a stand-in harness.
env_of() {
    local probe="$STASH/env-probe"
    mkdir -p "$probe"
    printf '#!/bin/sh\nprintf "%%s" "$%s" > "%s/value"\n' "$1" "$probe" > "$probe/megapak-smoke"
    for b in check-cuda check-torch check-ort; do printf '#!/bin/sh\n' > "$probe/$b"; done
    chmod +x "$probe"/*
    rm -f "$probe/value"
    "$STASH/bin/megapak" verify --gpu --host --harness-dir "$probe" \
        --python-env "$STASH/ort-gpu" --python-env "$VENV" > /dev/null 2>&1 || true
    cat "$probe/value"
}

case "${1:-}" in
    prepare) prepare ;;
    plan) plan ;;
    stash) stash ;;
    status) status ;;
    run) run ;;
    card-name) short_card_name ;;
    *) echo "usage: bash image-tests/run-on-gpu.sh prepare|plan|stash|run|status (see the header)" >&2; exit 2 ;;
esac
