#!/usr/bin/env bash
# HTTP benchmark of the hot path (issue 12): `GET /products` served from the catalog cache (JWT
# verified, tenant resolved, rate limit checked but not binding, request logged at its level and
# counted), against two references measured in the same run with the same load generator:
# nginx serving the same bytes as a static file, and a bare actix-web handler serving them
# (examples/bare_actix.rs: the framework's own ceiling). Targets are interleaved round by round and
# the median taken, so the ratios mean something on a noisy machine. Also reports each server's
# CPU time per request (user + system, from /proc, all its processes and threads).
# Loopback only; bounded in time.
#
#   bash benches/http_catalog.sh                  # 3 rounds of 10 s per target, 64 connections
#   ROUNDS=5 DURATION=5s CONNECTIONS=32 bash benches/http_catalog.sh
#   BEFORE_BIN=/tmp/gateway-old bash benches/http_catalog.sh
#       # also measures another build of the gateway (e.g. an earlier commit's release binary),
#       # same configuration, in the same rounds: what a change bought
#
# Prints a table on stdout, progress on stderr. Needs wrk and nginx (Debian `wrk`, `nginx-light`;
# installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
BASE_PORT=${BASE_PORT:-18080}
GATEWAY_PORT=$BASE_PORT
NGINX_PORT=$((BASE_PORT + 1))
ACTIX_PORT=$((BASE_PORT + 2))
BEFORE_PORT=$((BASE_PORT + 3))
BEFORE_BIN=${BEFORE_BIN:-}

if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light >/dev/null
fi
cargo build --release --quiet --locked --bin workorder-gateway --example bare_actix
BIN=target/release/workorder-gateway
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    [[ -f $work/nginx.pid ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# The gateway as `cargo run` starts it (embedded sandbox, demo tenant) with the per-user rate limit
# on at the highest rate it accepts (every request is checked, none refused) and logs at warn
# (shipping access logs is I/O measured by whoever ships them).
# start_gateway BIN PORT: that build, as described above; prints its pid.
start_gateway() {
    local bin=$1 port=$2
    WOG_SERVER__LISTEN=127.0.0.1:$port WOG_LIMITS__REQUESTS_PER_SECOND=100000 \
        WOG_LIMITS__BURST=1000000 WOG_LOG__LEVEL=warn RUST_LOG=warn \
        "$bin" >"$work/gateway-$port.log" 2>&1 &
    local pid=$!
    for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
    if ! curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null; then
        echo "the gateway $bin did not become ready on port $port:" >&2
        cat "$work/gateway-$port.log" >&2
        kill "$pid" 2>/dev/null
        exit 1
    fi
    echo "$pid"
}
gateway_pid=$(start_gateway "$BIN" "$GATEWAY_PORT")
pids+=("$gateway_pid")
TOKEN=$("$BIN" token --tenant demo --sub bench --roles tickets:read)
curl -fs "http://127.0.0.1:$GATEWAY_PORT/products" -H "Authorization: Bearer $TOKEN" >"$work/products.json"
if [[ -n $BEFORE_BIN ]]; then
    before_pid=$(start_gateway "$BEFORE_BIN" "$BEFORE_PORT")
    pids+=("$before_pid")
    curl -fs "http://127.0.0.1:$BEFORE_PORT/products" -H "Authorization: Bearer $TOKEN" >"$work/before.json"
    cmp -s "$work/products.json" "$work/before.json" || {
        echo "the two gateway builds serve different bodies" >&2
        exit 1
    }
fi
mkdir -p "$work/www"
cp "$work/products.json" "$work/www/products"
# nginx's workers run as an unprivileged user: they must be able to read the file (mktemp's
# directory is private; an unreadable file would be answered 403, fast and wrong).
chmod 755 "$work" "$work/www"
chmod 644 "$work/www/products"

cat >"$work/nginx.conf" <<NGINX
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    default_type application/json;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $work/www;
        location / { etag on; }
    }
}
NGINX
nginx -c "$work/nginx.conf"
target/release/examples/bare_actix "127.0.0.1:$ACTIX_PORT" "$work/products.json" "$(nproc)" \
    >"$work/actix.log" 2>&1 &
actix_pid=$!
pids+=("$actix_pid")
for _ in $(seq 50); do
    [[ -f $work/nginx.pid ]] && curl -fs "http://127.0.0.1:$ACTIX_PORT/products" >/dev/null && break
    sleep 0.1
done
nginx_master=$(cat "$work/nginx.pid")

