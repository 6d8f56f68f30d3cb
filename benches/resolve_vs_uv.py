#!/usr/bin/env python3
"""`megapak resolve` against `uv pip compile` on the real cu130 pak set, in one run (issue 10).

What one run does, on this machine:

1. builds the release binaries (`cargo build --release -p megapak -p megapak-plugin-nixpkgs
   -p megapak-plugin-pypi -p megapak-plugin-custom-wheel`);
2. copies `fixtures/real/comfyui-megapak-cu130/pak{2,3,5,7}.txt` into a scratch folder under
   /tmp with the lines neither tool can take commented out (the six `git+` lines: uv would clone
   them, megapak needs them declared for its `custom-wheel` resolver; `func-timeout`: see
   SET_ASIDE), so line numbers stay the upstream ones and both tools read the same files;
3. makes two workspaces on them, `[target] python = "3.14"`, `cuda = "13.0"`, `torch = "2.10"`
   (nixpkgs' snapshot has torch 2.10.0, the upstream image uses 2.11): `nixpkgs+pypi`
   (`order = ["nixpkgs", "pypi"]`, the realistic one) and `pypi` (`order = ["pypi"]`, like for
   like with uv, which reads only PyPI), each with its own `[resolvers.pypi] cache-dir`;
4. times, interleaving the tools run by run so that the link's drift hits all alike:
   - cold: megapak with an empty pypi cache and no lock; uv with an empty `UV_CACHE_DIR`;
   - warm: the same caches, megapak's lock deleted so that it really solves;
   - offline: warm caches, `megapak resolve --offline` (lock deleted) and `uv pip compile
     --offline`: the solving alone, no network;
   - no-op: megapak with its lock present and unchanged (goal: under 50 ms); uv has no lock
     that it could find up to date, so it has no such column;
   each with its peak RSS (`/usr/bin/time -f %M`, else `wait4`'s `ru_maxrss`); megapak with
   `MEGAPAK_PYPI_TRAFFIC=1`, whose lines of the last cold run are summed up;
5. asks megapak once more with only the `git+` lines set aside (the probe): whether the whole
   set resolves, and if not its first lines of error;
6. prints the table (medians) and adds it, with the date, the machine and the caveats, to
   `docs/benchmarks.md` under "megapak resolve vs uv pip compile" (a new run below the earlier
   ones; other sections are left as they are).

uv is `pip install`ed into a venv under /tmp (`UV_SPEC`, default `uv`), run with
`UV_PYTHON_DOWNLOADS=never --python-version 3.14 --python-platform x86_64-manylinux_2_28
--generate-hashes --no-progress --no-config`, and `-c` a constraint `torch==2.10.*` (megapak's
`[target] torch`).

Repetitions: `COLD_RUNS` (3), `WARM_RUNS` (5), `OFFLINE_RUNS` (3), `NOOP_RUNS` (10). Options:
`--no-build` (use the binaries in target/release as they are), `--no-doc` (print only),
`--keep` (leave the scratch folder); each count is at least 1. Without cargo or the network it
says so and exits 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAKS = [ROOT / "fixtures/real/comfyui-megapak-cu130" / f"pak{n}.txt" for n in (2, 3, 5, 7)]
PACKAGES = [
    "megapak",
    "megapak-plugin-nixpkgs",
    "megapak-plugin-pypi",
    "megapak-plugin-custom-wheel",
]
DOC = ROOT / "docs/benchmarks.md"
SECTION = "## megapak resolve vs uv pip compile"
TORCH = "2.10"
UV_VENV = Path("/tmp/megapak-bench-uv")
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None

# Lines set aside from both tools' input besides the `git+` ones, with why.
SET_ASIDE = {
    "func-timeout": "PyPI has only sdists of it whose metadata does not declare their dependencies "
    "(they are known only once built) and nixpkgs' snapshot has no dependency lists, so megapak "
    "cannot resolve it (see the probe); uv builds the sdist to learn them",
}


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def say(message: str) -> None:
    print(f"resolve_vs_uv: {message}", flush=True)


@dataclass
class Sample:
    seconds: float
    rss_kib: int
    ok: bool
    error: str = ""
    code: int = 0


@dataclass
class Row:
    tool: str
    order: str
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    packages: str = ""
    names: set[str] = field(default_factory=set)

    def median(self, phase: str) -> float | None:
        good = [s.seconds for s in self.samples.get(phase, []) if s.ok]
        return statistics.median(good) if good else None

    def peak_rss_mib(self, phase: str) -> float | None:
        good = [s.rss_kib for s in self.samples.get(phase, []) if s.ok]
        return max(good) / 1024 if good else None

    def errors(self) -> list[str]:
        return [s.error for samples in self.samples.values() for s in samples if not s.ok]


def run_timed(argv: list[str], cwd: Path, env: dict[str, str], log: Path) -> Sample:
    """Runs `argv` with its output in `log`; its wall time and peak RSS.

    The RSS comes from `/usr/bin/time -f %M` where it is installed: a process forked from this
    Python inherits Python's high-water mark as its own floor (Linux keeps `maxrss` across
    `exec`), one forked from `time` does not. Without `time`, `wait4`'s `ru_maxrss` is used and
    the note in the table says so.
    """
    rss_file = log.with_suffix(".rss")
    wrapped = [TIME, "-q", "-f", "%M", "-o", str(rss_file), *argv] if TIME else argv
    with open(log, "wb") as out:
        start = time.perf_counter()
        process = subprocess.Popen(wrapped, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
    rss_kib = usage.ru_maxrss
    if TIME and rss_file.exists():
        numbers = re.findall(r"^\d+$", rss_file.read_text(), flags=re.MULTILINE)
        rss_kib = int(numbers[-1]) if numbers else rss_kib
    ok = process.returncode == 0
    error = ""
    if not ok:
        lines = [
            line
            for line in log.read_text(errors="replace").splitlines()
            if not line.startswith("pypi: ")
        ]
        error = f"exit {process.returncode}: " + " / ".join(lines[:3])
    return Sample(seconds, rss_kib, ok, error, process.returncode)


def network_ok() -> str | None:
    request = urllib.request.Request(
        "https://pypi.org/simple/pip/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            response.read(1)
        return None
    except Exception as error:  # noqa: BLE001: any failure means no usable network
        return str(error)


def build() -> None:
    argv = ["cargo", "build", "--release"] + [a for p in PACKAGES for a in ("-p", p)]
    say("building: " + " ".join(argv))
    subprocess.run(argv, cwd=ROOT, check=True)


def install_uv() -> Path:
    uv = UV_VENV / "bin/uv"
    spec = os.environ.get("UV_SPEC", "uv")
    if not uv.exists():
        say(f"installing `{spec}` into {UV_VENV}")
        subprocess.run([sys.executable, "-m", "venv", str(UV_VENV)], check=True)
        subprocess.run(
            [str(UV_VENV / "bin/python"), "-m", "pip", "install", "--quiet", spec], check=True
        )
    return uv


def pak_copies(scratch: Path) -> tuple[list[Path], list[str]]:
    """The pak files with the lines set aside commented out; the lines set aside."""
    folder = scratch / "paks"
    folder.mkdir()
    copies, aside = [], []
    for pak in PAKS:
        lines = []
        for number, line in enumerate(pak.read_text().splitlines(), 1):
            text = re.split(r"(?:^|\s)#", line, maxsplit=1)[0].strip()
            name = normalize(re.split(r"[\s\[<>=!~;@]", text, maxsplit=1)[0]) if text else ""
            if text.startswith("git+") or name in SET_ASIDE:
                aside.append(f"{pak.name}:{number} `{line.strip()}`")
                line = f"# set aside by benches/resolve_vs_uv: {line}"
            lines.append(line)
        copy = folder / pak.name
        copy.write_text("\n".join(lines) + "\n")
        copies.append(copy)
    return copies, aside


def write_workspace(folder: Path, paks: list[Path], order: list[str], cache: Path) -> Path:
    folder.mkdir()
    names = ", ".join(f'"{p}"' for p in paks)
    quoted = ", ".join(f'"{o}"' for o in order)
    config = folder / "megapak.toml"
    config.write_text(
        f"""# benches/resolve_vs_uv: the real cu130 pak set
