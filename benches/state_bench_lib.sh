# Shared by the benchmarks that compare the memory and Redis state backends over HTTP
# (http_rate_limit.sh, http_ticket_writes.sh); sourced, not run. Expects BASE_PORT. Gives:
# BIN (a release build), $work (removed at exit, with every process started through `spawn`),
# a redis-server on port BASE_PORT+3 and a fingerprint key file, `start PORT ENV…` for a demo
# gateway, `wait_ready PORT`, `micros` (wrk's latency in µs) and `median` (of stdin).

if ! command -v wrk >/dev/null || ! command -v redis-server >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk redis-server >/dev/null
    service redis-server stop >/dev/null 2>&1 || true   # the benchmark starts its own
fi
cargo build --release --quiet --locked --bin workorder-gateway
BIN=target/release/workorder-gateway
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

REDIS_PORT=$((BASE_PORT + 3))
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
    --dir "$work" >"$work/redis.log" 2>&1 &
pids+=($!)
head -c 48 /dev/urandom | base64 >"$work/fingerprint.key"
# The environment that puts a gateway's state in that Redis.
REDIS_STATE=(WOG_STATE__BACKEND=redis WOG_STATE__REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
    WOG_STATE__FINGERPRINT_SECRET_FILE="$work/fingerprint.key")

# start PORT ENV...: the demo gateway (embedded sandbox) on PORT, logging at warn.
start() {
    local port=$1
    shift
    env WOG_SERVER__LISTEN="127.0.0.1:$port" WOG_LOG__LEVEL=warn RUST_LOG=warn "$@" \
        "$BIN" >"$work/gateway-$port.log" 2>&1 &
    pids+=($!)
}

# wait_ready PORT: until /readyz says the state is up (10 s at most).
wait_ready() {
    for _ in $(seq 100); do
        curl -fs "http://127.0.0.1:$1/readyz" | grep -q '"status":"up"' && return
        sleep 0.1
    done
}

# wrk's latency ("403.00us", "3.13ms", "1.02s") in microseconds.
micros() { awk -v v="$1" 'BEGIN {
    n = v + 0; if (v ~ /us$/) f = 1; else if (v ~ /ms$/) f = 1000; else f = 1000000; printf "%.0f", n * f }'; }

# The median of the numbers on stdin.
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
