#!/usr/bin/env python3
"""The goals of a GPU run, computed from its raw files, never typed by hand.

    python3 image-tests/gpu-goals.py DIR             print DIR's goals table (Markdown)
    python3 image-tests/gpu-goals.py --check MD      every goals table in MD equals what DIR gives
    python3 image-tests/gpu-goals.py --update MD     rewrite every goals table in MD from its DIR

DIR is what `image-tests/run-on-gpu.sh run` writes (`docs/gpu-runs/<date>-<card>/`):

    verify-1.json .. verify-4.json   `megapak verify --gpu --host --json`, run 1 from a cold
                                     page cache, runs 2-4 warm
    walls.txt                        the wall seconds of those four runs, process start to
                                     report, one per line
    pytorch.json                     PyTorch's own matmul and copy, measured the same way

The goals (issue 16):

    - every check (cuda, torch, ort) passed, in every run;
    - process start to report, warm (the median of runs 2-4): at most 1.0 s;
    - process start to report, cold (run 1): at most 2.5 s;
    - the bf16 8192^3 matmul through tch and the copy kernel: at least 90 % of PyTorch's
      (the median of runs 2-4 against PyTorch's figure of the same run).

A time goal counts only when every check passed. Then "where the time goes": each check's
`seconds_<phase>` figures, the median of the warm runs.

In a Markdown file, a goals table sits between `<!-- gpu-goals: DIR -->` and
`<!-- /gpu-goals -->`, DIR relative to the Markdown file's folder; `--check` fails when a table
differs from what its DIR gives, or when a run folder under `gpu-runs/` beside the file has no
table. Standard library only (CI has Python 3.11).
"""

import json
import math
import os
import re
import sys

CHECKS = ("cuda", "torch", "ort")
RUNS = (1, 2, 3, 4)
WARM = (2, 3, 4)
WARM_LIMIT_S = 1.0
COLD_LIMIT_S = 2.5
RATIO_MIN = 0.90
BLOCK = re.compile(r"<!-- gpu-goals: (\S+) -->\n(.*?)<!-- /gpu-goals -->", re.DOTALL)


def load_json(path):
    """The JSON in `path`, or None when it is missing or not JSON."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def load_walls(folder):
    """The wall seconds of runs 1-4 from walls.txt; None for each one missing."""
    try:
        with open(os.path.join(folder, "walls.txt"), encoding="utf-8") as f:
            words = f.read().split()
    except OSError:
        words = []
    walls = []
    for word in words[: len(RUNS)]:
        try:
            walls.append(float(word))
        except ValueError:
            walls.append(None)
    return walls + [None] * (len(RUNS) - len(walls))


def number(value):
    """A finite number, or None (a missing figure, a `NaN` recorded as text)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def median(values):
    """The median of `values`; None when any is missing."""
    if not values or any(v is None for v in values):
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def check_of(run, name):
    """The check called `name` in a run's report, or None."""
    for check in (run or {}).get("checks", []):
        if check.get("name") == name:
            return check
    return None


def figure(run, name, key):
    check = check_of(run, name)
    return number((check or {}).get("figures", {}).get(key))


def seconds(value, digits=2):
    return "?" if value is None else f"{value:.{digits}f}"


def run_failures(runs):
    """What did not pass, run by run: `run 2: torch failed (figure-missing)`."""
    failures = []
    for i, run in zip(RUNS, runs):
        if run is None:
            failures.append(f"run {i}: no report")
            continue
        for name in CHECKS:
            check = check_of(run, name)
            if check is None:
                failures.append(f"run {i}: {name} missing")
            elif check.get("status") != "passed":
                code = (check.get("diagnosis") or {}).get("code", "no diagnosis")
                failures.append(f"run {i}: {name} {check.get('status')} ({code})")
        if not run.get("passed") and all(
            (check_of(run, n) or {}).get("status") == "passed" for n in CHECKS
        ):
            failures.append(f"run {i}: report not passed")
    return failures


def ratio_row(what, unit, ours, theirs):
    if ours is None or theirs is None or theirs <= 0:
        measured = f"{seconds(ours, 0)} / {seconds(theirs, 0)} {unit}"
        return (what, measured, f">= {100 * RATIO_MIN:.0f} %", False)
    share = ours / theirs
    measured = f"{ours:.0f} / {theirs:.0f} {unit} = {100 * share:.1f} %"
    return (what, measured, f">= {100 * RATIO_MIN:.0f} %", share >= RATIO_MIN)