paks = [{names}]

[target]
python = "3.14"
cuda = "13.0"
torch = "{TORCH}"
system = "x86_64-linux"

[resolvers]
order = [{quoted}]

[resolvers.pypi]
cache-dir = "{cache}"
"""
    )
    return config


def lock_summary(lock: Path) -> tuple[str, set[str]]:
    data = tomllib.loads(lock.read_text())
    packages = data.get("package", [])
    by_provider: dict[str, int] = {}
    for package in packages:
        by_provider[package["provider"]] = by_provider.get(package["provider"], 0) + 1
    split = " + ".join(f"{n} {p}" for p, n in sorted(by_provider.items()))
    text = f"{len(packages)}" + (f" ({split})" if len(by_provider) > 1 else "")
    return text, {normalize(p["name"]) for p in packages}


def uv_parents(output: Path) -> set[str]:
    """The packages uv's output names after `# via` (those that need another one)."""
    parents, in_via = set(), False
    for line in output.read_text().splitlines():
        text = line.strip()
        if text.startswith("# via"):
            rest, in_via = text[5:].strip(), True
        elif in_via and text.startswith("#   "):
            rest = text[4:].strip()
        else:
            in_via = False
            continue
        if rest and not rest.startswith(("-r ", "-c ")):
            parents.add(normalize(re.split(r"[\s\[]", rest, maxsplit=1)[0]))
    return parents


