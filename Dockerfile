# syntax=docker/dockerfile:1
#
# sidecast image: a static binary on scratch, run as a non-root numeric user.
#
#   docker build -t sidecast .
#   make image      (the same final stage around the released binary, podman)
#
# The builder runs on the build host's platform and cross-compiles, so a
# multi-platform build (docker buildx --platform linux/amd64,linux/arm64)
# needs no emulation.

ARG GO_VERSION=1.26

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
ENV GOMODCACHE=/go/pkg/mod GOCACHE=/go/cache/build
WORKDIR /src
# The modules are downloaded into a layer of their own (no cache mount, so
# the layer holds them): it is rebuilt only when go.mod or go.sum change,
# not on every source edit.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS=linux
ARG TARGETARCH=amd64
# The context has no .git: the version, commit and commit time come in as
# build arguments (docker build --build-arg VERSION=$(git describe --tags)
# …), stamped as make release stamps them.
ARG VERSION=""
ARG COMMIT=""
ARG COMMIT_TIME=""
# The release archives' build command (the Makefile's build target: static,
# -trimpath, -ldflags "-s -w" plus the version stamp), so the image's binary
# is built as the released ones are. The compiler's cache may live in a
# cache mount: it only speeds rebuilds.
RUN --mount=type=cache,target=/go/cache/build \
    make build GOOS=$TARGETOS GOARCH=$TARGETARCH OUT=/out/sidecast BUILDVCS=false \
        VERSION="$VERSION" COMMIT="$COMMIT" COMMIT_TIME="$COMMIT_TIME"

# make image builds only this stage, with "build" replaced by a folder that
# holds the released linux binary (out/sidecast) and the host's CA bundle
# (etc/ssl/certs/ca-certificates.crt): podman build --build-context build=….
FROM scratch AS final
# CA certificates for rediss:// endpoints that use a public certificate
# authority (managed Redis services); REDIS_TLS_CA adds a private one.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/sidecast /sidecast
# A numeric user: scratch has no /etc/passwd, and Kubernetes' runAsNonRoot
# can only verify a numeric one.
USER 65532:65532
# SERVER_PORT (clients, proxied HTTP, HEALTH_PATH) and METRICS_PORT
# (/metrics, /livez, /readyz, admin).
EXPOSE 3000 9090
# scratch has no shell or curl: the binary checks its own HEALTH_PATH on
# SERVER_PORT and exits 0 when healthy, 1 otherwise.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/sidecast", "healthcheck"]
ENTRYPOINT ["/sidecast"]
