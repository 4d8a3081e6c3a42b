#!/usr/bin/env bash
# HTTP benchmark of the hot path: `GET /products` served from the catalog cache (JWT verified,
# tenant resolved, pre-serialized bytes), against nginx serving the same JSON bytes as a static
# file, both measured in the same run with the same load generator, so the ratio means something
# on a noisy machine. Loopback only; bounded in time.
#
#   bash benches/http_catalog.sh            # 10 s per target
#   DURATION=30s CONNECTIONS=64 bash benches/http_catalog.sh
#
# Needs: wrk and nginx (Debian packages `wrk`, `nginx-light`; installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
GATEWAY_PORT=${GATEWAY_PORT:-18080}
NGINX_PORT=${NGINX_PORT:-18081}

if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light >/dev/null
fi
cargo build --release --quiet --bin workorder-gateway
BIN=target/release/workorder-gateway
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    [[ -f $work/nginx.pid ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# The gateway as `cargo run` starts it (embedded sandbox, demo tenant), minus the per-user rate
# limit (one benchmark user would hit it) and with access logs at warn (logging is I/O-bound and
# measured separately by whoever ships the logs).
WOG_SERVER__LISTEN=127.0.0.1:$GATEWAY_PORT WOG_LIMITS__REQUESTS_PER_SECOND=0 WOG_LOG__LEVEL=warn \
    RUST_LOG=warn "$BIN" >"$work/gateway.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$GATEWAY_PORT/readyz" >/dev/null && break; sleep 0.1; done
TOKEN=$("$BIN" token --tenant demo --sub bench --roles tickets:read)
curl -fs "http://127.0.0.1:$GATEWAY_PORT/products" -H "Authorization: Bearer $TOKEN" >"$work/products.json"
mkdir -p "$work/www"
cp "$work/products.json" "$work/www/products"

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
sleep 0.3

run() {
    local name=$1 url=$2
    shift 2
    wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$url" >"$work/$name.txt"
    local rps p50 p99
    rps=$(awk '/Requests\/sec/ {print $2}' "$work/$name.txt")
    p50=$(awk '$1 == "50%" {print $2}' "$work/$name.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$work/$name.txt")
    printf '%-28s %12s req/s   p50 %-8s p99 %s\n' "$name" "$rps" "$p50" "$p99" >&2
    echo "$rps"
}

bytes=$(wc -c <"$work/products.json")
echo "GET /products, $bytes bytes, $CONNECTIONS connections, $DURATION each, $(nproc) cores" >&2
gateway=$(run "gateway (cache hit)" "http://127.0.0.1:$GATEWAY_PORT/products" -H "Authorization: Bearer $TOKEN")
reference=$(run "nginx (static file)" "http://127.0.0.1:$NGINX_PORT/products")
awk -v g="$gateway" -v n="$reference" 'BEGIN { printf "gateway / nginx throughput ratio: %.2f\n", g / n }'
grep -q '"x-cache"' /dev/null || true
