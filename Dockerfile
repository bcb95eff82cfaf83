# syntax=docker/dockerfile:1
#
# The hse image: one static binary (web assets are embedded with go:embed) on a
# small Alpine base that keeps the PostgreSQL client tools, because backups and
# restores shell out to pg_dump and psql.
#
#   docker build \
#     --build-arg VERSION=$(git describe --tags --always --dirty) \
#     --build-arg COMMIT=$(git rev-parse HEAD) \
#     --build-arg BUILD_DATE=$(git log -1 --format=%cI) \
#     -t ghcr.io/org/hse-digital:TAG .
#
# The build context has no .git (see .dockerignore), so version, commit and date
# come in as build arguments; scripts/build.sh falls back to dev/unknown/now.

ARG GO_VERSION=1.26
ARG ALPINE_VERSION=3.22

# The builder runs on the build machine's own platform and cross-compiles, so a
# multi-platform build (--platform linux/amd64,linux/arm64) needs no emulation.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG TARGETOS TARGETARCH
ARG VERSION="" COMMIT="" BUILD_DATE=""
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH \
    VERSION=$VERSION COMMIT=$COMMIT BUILD_DATE=$BUILD_DATE \
    scripts/build.sh /out/hse

FROM alpine:${ALPINE_VERSION}
# postgresql17-client: pg_dump must be at least as new as the server it dumps
# (deploy/k8s runs postgres:17). busybox wget serves the HEALTHCHECK; tzdata and
# ca-certificates for schedules and TLS to managed services.
RUN apk add --no-cache ca-certificates tzdata postgresql17-client \
 && addgroup -S -g 10001 hse \
 && adduser -S -D -H -u 10001 -G hse -h /data -s /sbin/nologin hse \
 && install -d -o 10001 -g 10001 -m 0750 /data
COPY --from=build /out/hse /usr/local/bin/hse

ENV HSE_DATA_DIR=/data \
    PORT=3001 \
    LOG_FORMAT=json
VOLUME ["/data"]
WORKDIR /data
EXPOSE 3001
# Numeric so that Kubernetes' runAsNonRoot can verify it without /etc/passwd.
USER 10001:10001

# Liveness only: /api/live checks no dependency, so a database outage never
# marks the container unhealthy (readiness is the orchestrator's business).
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD wget -q -O /dev/null "http://127.0.0.1:${PORT:-3001}/api/live" || exit 1

ENTRYPOINT ["hse"]
CMD ["serve"]
