# apimlab — build, test, lint, bench.
GO ?= go
STATICCHECK_VERSION := v0.8.2
GOBIN := $(shell $(GO) env GOPATH)/bin
STATICCHECK := $(GOBIN)/staticcheck

.PHONY: build test unit lint vet staticcheck fmt bench generate tidy

build:
	$(GO) build -o bin/apimlab ./cmd/apimlab

# test: what CI runs — vet, staticcheck, then every test with the race detector.
test: fmt tidy vet staticcheck unit

unit:
	$(GO) test -race -count=1 ./...

vet:
	$(GO) vet ./...

$(STATICCHECK):
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

staticcheck: $(STATICCHECK)
	$(STATICCHECK) ./...

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

lint: fmt vet staticcheck

# tidy: go.mod lists every direct dependency as direct and nothing unused.
tidy:
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum not tidy: run go mod tidy"; exit 1; }

generate:
	$(GO) generate ./...

# bench: the figures in docs/benchmarks.md. Each compares with a baseline
# measured in the same run (encoding/json for loading, a tuned
# httputil.ReverseProxy for the gateway).
bench:
	$(GO) test -run '^$$' -bench 'BenchmarkLoad' -benchmem ./apim/load
	$(GO) test -run '^$$' -bench 'BenchmarkLint' -benchmem -benchtime 5x ./lint
	$(GO) test -run '^$$' -bench 'GatewayVsProxy' -benchtime 1x ./gateway
	$(GO) test -run '^$$' -bench . -benchmem ./breaker ./pool ./apim/policyexpr