def lock_versions(lock: Path) -> dict[str, str]:
    data = tomllib.loads(lock.read_text())
    return {normalize(p["name"]): p["version"] for p in data.get("package", [])}


def uv_versions(output: Path) -> dict[str, str]:
    pins = {}
    for line in output.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)", line)
        if match:
            pins[normalize(match.group(1))] = match.group(3)
    return pins


def without_dependencies(lock: Path) -> set[str]:
    data = tomllib.loads(lock.read_text())
    return {normalize(p["name"]) for p in data.get("package", []) if not p.get("dependencies")}


def traffic(log: Path) -> str:
    """The pypi plugin's `MEGAPAK_PYPI_TRAFFIC` lines of one run, summed up."""
    calls = single = requests = size = 0
    for line in log.read_text(errors="replace").splitlines():
        match = re.match(r"pypi: (\w+) of (\d+) packages: (\d+) requests, (\d+) bytes", line)
        if match:
            calls += 1
            single += match.group(1) == "details" and match.group(2) == "1"
            requests += int(match.group(3))
            size += int(match.group(4))
    return (
        f"{calls} calls of the pypi plugin ({single} of them `details` of one version), "
        f"{requests} requests, {size / 1e6:.1f} MB"
    )


def uv_summary(output: Path) -> tuple[str, set[str]]:
    names = set()
    for line in output.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==", line)
        if match:
            names.add(normalize(match.group(1)))
    return str(len(names)), names


def fmt_s(value: float | None) -> str:
    if value is None:
        return "failed"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def fmt_ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a is not None and b else "-"


def fmt_mib(value: float | None) -> str:
    return f"{value:.0f}" if value is not None else "-"


def table(rows: list[Row], uv: Row) -> str:
    header = (
        "| tool | order | cold | warm | offline | no-op | megapak/uv cold | megapak/uv warm "
        "| megapak/uv offline | peak RSS MiB cold / warm / no-op | packages locked |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
    )
    body = ""
    for row in rows:
        mine = row is not uv
        phases = ("cold", "warm", "noop") if mine else ("cold", "warm")
        cells = [
            row.tool,
            row.order,
            fmt_s(row.median("cold")),
            fmt_s(row.median("warm")),
            fmt_s(row.median("offline")),
            fmt_s(row.median("noop")) if mine else "n/a",
            fmt_ratio(row.median("cold"), uv.median("cold")) if mine else "1",
            fmt_ratio(row.median("warm"), uv.median("warm")) if mine else "1",
            fmt_ratio(row.median("offline"), uv.median("offline")) if mine else "1",
            " / ".join(fmt_mib(row.peak_rss_mib(p)) for p in phases),
            row.packages or "-",
        ]
        body += "| " + " | ".join(cells) + " |\n"
    return header + body


def spread(rows: list[Row]) -> str:
    lines = []
    for row in rows:
        for phase, samples in row.samples.items():
            times = ", ".join(f"{s.seconds:.3f}" if s.ok else "failed" for s in samples)
            lines.append(f"- {row.tool} ({row.order}), {phase}: {times} s")
    return "\n".join(lines)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def git_state() -> str:
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no", "--", "crates", "plugins"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    changed = f" with {len(dirty)} files of crates/ and plugins/ changed" if dirty else ""
    return f"`{head}`{changed}"


