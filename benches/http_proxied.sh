#!/usr/bin/env bash
# What the gateway adds to an uncached proxied call (issue 12's goal: at most 0.1 ms at p50 and
# 0.5 ms at p99): `GET /tickets?pageSize=20` and `GET /tickets/{id}` through the release gateway,
# each against the same signed `ListTickets` call made straight to the gateway's embedded sandbox,
# from one sequential keep-alive client, alternating call by call (examples/proxied_overhead.rs
# says how). The reference is measured in the same run, against the same sandbox process.
# So is the floor any proxy pays: the same direct calls passed through a bare actix-web proxy
# that does no work at all (examples/bare_proxy.rs), in the same rotation.
# Loopback only; bounded in time.
#
#   bash benches/http_proxied.sh                  # 600 calls of each kind
#   CALLS=2000 bash benches/http_proxied.sh
#   CALLS=5000 PERF_REPORT=/tmp/proxied.txt bash benches/http_proxied.sh
#       # also profiles the gateway process (perf record, DWARF call graphs): the top 60 symbols
#       # by own time go to that file, the recording to /tmp/proxied.txt.data for perf report
#   BIN=target/profiling/workorder-gateway PERF_CALL_GRAPH=fp ... # a build with frame pointers
#       # (`RUSTFLAGS="-C force-frame-pointers=yes" cargo build --profile profiling`)
#   BEFORE_BIN=/tmp/gw-before bash benches/http_proxied.sh   # another build (an earlier
#       # commit's release binary) too: ROUNDS (3) whole runs of each, alternating, each with a
#       # fresh gateway, sandbox and bare proxy
#
# Prints a table on stdout, progress on stderr; exits non-zero when anything answers other than
# 200 or the gateway makes more than one upstream call per request.
set -euo pipefail
cd "$(dirname "$0")/.."

CALLS=${CALLS:-600}
PORT=${PORT:-18090}
PROXY_PORT=${PROXY_PORT:-18094}
PERF_REPORT=${PERF_REPORT:-}
BEFORE_BIN=${BEFORE_BIN:-}
ROUNDS=${ROUNDS:-3}

echo "building (release) ..." >&2
cargo build --release --quiet --locked --bin workorder-gateway --example proxied_overhead \
    --example bare_proxy
BIN=${BIN:-target/release/workorder-gateway}
CLIENT=target/release/examples/proxied_overhead
work=$(mktemp -d)
pids=()
stop_all() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    pids=()
}
trap 'stop_all; rm -rf "$work"' EXIT

# wait_for URL WHAT LOG: up to 10 s for URL to answer 2xx; otherwise WHAT's LOG and exit.
wait_for() {
    for _ in $(seq 100); do curl -fs "$1" >/dev/null && return; sleep 0.1; done
    echo "$2 did not answer $1 within 10 s:" >&2
    cat "$3" >&2
    exit 1
}

# One whole run against the gateway binary $1: the gateway, the bare proxy in front of its
# sandbox, the client; then all stopped.
measure() {
    local bin=$1
    # The gateway as `cargo run` starts it (demo configuration, embedded sandbox), with the
    # per-user rate limit on but far above the load (every request is checked, none refused),
    # logs at warn, and the sandbox's simulated engineer off (it would answer the seeded tickets
    # mid-run).
    WOG_SERVER__LISTEN=127.0.0.1:$PORT WOG_LIMITS__REQUESTS_PER_SECOND=100000 \
        WOG_LIMITS__BURST=1000000 WOG_LOG__LEVEL=warn RUST_LOG=warn \
        WOG_SANDBOX__ENGINEER_DELAY_SECS=0 \
        "$bin" >"$work/gateway.log" 2>&1 &
    local gateway_pid=$!
    pids+=("$gateway_pid")
    wait_for "http://127.0.0.1:$PORT/readyz" "the gateway" "$work/gateway.log"

    # The embedded sandbox listens on a free loopback port the gateway announces only at info
    # level: find it among the gateway process's listening sockets, by its health route.
    local sandbox= port
    for port in $(ss -Hltnp | grep "pid=$gateway_pid," | awk '{ n = split($4, a, ":"); print a[n] }'); do
        [[ $port == "$PORT" ]] && continue
        if curl -fs "http://127.0.0.1:$port/_sandbox/health" >/dev/null; then
            sandbox=http://127.0.0.1:$port
            break
        fi
    done
    if [[ -z $sandbox ]]; then
        echo "no listening socket of the gateway (pid $gateway_pid) answers /_sandbox/health" >&2
        exit 1
    fi
    echo "gateway $bin on http://127.0.0.1:$PORT, embedded sandbox $sandbox" >&2

    target/release/examples/bare_proxy "127.0.0.1:$PROXY_PORT" "$sandbox" >"$work/bare_proxy.log" 2>&1 &
    pids+=("$!")
    wait_for "http://127.0.0.1:$PROXY_PORT/_sandbox/health" "the bare proxy" "$work/bare_proxy.log"

    # Given to the client alone: the next gateway started would refuse an unknown `WOG_` variable.
    local token
    token=$("$bin" token --tenant demo --sub bench --roles tickets:read)

    local perf_pid=
    if [[ -n $PERF_REPORT ]]; then
        perf record --call-graph "${PERF_CALL_GRAPH:-dwarf}" -F 499 -p "$gateway_pid" -o "$PERF_REPORT.data" \
            2>"$work/perf.log" &
        perf_pid=$!
        pids+=("$perf_pid")
        sleep 0.5
    fi

    local load_before
    load_before=$(cut -d' ' -f1-3 /proc/loadavg)
    WOG_BENCH_TOKEN=$token "$CLIENT" "http://127.0.0.1:$PORT" "$sandbox" "$CALLS" "http://127.0.0.1:$PROXY_PORT"
    echo "load average before / after: $load_before / $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"

    if [[ -n $perf_pid ]]; then
        kill -INT "$perf_pid"
        wait "$perf_pid" 2>/dev/null || true
        perf report -i "$PERF_REPORT.data" --no-children --stdio -g none --percent-limit 0.3 2>/dev/null \
            | grep -v -e "^#" -e "^$" | head -60 >"$PERF_REPORT"
        echo "perf report of the gateway in $PERF_REPORT, its recording in $PERF_REPORT.data" >&2
    fi
    stop_all
}

if [[ -z $BEFORE_BIN ]]; then
    measure "$BIN"
    exit 0
fi
if [[ -n $PERF_REPORT ]]; then
    echo "PERF_REPORT profiles one build: leave BEFORE_BIN unset" >&2
    exit 2
fi
for round in $(seq "$ROUNDS"); do
    # Which build goes first swaps every round.
    if ((round % 2)); then order=("$BEFORE_BIN" "$BIN"); else order=("$BIN" "$BEFORE_BIN"); fi
    for bin in "${order[@]}"; do
        if [[ $bin == "$BEFORE_BIN" ]]; then label="BEFORE_BIN build"; else label="this build"; fi
        echo "== round $round: $label ($bin)"
        measure "$bin"
    done
done
