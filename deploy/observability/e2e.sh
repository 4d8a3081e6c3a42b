#!/usr/bin/env bash
# End-to-end proof of the dashboard and the rules (e2e.py says what it checks): a real
# Prometheus (Debian's `prometheus` package) scraping a real gateway every second, with
# rules.yml loaded, sandbox faults switched on, and one PNG per dashboard panel written.
#
#   deploy/observability/e2e.sh                  PNGs into a temporary directory (removed)
#   deploy/observability/e2e.sh --screens DIR    PNGs into DIR (the committed set: screens/)
#   GATEWAY_BIN=path e2e.sh                      use an already built workorder-gateway
#
# Needs `prometheus` on PATH and python3 with venv; the venv lives in deploy/observability/.venv
# (gitignored), pinned by requirements.txt and reused while that file is unchanged. Exits
# non-zero on any failed check; the last line is `N passed, M failed`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
# shellcheck source=../../tests/lib/python-env.sh
source "$root/tests/lib/python-env.sh"

screens=""
if [[ "${1:-}" == "--screens" ]]; then
    screens="$(mkdir -p "$2" && cd "$2" && pwd)"
fi

command -v prometheus >/dev/null || { echo "e2e: prometheus is not installed (apt-get install prometheus)" >&2; exit 1; }

pinned_venv "$venv" "$here/requirements.txt" "matplotlib and PyYAML"

GATEWAY_BIN="$(gateway_bin "$root")"

# Loopback only: never let an inherited proxy setting carry the run's traffic elsewhere.
export NO_PROXY="127.0.0.1,localhost" no_proxy="127.0.0.1,localhost"
export MPLCONFIGDIR="${TMPDIR:-/tmp}/wog-obs-mpl"

out="$screens"
if [[ -z "$out" ]]; then
    out="$(mktemp -d)"
    trap 'rm -rf "$out"' EXIT
fi
"$venv/bin/python" "$here/e2e.py" "$GATEWAY_BIN" "$out"
