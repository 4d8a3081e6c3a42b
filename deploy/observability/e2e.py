"""End-to-end proof of deploy/observability against a real Prometheus and a real gateway.

Run by e2e.sh (which builds the binary and the pinned venv). Starts, on free loopback ports:
a standalone sandbox (tenant `demo`'s upstream, whose faults the run switches on), the gateway
(tenant `acme` on its embedded sandbox) and Prometheus scraping the gateway every second with
rules.yml loaded unchanged. Then:

1. healthy traffic for HEALTHY_SECS: catalog reads (hits and misses), ticket reads and keyed
   writes (replays, and reconciliations after answers the sandbox loses on purpose), a user
   over its rate limit, bad tokens, unknown paths;
2. every panel query of dashboard.json (template variables substituted) asked over the healthy
   range: each must return at least one series with a finite value; the variables' own
   label_values queries must list something;
3. faults: demo's sandbox answers every call 503, and acme's AccessKey secret is replaced by a
   wrong one (a reload by SIGHUP, as a bad rotation would be); traffic goes on until Prometheus
   reports WogUpstreamUnavailable{tenant="demo"} and WogTenantCredentialsRejected{tenant="acme"}
   pending or firing (the real rules with their real `for:`: pending starts as soon as the
   expression holds, so no override is needed), or FAULT_TIMEOUT_SECS pass (a failure);
4. every panel queried over the whole run and plotted, one PNG per panel, the faulty stretch
   shaded.

Exits non-zero on any failed check; prints one line per check and `N passed, M failed`.
"""

import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
HEALTHY_SECS = int(os.environ.get("E2E_HEALTHY_SECS", "45"))
FAULT_TIMEOUT_SECS = int(os.environ.get("E2E_FAULT_TIMEOUT_SECS", "90"))
# After both alerts are pending, faulty traffic goes on this long so the plots show it.
FAULT_TAIL_SECS = int(os.environ.get("E2E_FAULT_TAIL_SECS", "20"))
JOB = "workorder-gateway"
# The dashboard's template variables, as Grafana would expand them with "All" selected. With
# 1 s scrapes, 15 s holds enough samples for rate().
VARIABLES = {"job": JOB, "tenant": ".*", "__rate_interval": "15s"}
DEMO_SECRET = "workorder-gateway-demo-secret-not-for-production"

results = {"passed": 0, "failed": 0}


def check(ok, what):
    results["passed" if ok else "failed"] += 1
    print(("ok    " if ok else "FAIL  ") + what, flush=True)
    return ok


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, token=None, body=None, headers=None, timeout=15):
    """(status, parsed JSON or None); never raises on an HTTP status."""
    data = None
    hdrs = dict(headers or {})
    if token:
        hdrs["Authorization"] = f"Bearer {token}"
    if body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            status = resp.status
    except urllib.error.HTTPError as err:
        raw = err.read()
        status = err.code
    except (urllib.error.URLError, OSError):
        return 0, None
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, None


