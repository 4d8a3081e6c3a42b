# workorder-gateway container image. Needs BuildKit (the default builder since Docker 23) for the
# cache mounts; no `# syntax=` line, so the builder's own Dockerfile frontend is used and no
# frontend image is pulled.
#
# Three stages:
#   builder  compiles the release binary; BuildKit cache mounts keep the cargo registry and
#            target/ between builds, so a source change recompiles only this crate.
#   probe    takes busybox from Debian, used only as `wget` for HEALTHCHECK (see below).
#   runtime  distroless cc (glibc, CA certificates, no shell, no package manager), user 65532.
#
# The build needs crates.io and the Debian archive, nothing else: utoipa-swagger-ui is built
# with its `vendored` feature, so Swagger UI is not downloaded.
#
# Build:  docker build -t workorder-gateway .
# Run:    docker run --rm -p 8080:8080 workorder-gateway           (sandbox demo, config/default.toml)
#         docker run ... workorder-gateway serve --config /etc/workorder-gateway/gateway.toml
#         docker run ... workorder-gateway sandbox --listen 0.0.0.0:9000

ARG RUST_VERSION=1

FROM rust:${RUST_VERSION}-bookworm AS builder
WORKDIR /src
# .dockerignore is an allow-list: only Cargo.toml, Cargo.lock, src/, config/ and openapi/ arrive.
COPY . .
# The binary is copied out of the cache mount inside the same RUN: the mounted target/ is not
# part of the image layer.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked --bin workorder-gateway \
    && install -D -m 0755 target/release/workorder-gateway /out/workorder-gateway

FROM debian:bookworm-slim AS probe
# Distroless has no shell and no HTTP client, and Docker / Compose health checks run inside the
# container. busybox-static (2 MB, no libraries) is installed under the name `wget`, so it runs
# only its wget applet and no shell appears on PATH. The version is not pinned: Debian security
# updates replace old versions in the archive, which would break a pinned build.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends busybox-static \
    && rm -rf /var/lib/apt/lists/*

FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
LABEL org.opencontainers.image.title="workorder-gateway" \
      org.opencontainers.image.description="Multi-tenant REST gateway for the Alibaba Cloud Workorder API, with a sandbox simulator" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
COPY --from=builder /out/workorder-gateway /usr/local/bin/workorder-gateway
COPY --from=probe /bin/busybox /usr/local/bin/wget
# Baked-in configuration, read-only for the runtime user: config/default.toml (sandbox demo,
# used when `serve` has no --config), config/compose.toml, config/production.example.toml.
COPY config/ /app/config/
# Environment overrides the configuration file (prefix WOG_, `__` between levels). A container
# must listen on all interfaces; the file's own default is loopback.
ENV WOG_SERVER__LISTEN=0.0.0.0:8080
# 65532 = `nonroot` in distroless; numeric so Kubernetes `runAsNonRoot` can verify it.
USER 65532:65532
EXPOSE 8080
# SIGTERM starts the graceful drain: /readyz turns 503, the listener keeps serving for
# shutdown.drain_delay_secs, then in-flight requests finish within shutdown.timeout_secs.
STOPSIGNAL SIGTERM
# Readiness, not liveness: Compose's `depends_on: service_healthy` should wait for a loaded
# configuration. Busybox wget exits 1 on an HTTP error status or a refused connection. Its `-T`
# flag is left out on purpose: with it, a refused connection crashes busybox 1.35 (exit 139);
# Docker's --timeout bounds the probe instead. Kubernetes ignores HEALTHCHECK and uses its probes.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/readyz"]
ENTRYPOINT ["/usr/local/bin/workorder-gateway"]
CMD ["serve"]
