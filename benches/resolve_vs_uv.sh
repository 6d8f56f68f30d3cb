#!/usr/bin/env bash
# megapak resolve against uv pip compile on the real cu130 pak set, in one run (issue 10).
#
# Builds the release binaries, makes the workspaces, times cold, warm, offline and no-op runs of
# both tools, prints the table and adds it to docs/benchmarks.md. The work is done by
# resolve_vs_uv.py beside this file (Python 3.11+, standard library only); see its docstring.
#
#   benches/resolve_vs_uv.sh                 # defaults: 3 cold, 5 warm, 3 offline, 10 no-op runs
#   COLD_RUNS=5 benches/resolve_vs_uv.sh --no-doc
#
# Needs cargo, python3 >= 3.11 and the network (PyPI); says what it skips and exits 0 when one
# is missing.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "resolve_vs_uv: skipped: needs Python 3.11 or newer as \`$python\` (set PYTHON=...)"
    exit 0
fi
exec "$python" "$here/resolve_vs_uv.py" "$@"
