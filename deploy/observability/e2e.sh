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

screens=""
if [[ "${1:-}" == "--screens" ]]; then
    screens="$(mkdir -p "$2" && cd "$2" && pwd)"
fi

command -v prometheus >/dev/null || { echo "e2e: prometheus is not installed (apt-get install prometheus)" >&2; exit 1; }

stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    echo "e2e: installing matplotlib and PyYAML into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --disable-pip-version-check -q -r "$here/requirements.txt"
    echo "$want" >"$stamp"
fi

if [[ -z "${GATEWAY_BIN:-}" ]]; then
    (cd "$root" && cargo build --locked --quiet --bin workorder-gateway)
    GATEWAY_BIN="${CARGO_TARGET_DIR:-$root/target}/debug/workorder-gateway"
fi

# Loopback only: never let an inherited proxy setting carry the run's traffic elsewhere.
export NO_PROXY="127.0.0.1,localhost" no_proxy="127.0.0.1,localhost"
export MPLCONFIGDIR="${TMPDIR:-/tmp}/wog-obs-mpl"

out="$screens"
if [[ -z "$out" ]]; then
    out="$(mktemp -d)"
    trap 'rm -rf "$out"' EXIT
fi
"$venv/bin/python" "$here/e2e.py" "$GATEWAY_BIN" "$out"
