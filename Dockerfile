# workorder-gateway container image. Needs BuildKit (the default builder since Docker 23) for the
# cache mounts; no `# syntax=` line, so the builder's own Dockerfile frontend is used and no
# frontend image is pulled.
#
# Two stages:
#   builder  compiles the release binary; BuildKit cache mounts keep the cargo registry and
#            target/ between builds, so a source change recompiles only this crate.
#   runtime  distroless cc (glibc, CA certificates, no shell, no package manager), user 65532.
#            Nothing is added but the binary and config/: the health check is the binary's own
#            `healthcheck` subcommand, so no shell tool (busybox, wget, curl) is shipped.
#
# Both base images are pinned by digest ON PURPOSE: a rebuild of one commit uses the compiler
# and runtime libraries that were reviewed, and a moved tag cannot change what ships. The tag
# stays for the reader. Bump deliberately: resolve the tag again (`docker buildx imagetools
# inspect rust:1-bookworm`, same for distroless), review, and update the digest here.
#   rust:1-bookworm                        the digest that tag had in September 2026
#   gcr.io/distroless/cc-debian12:nonroot  the digest that tag had in September 2026
#
# The build needs crates.io, nothing else: utoipa-swagger-ui is built with its `vendored`
# feature, so Swagger UI is not downloaded.
#
# Build:  docker build -t workorder-gateway .
# Run:    docker run ... workorder-gateway serve --config /etc/workorder-gateway/gateway.toml
#         docker run ... workorder-gateway sandbox --listen 0.0.0.0:9000
#         docker run --rm -p 8080:8080 -e WOG_DEMO=1 workorder-gateway    (sandbox demo)
# Without --config (or WOG_CONFIG) and without WOG_DEMO=1, `serve` refuses to start: the demo
# configuration (config/default.toml) trusts a published JWT secret.

FROM rust:1-bookworm@sha256:93ce27a88655056a51dbdd8f5f2d7ddc071c7b0070fb288a37b5a285fc83971e AS builder
WORKDIR /src
# .dockerignore is an allow-list: only Cargo.toml, Cargo.lock, src/, config/, openapi/ and
# benches/ arrive.
COPY . .
# The binary is copied out of the cache mount inside the same RUN: the mounted target/ is not
# part of the image layer.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked --bin workorder-gateway \
    && install -D -m 0755 target/release/workorder-gateway /out/workorder-gateway

FROM gcr.io/distroless/cc-debian12:nonroot@sha256:9dac0a79194e45a7da0158a9c6da57b217585af0786db3845d1f0ec1a0dd182f AS runtime
LABEL org.opencontainers.image.title="workorder-gateway" \
      org.opencontainers.image.description="Multi-tenant REST gateway for the Alibaba Cloud Workorder API, with a sandbox simulator" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
COPY --from=builder /out/workorder-gateway /usr/local/bin/workorder-gateway
# Baked-in configuration, read-only for the runtime user: config/default.toml (sandbox demo,
# served only with WOG_DEMO=1), config/compose.toml, config/production.example.toml.
COPY config/ /app/config/
# Environment overrides the configuration file (prefix WOG_, `__` between levels). A container
# must listen on all interfaces; the file's own default is loopback.
# WORKORDER_GATEWAY_IMAGE marks the image: `serve` then needs --config or WOG_DEMO=1. It is not
# WOG_-prefixed because every WOG_ variable is read as a configuration key.
ENV WOG_SERVER__LISTEN=0.0.0.0:8080 \
    WORKORDER_GATEWAY_IMAGE=1
# 65532 = `nonroot` in distroless; numeric so Kubernetes `runAsNonRoot` can verify it.
USER 65532:65532
EXPOSE 8080
# SIGTERM starts the graceful drain: /readyz turns 503, the listener keeps serving for
# shutdown.drain_delay_secs, then in-flight requests finish within shutdown.timeout_secs.
STOPSIGNAL SIGTERM
# Readiness, not liveness: Compose's `depends_on: service_healthy` should wait for a loaded
# configuration. `healthcheck` GETs http://127.0.0.1:8080/readyz (its default; give --url when
# the listen port or base path differs) and exits 1 on anything but 2xx, with one line on
# stderr; its own 2 s timeout stays inside Docker's. Kubernetes ignores HEALTHCHECK and uses
# its probes.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/workorder-gateway", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/workorder-gateway"]
CMD ["serve"]