def goals(folder):
    """The goals table and the phase table of a run folder, as Markdown."""
    runs = [load_json(os.path.join(folder, f"verify-{i}.json")) for i in RUNS]
    walls = load_walls(folder)
    ref = load_json(os.path.join(folder, "pytorch.json")) or {}
    failures = run_failures(runs)
    passed = not failures
    warm = median([walls[i - 1] for i in WARM])
    cold = walls[0]
    all_walls = " ".join(seconds(w) for w in walls)
    rows = [
        (
            "every check passed, in every run",
            "runs 1-4: cuda, torch, ort passed" if passed else "; ".join(failures),
            "all pass",
            passed,
        ),
        (
            "process start to report, warm (median of runs 2-4)",
            f"{seconds(warm)} s (runs 1-4: {all_walls})",
            f"<= {WARM_LIMIT_S:.1f} s",
            passed and warm is not None and warm <= WARM_LIMIT_S,
        ),
        (
            "process start to report, cold (run 1)",
            f"{seconds(cold)} s",
            f"<= {COLD_LIMIT_S:.1f} s",
            passed and cold is not None and cold <= COLD_LIMIT_S,
        ),
        ratio_row(
            "tch bf16 8192³ matmul vs PyTorch (median of runs 2-4)",
            "TFLOP/s",
            median([figure(runs[i - 1], "torch", "matmul_tflops") for i in WARM]),
            number(ref.get("matmul_tflops")),
        ),
        ratio_row(
            "copy kernel vs PyTorch `copy_` (1 GiB, median of runs 2-4)",
            "GB/s",
            median([figure(runs[i - 1], "cuda", "copy_gb_per_s") for i in WARM]),
            number(ref.get("copy_gb_per_s")),
        ),
    ]
    own = " ".join(seconds(number((r or {}).get("seconds"))) for r in runs)
    lines = [
        f"Computed by `image-tests/gpu-goals.py` from the raw files in "
        f"`{os.path.basename(os.path.normpath(folder))}/`; not typed by hand.",
        "",
        f"Card: {ref.get('device', '?')}; PyTorch {ref.get('torch', '?')} (its import to the "
        f"first CUDA result {seconds(number(ref.get('import_to_first_cuda_s')))} s); "
        f"the harness's own seconds, runs 1-4: {own}.",
        "",
        "| goal | measured | target | result |",
        "|---|---|---|---|",
    ]
    for what, measured, target, met in rows:
        lines.append(f"| {what} | {measured} | {target} | {'met' if met else '**NOT MET**'} |")
    unmet = [what for what, _, _, met in rows if not met]
    lines.append("")
    lines.append("**All goals met.**" if not unmet else "**Goals NOT MET:** " + "; ".join(unmet) + ".")
    lines += ["", *phases(runs)]
    return "\n".join(lines) + "\n"


def phases(runs):
    """Where the time goes: each check's `seconds_*` figures, the median of the warm runs,
    longest first, then the whole process."""
    lines = [
        "Where the time goes (each check's `seconds_*` figures; median of the warm runs 2-4):",
        "",
        "| check | phase | seconds, median 2-4 | runs 1-4 |",
        "|---|---|---|---|",
    ]
    for name in CHECKS:
        keys = set()
        for run in runs:
            figures = (check_of(run, name) or {}).get("figures", {})
            keys.update(k for k in figures if k.startswith("seconds_"))
        rows = []
        for key in keys:
            per_run = [figure(run, name, key) for run in runs]
            rows.append((key[len("seconds_"):], median(per_run[1:]), per_run))
        rows.sort(key=lambda r: (-(r[1] if r[1] is not None else -1.0), r[0]))
        whole = [number((check_of(run, name) or {}).get("seconds")) for run in runs]
        rows.append(("(whole process)", median(whole[1:]), whole))
        for phase, warm, per_run in rows:
            each = " ".join(seconds(v, 3) for v in per_run)
            lines.append(f"| {name} | {phase} | {seconds(warm, 3)} | {each} |")
    return lines


def blocks(markdown_path):
    """Every goals table of a Markdown file: (its folder, its text, where it sits)."""
    with open(markdown_path, encoding="utf-8") as f:
        text = f.read()
    base = os.path.dirname(os.path.abspath(markdown_path))
    return text, [(os.path.join(base, m.group(1)), m) for m in BLOCK.finditer(text)]


def run_folders(markdown_path):
    """The run folders under `gpu-runs/` beside the Markdown file."""
    root = os.path.join(os.path.dirname(os.path.abspath(markdown_path)), "gpu-runs")
    if not os.path.isdir(root):
        return []
    return sorted(
        os.path.join(root, d)
        for d in os.listdir(root)
        if os.path.isfile(os.path.join(root, d, "verify-1.json"))
    )


def check(markdown_path, update=False):
    text, found = blocks(markdown_path)
    problems = []
    for folder, match in found:
        if not os.path.isdir(folder):
            problems.append(f"{match.group(1)}: no such run folder")
            continue
        if match.group(2) != goals(folder):
            problems.append(f"{match.group(1)}: the table differs from what its raw files give")
    named = {os.path.normpath(folder) for folder, _ in found}
    for folder in run_folders(markdown_path):
        if os.path.normpath(folder) not in named:
            problems.append(f"{os.path.basename(folder)}: a run folder without a goals table")
    if update:
        base = os.path.dirname(os.path.abspath(markdown_path))

        def rewrite(m):
            folder = os.path.join(base, m.group(1))
            if not os.path.isdir(folder):
                return m.group(0)
            return f"<!-- gpu-goals: {m.group(1)} -->\n{goals(folder)}<!-- /gpu-goals -->"

        new = BLOCK.sub(rewrite, text)
        with open(markdown_path, "w", encoding="utf-8") as f:
            f.write(new)
        print(f"{markdown_path}: {len(found)} goals table(s) rewritten")
        return 0
    for problem in problems:
        print(f"{markdown_path}: {problem}", file=sys.stderr)
    if problems:
        print("run `python3 image-tests/gpu-goals.py --update FILE` and commit the result", file=sys.stderr)
        return 1
    print(f"{markdown_path}: {len(found)} goals table(s) as their raw files give")
    return 0


def main(argv):
    if len(argv) == 2 and argv[0] in ("--check", "--update"):
        return check(argv[1], update=argv[0] == "--update")
    if len(argv) == 1 and not argv[0].startswith("-"):
        if not os.path.isdir(argv[0]):
            print(f"gpu-goals: `{argv[0]}` is not a folder", file=sys.stderr)
            return 2
        sys.stdout.write(goals(argv[0]))
        return 0
    print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
