# apimlab in a container: a static binary on distroless/static (no shell,
# no package manager, runs as nonroot). Build and use:
#
#   docker build -t apimlab --build-arg VERSION=$(git describe --tags --always) --build-arg COMMIT=$(git rev-parse HEAD) .
#   docker run --rm -v "$PWD:/work:ro" apimlab lint infra/apim
#   docker run --rm -v "$PWD:/work" apimlab lint --format sarif -o apimlab.sarif infra/apim
#   docker run --rm -p 8080:8080 -v "$PWD:/work:ro" apimlab gateway --listen 0.0.0.0:8080 infra/apim
#
# More in docs/ci/README.md.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=""
ARG COMMIT=""
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" -o /out/apimlab ./cmd/apimlab

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/apimlab /usr/local/bin/apimlab
WORKDIR /work
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/apimlab"]
CMD ["lint", "."]
