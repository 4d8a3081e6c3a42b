# workorder-gateway container image. Needs BuildKit (the default builder since Docker 23) for the
# cache mounts; no `# syntax=` line, so the builder's own Dockerfile frontend is used and no
# frontend image is pulled.
#
# Stages (BuildKit builds only those the chosen target needs):
#   source           the build context, shared by both builders.
#   builder-sandbox  the binary with the embedded simulator (default cargo features).
#   sandbox          image for the local stack and demos: the simulator (`sandbox`) and a
#                    gateway that can embed it (`WOG_DEMO=1 serve`). `--target sandbox`.
#   builder          the production binary, `--no-default-features`: no simulator code in it.
#   runtime          the default, last stage, the image that ships: distroless cc (glibc, CA
#                    certificates, no shell, no package manager), user 65532. Nothing is added
#                    but the binary and config/: the health check is the binary's own
#                    `healthcheck` subcommand, so no shell tool (busybox, wget, curl) is shipped.
#                    It has no `sandbox` subcommand and cannot serve the demo configuration.
# Both builders share BuildKit cache mounts (cargo registry, target/): the dependencies are
# compiled once for both, and a source change recompiles only the workspace's crates.
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
#         docker build --target sandbox -t workorder-gateway-sandbox .
# Run:    docker run ... workorder-gateway serve --config /etc/workorder-gateway/gateway.toml
#         docker run ... workorder-gateway-sandbox sandbox --listen 0.0.0.0:9000
#         docker run --rm -p 8080:8080 -e WOG_DEMO=1 workorder-gateway-sandbox    (sandbox demo)
# Without --config (or WOG_CONFIG) and without WOG_DEMO=1, `serve` refuses to start: the demo
# configuration (config/default.toml) trusts a published JWT secret.

FROM rust:1-bookworm@sha256:93ce27a88655056a51dbdd8f5f2d7ddc071c7b0070fb288a37b5a285fc83971e AS source
WORKDIR /src
# .dockerignore is an allow-list: only Cargo.toml, Cargo.lock, src/, crates/, config/, openapi/
# and benches/ arrive.
COPY . .

FROM source AS builder-sandbox
# The binary is copied out of the cache mount inside the same RUN: the mounted target/ is not
# part of the image layer.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked --bin workorder-gateway \
    && install -D -m 0755 target/release/workorder-gateway /out/workorder-gateway

FROM gcr.io/distroless/cc-debian12:nonroot@sha256:9dac0a79194e45a7da0158a9c6da57b217585af0786db3845d1f0ec1a0dd182f AS sandbox
LABEL org.opencontainers.image.title="workorder-gateway-sandbox" \
      org.opencontainers.image.description="workorder-gateway with its embedded Workorder API simulator, for local stacks and demos" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
COPY --from=builder-sandbox /out/workorder-gateway /usr/local/bin/workorder-gateway
COPY config/ /app/config/
# The same settings as the runtime stage below; see the comments there.
ENV WOG_SERVER__LISTEN=0.0.0.0:8080 \
    WORKORDER_GATEWAY_IMAGE=1
USER 65532:65532
EXPOSE 8080 9000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/workorder-gateway", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/workorder-gateway"]
CMD ["serve"]

FROM source AS builder
# The production binary: without the `sandbox` feature, no simulator code is compiled in.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked --no-default-features --bin workorder-gateway \
    && install -D -m 0755 target/release/workorder-gateway /out/workorder-gateway

FROM gcr.io/distroless/cc-debian12:nonroot@sha256:9dac0a79194e45a7da0158a9c6da57b217585af0786db3845d1f0ec1a0dd182f AS runtime
LABEL org.opencontainers.image.title="workorder-gateway" \
      org.opencontainers.image.description="Multi-tenant REST gateway for the Alibaba Cloud Workorder API" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
COPY --from=builder /out/workorder-gateway /usr/local/bin/workorder-gateway
# Baked-in configuration, read-only for the runtime user: config/compose.toml,
# config/production.example.toml; config/default.toml (the sandbox demo) fails start-up here,
# since this binary has no embedded sandbox.
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