def wait_for(url, what, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, _ = http("GET", url, timeout=2)
        if status == 200:
            return
        time.sleep(0.2)
    raise SystemExit(f"{what} did not answer at {url} within {timeout} s")


def gateway_config(listen, sandbox_url, acme_secret):
    # acme is on the embedded sandbox (demo account); demo on the standalone one, whose faults
    # this run controls. The catalog TTL is short so misses keep happening next to hits; the
    # per-user limit is far above the steady traffic and below the burst user's.
    return f"""
[server]
listen = "{listen}"
[auth]
hs256_secret = "{DEMO_SECRET}"
[sandbox]
enabled = true
engineer_delay_secs = 0
[catalog]
ttl_secs = 5
[limits]
requests_per_second = 20
burst = 20
failed_auth_per_minute = 0
[upstream]
retry_base_delay_ms = 20
retry_max_delay_ms = 50
[log]
level = "warn"
format = "json"
[tenants.demo]
endpoint = "{sandbox_url}"
simulator = true
access_key_id = "LTAIsandboxDEMO"
access_key_secret = "sandbox-demo-secret"
default_email = "demo@example.com"
language = "en"
[tenants.acme]
endpoint = "sandbox"
access_key_id = "LTAIsandboxDEMO"
access_key_secret = "{acme_secret}"
default_email = "demo@example.com"
language = "en"
"""


def panel_queries(dashboard):
    """(panel title, [(legend, expr)]) for every panel with targets, variables substituted."""
    out = []

    def walk(panels):
        for panel in panels:
            walk(panel.get("panels", []))
            targets = panel.get("targets", [])
            if not targets:
                continue
            exprs = []
            for target in targets:
                expr = target["expr"]
                for name, value in VARIABLES.items():
                    expr = expr.replace("${" + name + "}", value).replace("$" + name, value)
                assert "$" not in expr, f"unsubstituted variable in {expr}"
                exprs.append((target.get("legendFormat", ""), expr))
            out.append((panel["title"], exprs))

    walk(dashboard["panels"])
    return out


class Prometheus:
    def __init__(self, url):
        self.url = url

    def api(self, path, **params):
        query = urllib.parse.urlencode(params)
        status, body = http("GET", f"{self.url}/api/v1/{path}?{query}", timeout=30)
        if status != 200 or not body or body.get("status") != "success":
            raise RuntimeError(f"Prometheus {path} {params}: {status} {body}")
        return body["data"]

    def range(self, expr, start, end, step=1):
        return self.api("query_range", query=expr, start=start, end=end, step=step)["result"]

    def alerts(self):
        return self.api("alerts")["alerts"]


def finite(series):
    return any(math.isfinite(float(v)) for s in series for _, v in s["values"])


class Traffic:
    """Background clients: each loop runs until stopped, sleeping a little between requests."""

    def __init__(self, base, tokens):
        self.base = base
        self.tokens = tokens
        self.stop = threading.Event()
        self.threads = []
        self.counter = 0
        self.lock = threading.Lock()

    def key(self):
        with self.lock:
            self.counter += 1
            return f"e2e-{os.getpid()}-{self.counter}"

    def loop(self, fn, pause):
        def run():
            while not self.stop.is_set():
                fn()
                self.stop.wait(pause)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self.threads.append(thread)

    def start(self):
        b, t = self.base, self.tokens
        for tenant in ("demo", "acme"):
            tok = t[tenant]
            self.loop(lambda tok=tok: http("GET", f"{b}/products", tok), 0.1)
            self.loop(lambda tok=tok: http("GET", f"{b}/products/ecs/categories", tok), 0.3)
            self.loop(lambda tok=tok: http("GET", f"{b}/tickets", tok), 0.3)
            self.loop(lambda tok=tok: self.keyed_write(tok), 0.7)
        # A user far over its limit: most of its requests are refused 429.
        self.loop(lambda: http("GET", f"{b}/products", t["burst"]), 0.01)
        self.loop(lambda: http("GET", f"{b}/tickets", "not-a-token"), 1.0)
        self.loop(lambda: http("GET", f"{b}/no/such/path", t["demo"]), 1.0)

    def keyed_write(self, token):
        key = self.key()
        body = {"productCode": "ecs", "categoryId": 793, "content": "e2e observability"}
        headers = {"Idempotency-Key": key}
        status, created = http("POST", f"{self.base}/tickets", token, body, headers)
        # The same request again: answered from its record (a replay), never sent twice.
        http("POST", f"{self.base}/tickets", token, body, headers)
        if status == 201 and created:
            http("GET", f"{self.base}/tickets/{created['id']}", token)

    def halt(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=20)


def plot(title, series_by_legend, start, fault_at, end, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.6), dpi=80)
    for legend, points in series_by_legend:
        xs = [t - start for t, _ in points]
        ys = [v for _, v in points]
        ax.plot(xs, ys, label=legend, linewidth=1.2)
    ax.axvspan(fault_at - start, end - start, color="tab:red", alpha=0.08, label="faults on")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("seconds since the run started")
    ax.grid(alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if len(labels) > 12:
        handles, labels = handles[:12], labels[:12]
    ax.legend(handles, labels, fontsize=6, loc="upper left", ncol=2, framealpha=0.6)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def legend_of(fmt, metric):
    text = re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: metric.get(m.group(1), ""), fmt)
    return text.strip() or json.dumps(metric)


def slug(title):
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60]


