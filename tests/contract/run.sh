#!/usr/bin/env bash
# Contract check: schemathesis (pinned in requirements.txt) with every check, in all four phases
# (examples, coverage, fuzzing, and the stateful phase that follows the document's links), against
# a real gateway on the embedded sandbox, over HTTP on loopback. Any failure fails the run.
#
#   tests/contract/run.sh              build the binary with cargo, then run
#   GATEWAY_BIN=path run.sh            use an already built workorder-gateway binary
#   MAX_EXAMPLES=N run.sh              examples per operation and phase (default 100)
#   SEED=N run.sh                      replay a run (each run prints its seed)
#
# The gateway runs the demo configuration (config/default.toml) with two limits off: the per-user
# rate limit and the failed-authentication limit. Both are documented answers (429), but with them
# on, thousands of generated requests would spend most of the run testing the limiter. The venv
# lives in tests/contract/.venv (gitignored) and is reused while requirements.txt is unchanged.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
# shellcheck source=../../tests/lib/python-env.sh
source "$root/tests/lib/python-env.sh"

pinned_venv "$venv" "$here/requirements.txt" "schemathesis"

GATEWAY_BIN="$(gateway_bin "$root")"

work="$(mktemp -d)"
gateway_pid=""
cleanup() {
    if [[ -n "$gateway_pid" ]]; then
        kill "$gateway_pid" 2>/dev/null || true
        wait "$gateway_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
export NO_COLOR=1 NO_PROXY="127.0.0.1,localhost" no_proxy="127.0.0.1,localhost"

free_port() {
    "$venv/bin/python" -c \
        'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
ready() {
    "$venv/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
        "http://$1/readyz" 2>/dev/null
}

# A free port is probed, then bound by the gateway; another process may take it in between, so
# a gateway that dies at start is retried.
address=""
cd "$root"
for attempt in 1 2 3; do
    candidate="127.0.0.1:$(free_port)"
    WOG_SERVER__LISTEN="$candidate" WOG_LOG__LEVEL=warn \
        WOG_LIMITS__REQUESTS_PER_SECOND=0 WOG_LIMITS__FAILED_AUTH_PER_MINUTE=0 \
        WOG_SANDBOX__ENGINEER_DELAY_SECS=2 \
        "$GATEWAY_BIN" --config config/default.toml serve >"$work/gateway.log" 2>&1 &
    gateway_pid=$!
    for _ in $(seq 1 150); do
        if ready "$candidate"; then
            address="$candidate"
            break 2
        fi
        kill -0 "$gateway_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "contract: gateway on $candidate not ready (attempt $attempt):" >&2
    tail -n 20 "$work/gateway.log" >&2
    kill "$gateway_pid" 2>/dev/null || true
    gateway_pid=""
done
[[ -n "$address" ]] || exit 1

seed_args=()
[[ -n "${SEED:-}" ]] && seed_args=(--seed "$SEED")

# Two runs: the demo tenant (Workorder API 2020-03-26, where the 2021-06-10 operations answer
# 422 api_version_unsupported) and demo2021 (2021-06-10, where they work). Same checks in both.
status=0
for tenant in demo demo2021; do
    echo "contract: tenant $tenant"
    token="$("$GATEWAY_BIN" --config config/default.toml token --tenant "$tenant" \
        --sub contract-check --roles tickets:read,tickets:write --ttl 2h)"
    PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=hooks \
        "$venv/bin/st" --config-file "$here/schemathesis.toml" run "http://$address/openapi.json" \
        --checks all \
        --phases examples,coverage,fuzzing,stateful \
        --max-examples "${MAX_EXAMPLES:-100}" \
        --header "Authorization: Bearer $token" \
        --request-timeout 20 \
        --warnings off \
        "${seed_args[@]}" || status=$?
done
if [[ $status -ne 0 ]]; then
    echo "--- gateway log (tail)" >&2
    tail -n 40 "$work/gateway.log" >&2
fi
exit $status
