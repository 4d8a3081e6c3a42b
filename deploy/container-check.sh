#!/usr/bin/env bash
# The shared container check (../shared/tools/container-check.sh), adapted to this repository's
# images: the default Dockerfile stage is the production image, built without the simulator, so it
# must REFUSE the demo rather than serve it. Lines marked ADAPTED differ from the shared tool:
# the release image must reject `sandbox` and fail the demo naming the cargo feature; the demo
# runs on the `--target sandbox` image with WOG_DEMO=1; compose rebuilds (`up --build`) and
# checks GET /products on every gateway. Run by hand (needs podman, as root); not a CI stage.
#
#   bash deploy/container-check.sh --compose
#
# Builds the project's Dockerfile and runs the image (and, with --compose, docker-compose.yml) with
# podman, on a Debian 12 machine that has no Docker engine and cannot reach container registries.
# The base images are replaced by local stand-ins made from Debian packages and this machine's own
# Rust toolchain, tagged with the names the Dockerfile uses, so the Dockerfile builds unchanged.
#
# Stand-ins: debian:bookworm-slim, rust:1-bookworm, gcr.io/distroless/cc-debian12:nonroot,
# redis:7 and redis:7-bookworm (Debian's redis-server). Add more in standin_* below.
# Exit 0 when the image builds, answers /readyz, serves /products with a minted token, and its
# HEALTHCHECK passes (and, with --compose, the stack comes up and serves /products).
set -euo pipefail
COMPOSE=0
[ "${1:-}" = "--compose" ] && { COMPOSE=1; shift; }
SRC=$(cd "${1:-.}" && pwd)
WORK=${TMPDIR:-/tmp}/wog-containers
mkdir -p "$WORK"
export DEBIAN_FRONTEND=noninteractive
have() { podman image exists "$1" 2>/dev/null; }

if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v debootstrap >/dev/null; then
  apt-get update -q >/dev/null
  apt-get install -y -q podman buildah runc debootstrap >/dev/null
fi
# This kind of machine gives root no CAP_SYS_RESOURCE (crun cannot raise rlimits) and runs hybrid
# cgroups (crun refuses them; runc works).
if [ ! -f /etc/containers/containers.conf ]; then
  mkdir -p /etc/containers
  printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=32768:32768"]\n[engine]\nruntime = "runc"\n' \
    "$(ulimit -Hn)" "$(ulimit -Hn)" > /etc/containers/containers.conf
fi
MIRROR=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$MIRROR" ] || MIRROR=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list)