def main():
    binary, screens = sys.argv[1], sys.argv[2]
    os.makedirs(screens, exist_ok=True)
    work = tempfile.mkdtemp(prefix="wog-obs-e2e-")
    procs = []

    def spawn(name, argv, env=None):
        log = open(os.path.join(work, f"{name}.log"), "wb")
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env)
        procs.append(proc)
        return proc

    try:
        # The PrometheusRule must carry exactly the rules of rules.yml (as YAML, not only text).
        with open(os.path.join(HERE, "rules.yml")) as f:
            rules = yaml.safe_load(f)
        with open(os.path.join(HERE, "prometheusrule.yaml")) as f:
            operator = yaml.safe_load(f)
        check(operator["spec"] == rules, "prometheusrule.yaml's spec equals rules.yml")

        sandbox_port, gateway_port, prom_port = free_port(), free_port(), free_port()
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        spawn("sandbox", [binary, "sandbox", "--listen", f"127.0.0.1:{sandbox_port}",
                          "--engineer-delay-secs", "0"])
        wait_for(f"{sandbox_url}/_sandbox/health", "the sandbox")

        config = os.path.join(work, "gateway.toml")
        listen = f"127.0.0.1:{gateway_port}"
        with open(config, "w") as f:
            f.write(gateway_config(listen, sandbox_url, "sandbox-demo-secret"))
        env = dict(os.environ, WOG_SERVER__LISTEN=listen)
        env.pop("RUST_LOG", None)
        gateway = spawn("gateway", [binary, "serve", "--config", config], env)
        base = f"http://{listen}"
        wait_for(f"{base}/readyz", "the gateway")

        prom_dir = os.path.join(work, "prometheus")
        os.makedirs(prom_dir)
        prom_config = os.path.join(prom_dir, "prometheus.yml")
        with open(prom_config, "w") as f:
            yaml.safe_dump({
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "rule_files": [os.path.join(HERE, "rules.yml")],
                "scrape_configs": [{"job_name": JOB, "static_configs": [{"targets": [listen]}]}],
            }, f)
        prom_url = f"http://127.0.0.1:{prom_port}"
        spawn("prometheus", ["prometheus", f"--config.file={prom_config}",
                             f"--storage.tsdb.path={prom_dir}/data",
                             f"--web.listen-address=127.0.0.1:{prom_port}"])
        wait_for(f"{prom_url}/-/ready", "Prometheus")
        prom = Prometheus(prom_url)

        def token(tenant, sub):
            return subprocess.check_output(
                [binary, "token", "--config", config, "--tenant", tenant, "--sub", sub,
                 "--roles", "tickets:read,tickets:write"], text=True).strip()

        tokens = {"demo": token("demo", "alice"), "acme": token("acme", "bob"),
                  "burst": token("demo", "carol")}
        start = time.time()
        traffic = Traffic(base, tokens)
        traffic.start()
        # Part of the healthy stretch, some CreateTicket answers are lost after the ticket was
        # made: the keyed writes reconcile (found) instead of creating a duplicate.
        time.sleep(HEALTHY_SECS / 3)
        http("PUT", f"{sandbox_url}/_sandbox/faults",
             body={"lost_error_rate": 0.5, "actions": ["CreateTicket"]})
        time.sleep(HEALTHY_SECS / 3)
        http("PUT", f"{sandbox_url}/_sandbox/faults", body={})
        time.sleep(HEALTHY_SECS / 3)
        healthy_end = time.time()

        # Silent on a healthy run: no alert pending or firing (lost answers were reconciled,
        # refusals are 4xx, nothing else failed).
        active = sorted({(a["labels"]["alertname"], a["state"]) for a in prom.alerts()})
        check(not active, f"healthy: no alert pending or firing ({active})")
        # What the healthy traffic was made to show, seen through Prometheus.
        window = f"{int(healthy_end - start)}s"
        for what, expr in [
            ("idempotent replays", 'sum(increase(wog_writes_total{result="replayed"}[W]))'),
            ("reconciliations that found the write",
             'sum(increase(wog_write_reconciliations_total{result="found"}[W]))'),
            ("rate-limit refusals of the burst user",
             'sum(increase(wog_rate_limit_refusals_total{tenant="demo",limit="user"}[W]))'),
            ("catalog cache hits", 'sum(increase(wog_cache_lookups_total{result="hit"}[W]))'),
            ("catalog cache misses", 'sum(increase(wog_cache_lookups_total{result="miss"}[W]))'),
        ]:
            data = prom.api("query", query=expr.replace("W", window), time=healthy_end)["result"]
            value = float(data[0]["value"][1]) if data else 0.0
            check(value > 0, f"healthy: {what}: {value:.0f}")

        dashboard = json.load(open(os.path.join(HERE, "dashboard.json")))
        # Importable anywhere: every query goes through the `datasource` variable, and panel ids
        # (Grafana's handle on a panel) are unique.
        flat = [p for p in dashboard["panels"] if p["type"] != "row"]
        sources = {json.dumps(x["datasource"]) for p in flat for x in [p, *p["targets"]]}
        check(sources == {json.dumps({"type": "prometheus", "uid": "${datasource}"})},
              f"every panel and query uses the datasource variable ({sorted(sources)})")
        ids = [p["id"] for p in dashboard["panels"]]
        check(len(ids) == len(set(ids)), "panel ids are unique")
        # The template variables' own queries must list something to choose from.
        for variable in dashboard["templating"]["list"]:
            definition = variable.get("definition", "")
            match = re.fullmatch(r"label_values\((.+), (\w+)\)", definition)
            if not match:
                continue
            selector = match.group(1).replace("$job", JOB)
            values = prom.api(f"label/{match.group(2)}/values", **{"match[]": selector},
                              start=start, end=healthy_end)
            check(bool(values), f"variable ${variable['name']}: {definition} lists {values}")
        queries = panel_queries(dashboard)
        check(len(queries) >= 20, f"the dashboard has {len(queries)} panels with queries")
        for title, exprs in queries:
            for legend, expr in exprs:
                series = prom.range(expr, start, healthy_end)
                check(bool(series) and finite(series),
                      f"healthy: '{title}' [{legend}] returns data ({len(series)} series)")

        # ---- faults ----
        fault_at = time.time()
        status, _ = http("PUT", f"{sandbox_url}/_sandbox/faults", body={"unavailable_rate": 1.0})
        check(status == 200, "demo's sandbox answers every call 503")
        with open(config, "w") as f:
            f.write(gateway_config(listen, sandbox_url, "a-rotated-secret-that-is-wrong"))
        gateway.send_signal(signal.SIGHUP)
        wanted = {("WogUpstreamUnavailable", "demo"), ("WogTenantCredentialsRejected", "acme")}
        seen = {}
        deadline = time.time() + FAULT_TIMEOUT_SECS
        while time.time() < deadline and set(seen) != wanted:
            for alert in prom.alerts():
                name, tenant = alert["labels"].get("alertname"), alert["labels"].get("tenant")
                if (name, tenant) in wanted and (name, tenant) not in seen:
                    seen[(name, tenant)] = (alert["state"], round(time.time() - fault_at, 1))
            time.sleep(1)
        for name, tenant in sorted(wanted):
            state = seen.get((name, tenant))
            check(state is not None and state[0] in ("pending", "firing"),
                  f"faulty: {name}{{tenant=\"{tenant}\"}} "
                  + (f"{state[0]} {state[1]} s after the faults" if state else "never pending"))
        time.sleep(FAULT_TAIL_SECS)
        breakers = prom.api("query", query="wog_upstream_breaker_open")["result"]
        check({s["metric"]["tenant"]: s["value"][1] for s in breakers} == {"demo": "1", "acme": "0"},
              "faulty: demo's circuit breaker shows open, acme's (credentials, not an outage) closed")
        others = sorted({(a["labels"]["alertname"], a["state"]) for a in prom.alerts()})
        print(f"      alerts active at the end: {others}")
        end = time.time()
        traffic.halt()

        # ---- one PNG per panel over the whole run ----
        for title, exprs in queries:
            lines = []
            for legend, expr in exprs:
                for s in prom.range(expr, start, end):
                    points = [(float(t), float(v)) for t, v in s["values"]]
                    lines.append((legend_of(legend, s["metric"]), points))
            # Series of closed label sets sit at 0 until something happens: left out of the
            # picture (unless nothing else is there) so the legend names what moved.
            moved = [line for line in lines if any(v != 0 for _, v in line[1])]
            lines = moved or lines
            path = os.path.join(screens, slug(title) + ".png")
            plot(title, lines, start, fault_at, end, path)
        print(f"      wrote {len(queries)} PNGs to {screens}")
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
        if results["failed"]:
            print(f"      logs kept in {work}")
        else:
            subprocess.run(["rm", "-rf", work], check=False)
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