INTRO = f"""{SECTION}

`benches/resolve_vs_uv.sh` (issue 10; not a timed test) resolves the real pak files of the CUDA
13 ComfyUI megapak image (`fixtures/real/comfyui-megapak-cu130/pak{{2,3,5,7}}.txt`) for Python
3.14, CUDA 13.0 and torch {TORCH} on x86_64-linux with `megapak resolve` and with `uv pip compile`
(`--python-version 3.14 --python-platform x86_64-manylinux_2_28 --generate-hashes`, the
constraint `torch=={TORCH}.*`), in one run on one machine, and adds a run below.

- **cold**: megapak with an empty `[resolvers.pypi] cache-dir` and no lock, uv with an empty
  `UV_CACHE_DIR`; **warm**: the same caches, megapak's lock deleted so that it solves again;
  **offline**: warm caches without the network (`megapak resolve --offline`, lock deleted;
  `uv pip compile --offline`), the solving alone; **no-op**: megapak with its lock present and
  unchanged (the input hash matches, no resolver is asked; goal under 50 ms). uv keeps no lock it
  could find up to date: it has no no-op column.
- Times are medians of wall-clock seconds, the tools interleaved run by run; the runs' counts
  and every time are listed. megapak runs with `MEGAPAK_PYPI_TRAFFIC=1` (a line on stderr per
  plugin call), summed up below each table. Peak RSS is the largest of the runs of a phase, from
  `/usr/bin/time -f %M` (`apt-get install -y time`; else `wait4`'s `ru_maxrss`, which counts
  the benchmark's own Python as a floor of ~30 MiB: the run says which).
- `nixpkgs+pypi` is the realistic workspace (`order = ["nixpkgs", "pypi"]`): most packages
  come from the nixpkgs snapshot embedded in the plugin, PyPI is asked for the rest and for
  the dependency lists nixpkgs' snapshot lacks. `pypi` (`order = ["pypi"]`) is the like-for-like
  comparison: uv reads only PyPI.
- Only ratios within one run mean something: this machine's link to PyPI varies severalfold
  between days (the index pages come uncompressed through a proxy here, ~100 MB for the set).
  The machine has 2 cores and is shared with other builds: the load average is given.
- `torch = "{TORCH}"`: the upstream image uses torch 2.11, but nixpkgs' snapshot has torch
  2.10.0; with `{TORCH}` the set solves, so it stays in `[target]` and uv gets the same pin.
"""


