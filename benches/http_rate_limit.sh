#!/usr/bin/env bash
# What the shared state adds to the rate check on the hot path: `GET /products` from the catalog
# cache with the per-user limit on, its bucket kept in memory vs in Redis (a redis-server on
# loopback: one EVALSHA round trip per request), and the limit off as the reference — three
# gateways measured in the same run with the same load generator, at one connection (the latency
# one request pays) and under load. The limit is set far above the load, so every request is
# checked and none is refused. Loopback only; bounded in time.
#
#   bash benches/http_rate_limit.sh       # 3 interleaved rounds of 5 s per target and load
#   ROUNDS=5 DURATION=10s CONNECTIONS=32 bash benches/http_rate_limit.sh
#
# Needs: wrk and redis-server (Debian packages `wrk`, `redis-server`; installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-5s}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-16}
BASE_PORT=${BASE_PORT:-18090}

# shellcheck source=benches/state_bench_lib.sh
source benches/state_bench_lib.sh

# The highest rate `limits.requests_per_second` accepts: far above this load, so none is refused.
ON=(WOG_LIMITS__REQUESTS_PER_SECOND=100000 WOG_LIMITS__BURST=1000000)
start "$BASE_PORT" WOG_LIMITS__REQUESTS_PER_SECOND=0
start $((BASE_PORT + 1)) "${ON[@]}"
start $((BASE_PORT + 2)) "${ON[@]}" "${REDIS_STATE[@]}"

TOKEN=$("$BIN" token --tenant demo --sub bench --roles tickets:read)
for port in "$BASE_PORT" $((BASE_PORT + 1)) $((BASE_PORT + 2)); do
    wait_ready "$port"
    # Fills the catalog cache: every measured request is a hit.
    curl -fs "http://127.0.0.1:$port/products" -H "Authorization: Bearer $TOKEN" >/dev/null
done
curl -fs "http://127.0.0.1:$((BASE_PORT + 2))/readyz" | grep -q '"backend":"redis","status":"up"'

# run port connections → "rps p50us p99us" of one wrk run
run() {
    local port=$1 connections=$2
    wrk -t1 -c"$connections" -d"$DURATION" --latency -H "Authorization: Bearer $TOKEN" \
        "http://127.0.0.1:$port/products" >"$work/out.txt"
    if grep -q "Non-2xx" "$work/out.txt"; then
        echo "port $port: some answers were not 200 (limited?)" >&2
        exit 1
    fi
    echo "$(awk '/Requests\/sec/ {print $2}' "$work/out.txt")" \
        "$(micros "$(awk '$1 == "50%" {print $2}' "$work/out.txt")")" \
        "$(micros "$(awk '$1 == "99%" {print $2}' "$work/out.txt")")"
}


names=("limit off (reference)" "limit on, memory backend" "limit on, redis backend")
echo "GET /products (cache hit), median of $ROUNDS interleaved runs of $DURATION, $(nproc) cores, redis-server $(redis-server --version | awk '{print $3}')"
for connections in 1 "$CONNECTIONS"; do
    echo "-- $connections connection(s)"
    : >"$work/results.txt"
    for _ in $(seq "$ROUNDS"); do
        for target in 0 1 2; do
            echo "$target $(run $((BASE_PORT + target)) "$connections")" >>"$work/results.txt"
        done
    done
    declare -A p50 p99 rps
    for target in 0 1 2; do
        rps[$target]=$(awk -v t="$target" '$1 == t {print $2}' "$work/results.txt" | median)
        p50[$target]=$(awk -v t="$target" '$1 == t {print $3}' "$work/results.txt" | median)
        p99[$target]=$(awk -v t="$target" '$1 == t {print $4}' "$work/results.txt" | median)
        printf '%-28s %10.0f req/s   p50 %6d us   p99 %6d us\n' "${names[$target]}" \
            "${rps[$target]}" "${p50[$target]}" "${p99[$target]}"
    done
    printf 'redis over memory: p50 %+d us, p99 %+d us, throughput ratio %.2f\n' \
        $((p50[2] - p50[1])) $((p99[2] - p99[1])) "$(awk -v r="${rps[2]}" -v m="${rps[1]}" 'BEGIN { print r / m }')"
done
