#!/usr/bin/env bash
# What the shared state adds to `POST /tickets`: a create with an `Idempotency-Key` (claim the
# key, record the send, record the outcome, claim the ticket, record its owner) with the state
# in memory vs in Redis (a redis-server on loopback), and a create without a key on the memory
# backend as the reference — three gateways, each with its embedded sandbox as the upstream,
# measured in the same run with the same load generator, at one connection (what one request
# pays) and under load. Every request carries a fresh key, so every one is a real create.
# Loopback only; bounded in time.
#
#   bash benches/http_ticket_writes.sh       # 3 interleaved rounds of 5 s per target and load
#   ROUNDS=5 DURATION=10s CONNECTIONS=8 bash benches/http_ticket_writes.sh
#
# Needs: wrk and redis-server (Debian packages `wrk`, `redis-server`; installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-5s}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-8}
BASE_PORT=${BASE_PORT:-18190}

# shellcheck source=benches/state_bench_lib.sh
source benches/state_bench_lib.sh

# Limits off and the simulated engineer off: only the create is measured.
PLAIN=(WOG_LIMITS__REQUESTS_PER_SECOND=0 WOG_SANDBOX__ENGINEER_DELAY_SECS=0)
start "$BASE_PORT" "${PLAIN[@]}"
start $((BASE_PORT + 1)) "${PLAIN[@]}"
start $((BASE_PORT + 2)) "${PLAIN[@]}" "${REDIS_STATE[@]}"

TOKEN=$("$BIN" token --tenant demo --sub bench --roles tickets:read,tickets:write)
BODY='{"productCode":"ecs","categoryId":793,"content":"benchmark ticket"}'
for port in "$BASE_PORT" $((BASE_PORT + 1)) $((BASE_PORT + 2)); do
    wait_ready "$port"
    # Fills the catalog cache, so every measured create checks its category from the cache.
    curl -fs -X POST "http://127.0.0.1:$port/tickets" -H "Authorization: Bearer $TOKEN" \
        -H 'Content-Type: application/json' -d "$BODY" >/dev/null
done
curl -fs "http://127.0.0.1:$((BASE_PORT + 2))/readyz" | grep -q '"backend":"redis","status":"up"'

# One wrk script: a POST /tickets with (KEYED=1) or without a fresh Idempotency-Key each time.
cat >"$work/post.lua" <<'LUA'
local token = os.getenv("TOKEN")
local keyed = os.getenv("KEYED") == "1"
local prefix = os.getenv("PREFIX")
local body = os.getenv("BODY")
local n = 0
request = function()
  n = n + 1
  local headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
  if keyed then headers["Idempotency-Key"] = prefix .. "-" .. n end
  return wrk.format("POST", "/tickets", headers, body)
end
LUA

# run port connections keyed round → "rps p50us p99us"
run() {
    local port=$1 connections=$2 keyed=$3 round=$4
    TOKEN=$TOKEN KEYED=$keyed PREFIX="r$round-c$connections-p$port" BODY=$BODY \
        wrk -t1 -c"$connections" -d"$DURATION" --latency -s "$work/post.lua" \
        "http://127.0.0.1:$port" >"$work/out.txt"
    if grep -q "Non-2xx" "$work/out.txt"; then
        echo "port $port: some answers were not 201" >&2
        cat "$work/out.txt" >&2
        exit 1
    fi
    echo "$(awk '/Requests\/sec/ {print $2}' "$work/out.txt")" \
        "$(micros "$(awk '$1 == "50%" {print $2}' "$work/out.txt")")" \
        "$(micros "$(awk '$1 == "99%" {print $2}' "$work/out.txt")")"
}


names=("no key, memory (reference)" "key, memory backend" "key, redis backend")
keyed=(0 1 1)
echo "POST /tickets (embedded sandbox upstream), median of $ROUNDS interleaved runs of $DURATION, $(nproc) cores, redis-server $(redis-server --version | awk '{print $3}')"
for connections in 1 "$CONNECTIONS"; do
    echo "-- $connections connection(s)"
    : >"$work/results.txt"
    for round in $(seq "$ROUNDS"); do
        for target in 0 1 2; do
            echo "$target $(run $((BASE_PORT + target)) "$connections" "${keyed[$target]}" "$round")" >>"$work/results.txt"
        done
    done
    declare -A p50 p99 rps
    for target in 0 1 2; do
        rps[$target]=$(awk -v t="$target" '$1 == t {print $2}' "$work/results.txt" | median)
        p50[$target]=$(awk -v t="$target" '$1 == t {print $3}' "$work/results.txt" | median)
        p99[$target]=$(awk -v t="$target" '$1 == t {print $4}' "$work/results.txt" | median)
        printf '%-28s %8.0f req/s   p50 %6d us   p99 %6d us\n' "${names[$target]}" \
            "${rps[$target]}" "${p50[$target]}" "${p99[$target]}"
    done
    printf 'redis over memory (keyed): p50 %+d us, p99 %+d us, throughput ratio %.2f\n' \
        $((p50[2] - p50[1])) $((p99[2] - p99[1])) "$(awk -v r="${rps[2]}" -v m="${rps[1]}" 'BEGIN { print r / m }')"
done
