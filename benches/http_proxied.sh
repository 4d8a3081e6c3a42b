#!/usr/bin/env bash
# What the gateway adds to an uncached proxied call (issue 12's goal: at most 0.1 ms at p50 and
# 0.5 ms at p99): `GET /tickets?pageSize=20` and `GET /tickets/{id}` through the release gateway,
# each against the same signed `ListTickets` call made straight to the gateway's embedded sandbox,
# from one sequential keep-alive client, alternating call by call (examples/proxied_overhead.rs
# says how). The reference is measured in the same run, against the same sandbox process.
# Loopback only; bounded in time.
#
#   bash benches/http_proxied.sh                  # 600 calls of each kind
#   CALLS=2000 bash benches/http_proxied.sh
#   CALLS=5000 PERF_REPORT=/tmp/proxied.txt bash benches/http_proxied.sh
#       # also profiles the gateway process (perf record, DWARF call graphs): the top 60 symbols
#       # by own time go to that file, the recording to /tmp/proxied.txt.data for perf report
#   BIN=target/profiling/workorder-gateway PERF_CALL_GRAPH=fp ... # a build with frame pointers
#       # (`RUSTFLAGS="-C force-frame-pointers=yes" cargo build --profile profiling`)
#
# Prints a table on stdout, progress on stderr; exits non-zero when anything answers other than
# 200 or the gateway makes more than one upstream call per request.
set -euo pipefail
cd "$(dirname "$0")/.."

CALLS=${CALLS:-600}
PORT=${PORT:-18090}
PERF_REPORT=${PERF_REPORT:-}

echo "building (release) ..." >&2
cargo build --release --quiet --locked --bin workorder-gateway --example proxied_overhead
BIN=${BIN:-target/release/workorder-gateway}
CLIENT=target/release/examples/proxied_overhead
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# The gateway as `cargo run` starts it (demo configuration, embedded sandbox), with the per-user
# rate limit on but far above the load (every request is checked, none refused), logs at warn,
# and the sandbox's simulated engineer off (it would answer the seeded tickets mid-run).
WOG_SERVER__LISTEN=127.0.0.1:$PORT WOG_LIMITS__REQUESTS_PER_SECOND=100000 \
    WOG_LIMITS__BURST=1000000 WOG_LOG__LEVEL=warn RUST_LOG=warn \
    WOG_SANDBOX__ENGINEER_DELAY_SECS=0 \
    "$BIN" >"$work/gateway.log" 2>&1 &
gateway_pid=$!
pids+=("$gateway_pid")
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
if ! curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null; then
    echo "the gateway did not become ready on port $PORT:" >&2
    cat "$work/gateway.log" >&2
    exit 1
fi

# The embedded sandbox listens on a free loopback port the gateway announces only at info
# level: find it among the gateway process's listening sockets, by its health route.
sandbox=
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
echo "gateway http://127.0.0.1:$PORT, embedded sandbox $sandbox" >&2

WOG_BENCH_TOKEN=$("$BIN" token --tenant demo --sub bench --roles tickets:read)
export WOG_BENCH_TOKEN

if [[ -n $PERF_REPORT ]]; then
    perf record --call-graph "${PERF_CALL_GRAPH:-dwarf}" -F 499 -p "$gateway_pid" -o "$PERF_REPORT.data" \
        2>"$work/perf.log" &
    perf_pid=$!
    pids+=("$perf_pid")
    sleep 0.5
fi

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
"$CLIENT" "http://127.0.0.1:$PORT" "$sandbox" "$CALLS"
echo "load average before / after: $load_before / $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"

if [[ -n $PERF_REPORT ]]; then
    kill -INT "$perf_pid"
    wait "$perf_pid" 2>/dev/null || true
    perf report -i "$PERF_REPORT.data" --no-children --stdio -g none --percent-limit 0.3 2>/dev/null \
        | grep -v -e "^#" -e "^$" | head -60 >"$PERF_REPORT"
    echo "perf report of the gateway in $PERF_REPORT, its recording in $PERF_REPORT.data" >&2
fi
