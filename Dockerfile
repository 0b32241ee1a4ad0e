# syntax=docker/dockerfile:1
# Patchbay as a container: a static, pure-Go binary on a distroless base,
# running as a non-root user.
#
#   docker build -t patchbay --build-arg VERSION=$(git describe --always) .
#   docker run --rm -p 8080:8080 \
#     -e PATCHBAY_DATABASE_URL=postgres://… -e PATCHBAY_ENCRYPTION_KEY=… patchbay
#
# docs/deploy.md has a two-replica deployment on PostgreSQL.

FROM golang:1.26-bookworm AS build
# Honour go.mod's toolchain line (the image pins its own Go otherwise).
ENV GOTOOLCHAIN=auto
WORKDIR /src
# Dependencies first, so code changes reuse the module layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# CGO off: the SQLite driver is pure Go, so the binary needs no libc.
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/patchbay ./cmd/patchbay \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/patchbay /usr/local/bin/patchbay
# The embedded SQLite default keeps its database here; with PostgreSQL
# nothing is written to disk.
COPY --from=build --chown=65532:65532 /out/data /data
ENV PATCHBAY_ADDR=0.0.0.0:8080 \
    PATCHBAY_DATA_DIR=/data
USER 65532:65532
EXPOSE 8080
# Liveness: GET /healthz. Readiness (database reachable, schema current):
# GET /readyz. The image has no shell or curl for a HEALTHCHECK; let the
# orchestrator or load balancer probe over HTTP.
ENTRYPOINT ["/usr/local/bin/patchbay"]
CMD ["serve"]
