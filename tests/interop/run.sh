#!/usr/bin/env bash
# Interop proof: the official Alibaba Cloud Python SDKs (installed from PyPI, pinned in
# requirements.txt) against the sandbox, over real HTTP on loopback.
#
#   tests/interop/run.sh            build the binary with cargo, then run every check
#   GATEWAY_BIN=path run.sh         use an already built workorder-gateway binary
#
# Needs python3 (>= 3.11, for tomllib) with the venv module. The venv lives in
# tests/interop/.venv (gitignored) and is reused while requirements.txt is unchanged.
# Exits non-zero on any failed check; the last line is `N passed, M failed`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
# shellcheck source=../../tests/lib/python-env.sh
source "$root/tests/lib/python-env.sh"

# --- Python SDKs -----------------------------------------------------------------------------
pinned_venv "$venv" "$here/requirements.txt" "the official SDKs"

# --- sandbox binary --------------------------------------------------------------------------
GATEWAY_BIN="$(gateway_bin "$root")"

# --- start the sandboxes ---------------------------------------------------------------------
work="$(mktemp -d)"
# start_sandbox runs in a command substitution (a subshell), so it records each pid in a file
# for this trap rather than in a variable.
cleanup() {
    local pid
    if [[ -f "$work/pids" ]]; then
        while read -r pid; do
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        done <"$work/pids"
    fi
    rm -rf "$work"
}
trap cleanup EXIT

export NO_COLOR=1
# Loopback only: never let an inherited proxy setting carry sandbox traffic elsewhere.
export NO_PROXY="127.0.0.1,localhost" no_proxy="127.0.0.1,localhost"

free_port() {
    "$venv/bin/python" -c \
        'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
healthy() {
    "$venv/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
        "http://$1/_sandbox/health" 2>/dev/null
}

# start_sandbox NAME ARGS...: starts `workorder-gateway sandbox ARGS` on a free loopback port,
# waits for its health route and prints its host:port. A free port is probed, then bound by the
# sandbox: another process may take it in between, so a sandbox that dies at start is retried.
start_sandbox() {
    local name="$1" attempt candidate pid
    shift
    for attempt in 1 2 3; do
        candidate="127.0.0.1:$(free_port)"
        "$GATEWAY_BIN" sandbox --listen "$candidate" "$@" >"$work/$name.log" 2>&1 &
        pid=$!
        echo "$pid" >>"$work/pids"
        for _ in $(seq 1 150); do
            if healthy "$candidate"; then
                echo "$candidate"
                return 0
            fi
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        echo "interop: $name sandbox on $candidate not healthy (attempt $attempt):" >&2
        tail -n 20 "$work/$name.log" >&2
    done
    return 1
}

# The main sandbox: no engineer (it would turn tickets to wait_feedback behind the checks'
# backs), plus the STS fixture account. A second one with a quick engineer for its own check.
status=0
# The main sandbox also serves an ECS metadata service (its own loopback port) for the instance
# role of sts-accounts.toml, hardened (a token is required).
metadata="127.0.0.1:$(free_port)"
main="$(start_sandbox main --engineer-delay-secs 0 --accounts "$here/sts-accounts.toml" \
    --metadata-role "acs:ram::1700000000000003:role/rrsa" --metadata-listen "$metadata" \
    --metadata-require-token)" \
    || status=1
engineer="$(start_sandbox engineer --engineer-delay-secs 0.3)" || status=1
if [[ $status -ne 0 ]]; then
    echo "0 passed, 1 failed"
    exit 1
fi

# --- checks ----------------------------------------------------------------------------------
"$venv/bin/python" "$here/interop.py" --endpoint "$main" --engineer-endpoint "$engineer" \
    --sts-accounts "$here/sts-accounts.toml" --metadata-endpoint "$metadata" "$@" || status=$?
if [[ $status -ne 0 ]]; then
    for name in main engineer; do
        echo "--- $name sandbox log (tail)" >&2
        tail -n 30 "$work/$name.log" >&2
    done
fi
exit $status