# cpu_ticks PID...: user + system clock ticks of these processes and their children's threads.
cpu_ticks() {
    local total=0 pid
    for pid in "$@"; do
        total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
    done
    echo "$total"
}
# server_pids TARGET: the processes whose CPU counts for that target.
server_pids() {
    case $1 in
    gateway) echo "$gateway_pid" ;;
    before) echo "$before_pid" ;;
    nginx) echo "$nginx_master" $(pgrep -P "$nginx_master") ;;
    actix) echo "$actix_pid" ;;
    esac
}
url() {
    case $1 in
    gateway) echo "http://127.0.0.1:$GATEWAY_PORT/products" ;;
    before) echo "http://127.0.0.1:$BEFORE_PORT/products" ;;
    nginx) echo "http://127.0.0.1:$NGINX_PORT/products" ;;
    actix) echo "http://127.0.0.1:$ACTIX_PORT/products" ;;
    esac
}
# wrk's latency ("403.00us", "3.13ms", "1.02s") in microseconds.
micros() { awk -v v="$1" 'BEGIN {
    n = v + 0; if (v ~ /us$/) f = 1; else if (v ~ /ms$/) f = 1000; else f = 1000000; printf "%.0f", n * f }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# run TARGET → "rps p50us p99us cpu_us_per_request" of one wrk run
run() {
    local target=$1 before after requests
    # shellcheck disable=SC2046
    before=$(cpu_ticks $(server_pids "$target"))
    wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $TOKEN" \
        "$(url "$target")" >"$work/out.txt"
    # shellcheck disable=SC2046
    after=$(cpu_ticks $(server_pids "$target"))
    if grep -q "Non-2xx\|Socket errors" "$work/out.txt"; then
        echo "$target: some answers failed or were not 200:" >&2
        cat "$work/out.txt" >&2
        exit 1
    fi
    requests=$(awk '/requests in/ {print $1}' "$work/out.txt")
    echo "$(awk '/Requests\/sec/ {print $2}' "$work/out.txt")" \
        "$(micros "$(awk '$1 == "50%" {print $2}' "$work/out.txt")")" \
        "$(micros "$(awk '$1 == "99%" {print $2}' "$work/out.txt")")" \
        "$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$requests" \
            'BEGIN { printf "%.2f", t / hz * 1e6 / n }')"
}

targets=(gateway nginx actix)
declare -A label=([gateway]="gateway (cache hit, JWT, limit)" [nginx]="nginx (static file)"
    [actix]="bare actix-web handler" [before]="gateway, BEFORE_BIN build")
if [[ -n $BEFORE_BIN ]]; then
    targets+=(before)
fi
bytes=$(wc -c <"$work/products.json")
echo "GET /products, $bytes bytes, $CONNECTIONS connections, wrk -t2, median of $ROUNDS interleaved runs of $DURATION, $(nproc) cores"
: >"$work/results.txt"
for round in $(seq "$ROUNDS"); do
    for target in "${targets[@]}"; do
        line=$(run "$target")
        echo "round $round $target $line" >&2
        echo "$target $line" >>"$work/results.txt"
    done
done
declare -A rps cpu
for target in "${targets[@]}"; do
    rps[$target]=$(awk -v t="$target" '$1 == t {print $2}' "$work/results.txt" | median)
    p50=$(awk -v t="$target" '$1 == t {print $3}' "$work/results.txt" | median)
    p99=$(awk -v t="$target" '$1 == t {print $4}' "$work/results.txt" | median)
    cpu[$target]=$(awk -v t="$target" '$1 == t {print $5}' "$work/results.txt" | median)
    printf '%-34s %9.0f req/s   p50 %6d us   p99 %6d us   server CPU %6.2f us/req\n' \
        "${label[$target]}" "${rps[$target]}" "$p50" "$p99" "${cpu[$target]}"
done
if [[ -n $BEFORE_BIN ]]; then
    awk -v g="${rps[gateway]}" -v b="${rps[before]}" -v gc="${cpu[gateway]}" -v bc="${cpu[before]}" \
        'BEGIN { printf "this build / BEFORE_BIN build: throughput %.2f, CPU per request %.2f\n", g / b, gc / bc }'
fi
awk -v g="${rps[gateway]}" -v n="${rps[nginx]}" -v a="${rps[actix]}" \
    -v gc="${cpu[gateway]}" -v nc="${cpu[nginx]}" 'BEGIN {
    printf "gateway / nginx throughput %.2f (goal >= 1.0), gateway / bare actix %.2f (goal >= 0.8), gateway CPU per request / nginx %.2f (goal <= 1.2)\n", g / n, g / a, gc / nc }'
