# syntax=docker/dockerfile:1
#
# One image for the three rental binaries (api, worker, rentalctl); the
# compose file picks the binary with `command:`.

# The web pages' stylesheet, script and icons are hand-written files embedded
# with go:embed (infra/web/assets) and the charts are SVG drawn by the server:
# there is no npm build, so no Node stage.

# ---- build ------------------------------------------------------------------
FROM golang:1.26.8 AS build
WORKDIR /src
ENV CGO_ENABLED=0

COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    mkdir -p /out \
 && go build -trimpath -ldflags="-s -w" -o /out/ ./cmd/... \
 && test -x /out/api && test -x /out/worker && test -x /out/rentalctl

# ---- runtime ----------------------------------------------------------------
FROM debian:12-slim AS runtime

# curl: used by the compose healthchecks (api /readyz, worker /healthz).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 rental \
 && useradd --system --uid 10001 --gid rental --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin rental

COPY --from=build /out/api /out/worker /out/rentalctl /usr/local/bin/

USER 10001:10001
EXPOSE 9000 9100
CMD ["api"]