def add_to_doc(run_text: str) -> None:
    if not DOC.exists():
        DOC.write_text("# Benchmarks\n\n" + INTRO + "\n" + run_text)
        return
    text = DOC.read_text()
    start = text.find(SECTION + "\n")
    if start < 0:
        DOC.write_text(text.rstrip("\n") + "\n\n" + INTRO + "\n" + run_text)
        return
    following = re.search(r"^## ", text[start + len(SECTION) :], flags=re.MULTILINE)
    end = start + len(SECTION) + following.start() if following else len(text)
    section = text[start:end].rstrip("\n") + "\n\n" + run_text
    DOC.write_text(text[:start] + section + ("\n" + text[end:] if end < len(text) else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--no-build", action="store_true", help="use target/release as it is")
    parser.add_argument("--no-doc", action="store_true", help="print only")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    counts = {
        phase: max(1, int(os.environ.get(var, default)))
        for phase, var, default in (
            ("cold", "COLD_RUNS", 3),
            ("warm", "WARM_RUNS", 5),
            ("offline", "OFFLINE_RUNS", 3),
            ("noop", "NOOP_RUNS", 10),
        )
    }

    if shutil.which("cargo") is None and not args.no_build:
        say("skipped: `cargo` is not installed")
        return 0
    problem = network_ok()
    if problem is not None:
        say(f"skipped: PyPI cannot be reached ({problem}); both tools need it")
        return 0
    if not args.no_build:
        try:
            build()
        except subprocess.CalledProcessError as error:
            say(f"the release build failed (exit {error.returncode}); nothing was timed")
            return 1
    megapak = ROOT / "target/release/megapak"
    plugins = [f"libmegapak_plugin_{p}.so" for p in ("nixpkgs", "pypi", "custom_wheel")]
    for name in ["megapak", *plugins]:
        if not (ROOT / "target/release" / name).exists():
            say(f"skipped: `target/release/{name}` is missing (run without --no-build)")
            return 0
    try:
        uv = install_uv()
    except subprocess.CalledProcessError as error:
        say(f"skipped: uv could not be installed ({error})")
        return 0
    uv_version = subprocess.run(
        [str(uv), "--version"], capture_output=True, text=True
    ).stdout.strip()

    started = dt.datetime.now(dt.timezone.utc)
    load_before = load()
    scratch = Path(tempfile.mkdtemp(prefix="megapak-bench-", dir="/tmp"))
    say(f"scratch folder {scratch}; {uv_version}; runs {counts}")
    paks, aside = pak_copies(scratch)
    for line in aside:
        say(f"set aside: {line}")

    env = dict(os.environ, NO_COLOR="1")
    megapak_env = dict(env, MEGAPAK_PYPI_TRAFFIC="1")
    workspaces = {}
    rows = []
    for label, order in (("nixpkgs+pypi", ["nixpkgs", "pypi"]), ("pypi", ["pypi"])):
        cache = scratch / f"cache-{label}"
        config = write_workspace(scratch / f"ws-{label}", paks, order, cache)
        workspaces[label] = (config, cache)
        rows.append(Row("megapak resolve", label))
    uv_number = uv_version.split()[1] if " " in uv_version else uv_version
    uv_row = Row(f"uv pip compile ({uv_number})", "PyPI")
    rows.append(uv_row)
    constraints = scratch / "constraints.txt"
    constraints.write_text(f"torch=={TORCH}.*\n")
    uv_cache = scratch / "uv-cache"
    uv_out = scratch / "uv-requirements.txt"
    uv_env = dict(env, UV_PYTHON_DOWNLOADS="never", UV_CACHE_DIR=str(uv_cache))
    uv_argv = [
        str(uv), "pip", "compile", *map(str, paks), "-c", str(constraints),
        "--python-version", "3.14", "--python-platform", "x86_64-manylinux_2_28",
        "--generate-hashes", "--no-progress", "--no-config", "-o", str(uv_out),
    ]  # fmt: skip
    logs = scratch / "logs"
    logs.mkdir()

    def megapak_run(
        row: Row, phase: str, extra: list[str], fresh: bool, keep_lock: bool
    ) -> None:
        config, cache = workspaces[row.order]
        lock = config.parent / "megapak.lock"
        if fresh:
            shutil.rmtree(cache, ignore_errors=True)
        if not keep_lock:
            lock.unlink(missing_ok=True)
        samples = row.samples.setdefault(str(phase), [])
        log = logs / f"megapak-{row.order}-{phase}-{len(samples)}.log"
        argv = [str(megapak), "resolve", "--config", str(config), *extra]
        samples.append(run_timed(argv, config.parent, megapak_env, log))
        up_to_date = "Up to date" in log.read_text(errors="replace")
        if phase == "noop" and samples[-1].ok and not up_to_date:
            samples[-1].ok = False
            samples[-1].error = "not a no-op: the lock was not found up to date"
        if samples[-1].ok and lock.exists():
            row.packages, row.names = lock_summary(lock)

    def uv_run(phase: str, extra: list[str], fresh: bool) -> None:
        if fresh:
            shutil.rmtree(uv_cache, ignore_errors=True)
        samples = uv_row.samples.setdefault(phase, [])
        log = logs / f"uv-{phase}-{len(samples)}.log"
        samples.append(run_timed(uv_argv + extra, scratch, uv_env, log))
        if samples[-1].ok:
            uv_row.packages, uv_row.names = uv_summary(uv_out)

    for phase, extra_megapak, extra_uv, fresh in (
        ("cold", [], [], True),
        ("warm", [], [], False),
        ("offline", ["--offline"], ["--offline"], False),
    ):
        for run in range(counts[phase]):
            for row in rows:
                if row is uv_row:
                    uv_run(phase, extra_uv, fresh)
                else:
                    megapak_run(row, phase, extra_megapak, fresh, keep_lock=False)
            say(f"{phase} {run + 1}/{counts[phase]} done")
    for row in rows:
        if row is uv_row:
            continue
        # The lock the last (offline) run wrote is up to date: resolve only reads it and the inputs.
        for _ in range(counts["noop"]):
            megapak_run(row, "noop", [], False, keep_lock=True)
    say("no-op runs done")

    # The probe: the whole set with only the `git+` lines set aside, warm caches.
    probe_paks = scratch / "probe-paks"
    probe_paks.mkdir()
    for pak in PAKS:
        kept = [
            line if not line.strip().startswith("git+") else f"# set aside: {line}"
            for line in pak.read_text().splitlines()
        ]
        (probe_paks / pak.name).write_text("\n".join(kept) + "\n")
    probes = []
    for label, order in (("nixpkgs+pypi", ["nixpkgs", "pypi"]), ("pypi", ["pypi"])):
        config = write_workspace(
            scratch / f"probe-{label}",
            [probe_paks / p.name for p in PAKS],
            order,
            workspaces[label][1],
        )
        sample = run_timed(
            [str(megapak), "resolve", "--config", str(config)],
            config.parent,
            env,
            logs / f"probe-{label}.log",
        )
        if sample.ok:
            summary, _ = lock_summary(config.parent / "megapak.lock")
            probes.append(f"`{label}`: resolves, {summary} packages")
        else:
            lines = (logs / f"probe-{label}.log").read_text(errors="replace").splitlines()
            lines = [line for line in lines if not line.startswith("pypi:")]
            quoted = " ".join(f"`{line.strip()}`" for line in lines[1:3])
            probes.append(f"`{label}`: fails (exit {sample.code}): {quoted}")
    load_after = load()

    text = table(rows, uv_row)
    print()
    print(text)
    print(spread(rows))
    failures = [f"- {row.tool} ({row.order}): {e}" for row in rows for e in row.errors()]
    if failures:
        print("\nFailed runs:\n" + "\n".join(failures))

    only_uv = sorted(uv_row.names - rows[1].names)
    only_megapak = sorted(rows[1].names - uv_row.names)
    pypi_lock = workspaces["pypi"][0].parent / "megapak.lock"
    lost = (
        sorted(without_dependencies(pypi_lock) & uv_parents(uv_out))
        if pypi_lock.exists() and uv_out.exists()
        else []
    )
    differ = []
    if pypi_lock.exists() and uv_out.exists():
        mine, theirs = lock_versions(pypi_lock), uv_versions(uv_out)
        differ = [
            f"{name} {mine[name]} (uv {theirs[name]})"
            for name in sorted(mine.keys() & theirs.keys())
            if mine[name] != theirs[name]
        ]
    traffic_lines = []
    for row in rows[:2]:
        cold_logs = sorted(logs.glob(f"megapak-{row.order}-cold-*.log"))
        if cold_logs:
            traffic_lines.append(f"- `{row.order}`, last cold run: {traffic(cold_logs[-1])}")
    run_text = f"""### Run of {started:%Y-%m-%d %H:%M} UTC

- Machine: {machine()}; load average {load_before} before, {load_after} after.
- megapak at {git_state()}, release profile; {uv_version}.
- Peak RSS from {"`/usr/bin/time -f %M`" if TIME else "`wait4` (floor: this script's own RSS)"}.
- Runs per phase: {counts["cold"]} cold, {counts["warm"]} warm, {counts["offline"]} offline, \
{counts["noop"]} no-op.

{text}
Set aside from both tools' input (commented out in the copies, so line numbers are upstream's):
{", ".join(aside)}. `func-timeout`: {SET_ASIDE['func-timeout']}.

Probe, the whole set with only the `git+` lines set aside (warm caches):
{chr(10).join("- " + p for p in probes)}

Packages uv locks that megapak (`pypi` only) does not: {len(only_uv)}{": " + ", ".join(only_uv) if only_uv else ""}.
Packages megapak (`pypi` only) locks that uv does not: {len(only_megapak)}{": " + ", ".join(only_megapak) if only_megapak else ""}.
Versions megapak (`pypi` only) locks that differ from uv's: {len(differ)}{": " + ", ".join(differ) if differ else ""}.
Packages megapak (`pypi` only) locks with no dependencies although uv's output shows them
needing others: {len(lost)}{": " + ", ".join(lost) if lost else ""}.

What megapak asked PyPI for (`MEGAPAK_PYPI_TRAFFIC`):
{chr(10).join(traffic_lines)}
{"A run failed:" + chr(10) + chr(10).join(failures) + chr(10) if failures else ""}
<details><summary>Every time</summary>

{spread(rows)}

</details>
"""
    if not args.no_doc:
        add_to_doc(run_text)
        say(f"added the run to {DOC.relative_to(ROOT)}")
    if args.keep:
        say(f"kept {scratch}")
    else:
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
