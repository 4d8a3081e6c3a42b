#!/usr/bin/env bash
# Start-up and memory of the release binary (issue 12's targets: ready within 100 ms of exec,
# RSS ≤ 30 MB idle, ≤ 150 MB holding 10 000 idle keep-alive connections). A benchmark, not a test:
# it prints what it measured and the target beside it, and fails nothing.
#
#   bash benches/memory_startup.sh               5 start-ups, then 10 000 connections
#   CONNECTIONS=20000 bash benches/memory_startup.sh
#
# The gateway runs the demo configuration (embedded sandbox) on a loopback port. "Ready" is the
# first 200 from /readyz, polled every millisecond from a Python client started before the exec,
# so the time includes reading the configuration and binding, not Python's own start. Connections
# are opened by one Python process (asyncio), each sends one keep-alive `GET /healthz` and then
# stays idle; RSS is read from /proc/<pid>/status (VmRSS) after they are all answered.
set -euo pipefail
cd "$(dirname "$0")/.."
CONNECTIONS=${CONNECTIONS:-10000}
STARTS=${STARTS:-5}

cargo build --release --locked --quiet --bin workorder-gateway
BIN=$PWD/target/release/workorder-gateway
# Both ends of every connection live on this machine: the client's sockets here, the server's
# in the gateway; each process needs CONNECTIONS descriptors and some spare.
ulimit -n "$((CONNECTIONS + 1024))" 2>/dev/null || {
    echo "cannot raise the open-file limit to $((CONNECTIONS + 1024)) (hard limit $(ulimit -Hn))" >&2
    exit 1
}

python3 - "$BIN" "$CONNECTIONS" "$STARTS" <<'PY'
import asyncio, os, socket, subprocess, sys, time, urllib.request

binary, connections, starts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port

def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")

def start():
    port = free_port()
    env = dict(os.environ, WOG_SERVER__LISTEN=f"127.0.0.1:{port}", WOG_LOG__LEVEL="warn",
               NO_PROXY="127.0.0.1")
    url = f"http://127.0.0.1:{port}/readyz"
    began = time.perf_counter()
    process = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            with urllib.request.urlopen(url, timeout=0.05) as answer:
                if answer.status == 200:
                    return process, port, (time.perf_counter() - began) * 1000
        except OSError:
            pass
        if process.poll() is not None:
            sys.exit(f"the gateway exited with {process.returncode}")
        time.sleep(0.001)

times = []
for _ in range(starts):
    process, _, ms = start()
    times.append(ms)
    process.terminate(); process.wait()
times.sort()
print(f"ready after exec: median {times[len(times) // 2]:.1f} ms, worst {times[-1]:.1f} ms "
      f"over {starts} starts (target: within 100 ms)")

process, port, _ = start()
time.sleep(1.0)
idle = rss_mb(process.pid)
print(f"RSS idle: {idle:.1f} MB (target: at most 30 MB)")

async def hold(n):
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n"
    writers, failed = [], 0
    async def one():
        nonlocal failed
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            if b" 200 " not in head.split(b"\r\n", 1)[0]:
                failed += 1
            writers.append(writer)
        except OSError:
            failed += 1
    for batch in range(0, n, 500):
        await asyncio.gather(*(one() for _ in range(min(500, n - batch))))
    await asyncio.sleep(1.0)
    held = rss_mb(process.pid)
    print(f"RSS with {len(writers)} idle keep-alive connections ({failed} failed): {held:.1f} MB "
          f"(target: at most 150 MB with 10 000)")
    for writer in writers:
        writer.close()

asyncio.run(hold(connections))
process.terminate(); process.wait()
PY