standin_debian() {
  have docker.io/library/debian:bookworm-slim && return
  local R=$WORK/rootfs-bookworm
  if [ ! -x "$R/bin/bash" ]; then
    nice -n 10 debootstrap --variant=minbase bookworm "$R" "$MIRROR" >/dev/null
    rm -f "$R/etc/apt/sources.list"
    cp /etc/apt/sources.list.d/*.sources "$R/etc/apt/sources.list.d/" 2>/dev/null || cp /etc/apt/sources.list "$R/etc/apt/"
    rm -rf "$R"/var/cache/apt/archives/*.deb "$R"/var/lib/apt/lists/*; : > "$R/etc/resolv.conf"
  fi
  tar -C "$R" -c . | podman import --change 'CMD ["bash"]' - localhost/debian:bookworm-slim >/dev/null
  podman tag localhost/debian:bookworm-slim docker.io/library/debian:bookworm-slim
}

standin_rust() {
  have docker.io/library/rust:1-bookworm && return
  local S=$WORK/standin-rust TC
  TC=$(rustup default | cut -d' ' -f1)
  rm -rf "$S"; mkdir -p "$S/rustup/toolchains" "$S/cargo/bin" "$S/extra-ca"
  cp -al ~/.rustup/toolchains/"$TC" "$S/rustup/toolchains/"; rm -rf "$S/rustup/toolchains/$TC/share/doc"
  cp ~/.rustup/settings.toml "$S/rustup/"; cp -a ~/.cargo/bin/. "$S/cargo/bin/"
  # the machine's own trust anchors, so cargo inside the build reaches crates.io as cargo here does
  cp /usr/local/share/ca-certificates/*.crt "$S/extra-ca/" 2>/dev/null || true
  cat > "$S/Containerfile" <<'CF'
FROM localhost/debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends build-essential pkg-config \
      libssl-dev ca-certificates curl git && rm -rf /var/lib/apt/lists/*
ENV RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY rustup /usr/local/rustup
COPY cargo /usr/local/cargo
RUN rustup --version && cargo --version && chmod -R a+w /usr/local/rustup /usr/local/cargo
COPY extra-ca/ /usr/local/share/ca-certificates/
RUN update-ca-certificates
CF
  nice -n 10 podman build --pull=never -q -t localhost/rust:1-bookworm "$S" >/dev/null
  podman tag localhost/rust:1-bookworm docker.io/library/rust:1-bookworm
}

standin_distroless() {
  have gcr.io/distroless/cc-debian12:nonroot && return
  local D=$WORK/distroless-debs R=$WORK/rootfs-distroless-cc
  rm -rf "$D" "$R"; mkdir -p "$D" "$R"
  (cd "$D" && apt-get download base-files netbase tzdata ca-certificates libc6 libgcc-s1 libgomp1 libstdc++6 libssl3 >/dev/null 2>&1)
  for f in "$D"/*.deb; do dpkg-deb -x "$f" "$R"; done
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$R/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n' > "$R/etc/group"
  mkdir -p "$R/home/nonroot" "$R/etc/ssl/certs"; chown 65532:65532 "$R/home/nonroot"; chmod 700 "$R/home/nonroot"; chmod 1777 "$R/tmp"
  cp /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/"
  rm -rf "$R/usr/share/doc" "$R/usr/share/man" "$R/usr/share/lintian" "$R/usr/share/info"
  tar -C "$R" -c . | podman import --change 'USER 65532' --change 'WORKDIR /home/nonroot' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    - gcr.io/distroless/cc-debian12:nonroot >/dev/null
}

standin_redis() {
  have docker.io/library/redis:7 && return
  printf 'FROM localhost/debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends redis-server && rm -rf /var/lib/apt/lists/*\nEXPOSE 6379\nCMD ["redis-server", "--protected-mode", "no", "--save", "", "--appendonly", "no"]\n' > "$WORK/Containerfile.redis"
  nice -n 10 podman build --pull=never -q -t docker.io/library/redis:7 -f "$WORK/Containerfile.redis" "$WORK" >/dev/null
  podman tag docker.io/library/redis:7 docker.io/library/redis:7-bookworm
}

standin_debian; standin_rust; standin_distroless; standin_redis

CTX=$WORK/context; rm -rf "$CTX"; git clone -q "$SRC" "$CTX"
# A stand-in cannot carry the real image's digest: build from the tag (only in this copy).
sed -i -E 's/^(FROM[[:space:]]+[^@[:space:]]+)@sha256:[0-9a-f]+/\1/I' "$CTX/Dockerfile"
t0=$(date +%s)
# docker format: the OCI format silently drops HEALTHCHECK
# ADAPTED (split workspace): the default stage is the production image, built without the
# simulator; it must refuse the `sandbox` subcommand and the demo configuration. The standalone
# demo check runs the `sandbox` stage (the default-features binary) with WOG_DEMO=1.
nice -n 10 podman build --pull=never --format docker -t workorder-gateway:release "$CTX" > "$WORK/build.log" 2>&1 \
  || { tail -20 "$WORK/build.log"; echo "release image build failed"; exit 1; }
echo "release image built in $(( $(date +%s) - t0 ))s, $(podman image inspect workorder-gateway:release --format '{{.Size}}' | awk '{printf "%.1f MB", $1/1048576}')"
if podman run --rm workorder-gateway:release sandbox --help >/dev/null 2>&1; then
  echo "release image: accepts the sandbox subcommand"; exit 1
fi
out=$(podman run --rm -e WOG_DEMO=1 workorder-gateway:release serve 2>&1 || true)
echo "$out" | grep -q "sandbox\` cargo feature" || { echo "$out" | tail -5; echo "release image: the demo did not fail naming the feature"; exit 1; }
echo "release image: rejects the sandbox subcommand; the demo fails: $(echo "$out" | tail -1)"
t0=$(date +%s)
nice -n 10 podman build --pull=never --format docker --target sandbox -t workorder-gateway:check "$CTX" > "$WORK/build-sandbox.log" 2>&1 \
  || { tail -20 "$WORK/build-sandbox.log"; echo "sandbox image build failed"; exit 1; }
echo "sandbox image built in $(( $(date +%s) - t0 ))s, $(podman image inspect workorder-gateway:check --format '{{.Size}}' | awk '{printf "%.1f MB", $1/1048576}')"

PORT=${PORT:-18088}
podman rm -f wog-check >/dev/null 2>&1 || true
podman run -d --name wog-check -e WOG_DEMO=1 -p 127.0.0.1:$PORT:8080 workorder-gateway:check >/dev/null
trap 'podman rm -f wog-check >/dev/null 2>&1 || true' EXIT
for _ in $(seq 30); do curl -fs 127.0.0.1:$PORT/readyz >/dev/null && break; sleep 1; done
curl -fsS 127.0.0.1:$PORT/readyz >/dev/null || { podman logs wog-check | tail -20; echo "image: /readyz never answered"; exit 1; }
TOKEN=$(podman exec wog-check workorder-gateway token --tenant demo --sub alice --roles tickets:read,tickets:write | tr -d '\r\n')
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" 127.0.0.1:$PORT/products)
[ "$code" = 200 ] || { echo "image: GET /products answered $code"; exit 1; }
podman healthcheck run wog-check >/dev/null || { echo "image: HEALTHCHECK failed"; exit 1; }
podman stop -t 30 wog-check >/dev/null; podman rm wog-check >/dev/null
echo "sandbox image (WOG_DEMO=1): ready, GET /products 200, HEALTHCHECK passes, stopped cleanly"

if [ $COMPOSE = 1 ]; then
  V=$WORK/compose-venv
  [ -x "$V/bin/podman-compose" ] || { python3 -m venv "$V" && "$V/bin/pip" install -q podman-compose; }
  cd "$CTX"
  # compose builds the project image itself; reuse the one just built
  # ADAPTED: --build, so a stale workorder-gateway:local from an earlier checkout is not reused
  "$V/bin/podman-compose" up -d --build > "$WORK/compose.log" 2>&1 || { tail -20 "$WORK/compose.log"; echo "compose up failed"; exit 1; }
  trap '"$V/bin/podman-compose" down >/dev/null 2>&1 || true' EXIT
  ports=$(podman ps --format '{{.Ports}}' | grep -oE '127\.0\.0\.1:[0-9]+|0\.0\.0\.0:[0-9]+' | sed 's/0\.0\.0\.0/127.0.0.1/' | sort -u)
  ready=0
  for _ in $(seq 60); do
    ready=0
    for hp in $ports; do curl -fs "$hp/readyz" >/dev/null && ready=$((ready + 1)); done
    [ -n "$ports" ] && [ "$ready" -gt 0 ] && break
    sleep 1
  done
  "$V/bin/podman-compose" ps
  [ "$ready" -gt 0 ] || { "$V/bin/podman-compose" logs 2>&1 | tail -30; echo "compose: no published port answered /readyz"; exit 1; }
  echo "compose: up; $ready published port(s) answer /readyz ($ports)"
  # ADAPTED: the gateways run the production image (no simulator) and reach the sandbox service.
  if podman exec workorder-gateway_gateway-1_1 workorder-gateway sandbox --help >/dev/null 2>&1; then
    echo "compose: the gateway image accepts the sandbox subcommand"; exit 1
  fi
  TOKEN=$(podman exec workorder-gateway_gateway-1_1 workorder-gateway token --config config/compose.toml --tenant demo --sub alice --roles tickets:read,tickets:write | tr -d '\r\n')
  for hp in $ports; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$hp/products")
    [ "$code" = 200 ] || { echo "compose: GET $hp/products answered $code"; exit 1; }
  done
  echo "compose: gateways run the image without the simulator; GET /products 200 on every published port"
fi
