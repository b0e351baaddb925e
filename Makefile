# apimlab — build, test, lint, bench.
GO ?= go
STATICCHECK_VERSION := v0.8.2
GOBIN := $(shell $(GO) env GOPATH)/bin
STATICCHECK := $(GOBIN)/staticcheck

.PHONY: build test unit lint vet staticcheck fmt bench generate tidy release-check chromium browser-test fuzz-short fuzz soak

build:
	$(GO) build -o bin/apimlab ./cmd/apimlab

# test: what CI runs — vet, staticcheck, every test with the race detector,
# then a short run of the fuzz targets.
test: fmt tidy vet staticcheck unit fuzz-short

# fuzz-short: each fuzz target of the request path, of Retry-After parsing
# and of the parallel ARM resolution for a fixed number of executions
# (about 10 s each on the project's machine); `make fuzz` runs them 10
# minutes each (docs/benchmarks.md). Counts, not durations: with
# -fuzztime as a duration, Go 1.26's fuzz coordinator can fail a target
# with a bare "context deadline exceeded" at the deadline, having found
# nothing (go.dev/issue/75804, fixed in Go 1.27); a worker busy minimizing
# a new input at that moment made it fail make test here. FUZZMINIMIZE 0
# also turns off minimizing in the short runs (a crasher is still written,
# unminimized).
FUZZ_REQUEST_PATH ?= 50000x
FUZZ_RETRY_AFTER ?= 900000x
FUZZ_RESOLVE ?= 400000x
FUZZMINIMIZE ?= 0
fuzz-short:
	$(GO) test -run '^$$' -fuzz '^FuzzRequestPath$$' -fuzztime $(FUZZ_REQUEST_PATH) -fuzzminimizetime $(FUZZMINIMIZE) ./gateway
	$(GO) test -run '^$$' -fuzz '^FuzzParseRetryAfter$$' -fuzztime $(FUZZ_RETRY_AFTER) -fuzzminimizetime $(FUZZMINIMIZE) ./breaker
	$(GO) test -run '^$$' -fuzz '^FuzzParallelResolve$$' -fuzztime $(FUZZ_RESOLVE) -fuzzminimizetime $(FUZZMINIMIZE) ./apim/arm

fuzz:
	$(MAKE) fuzz-short FUZZ_REQUEST_PATH=10m FUZZ_RETRY_AFTER=10m FUZZ_RESOLVE=10m FUZZMINIMIZE=60s

# soak: the gateway under 2x its measured saturation for SOAK_DURATION
# (default 3 minutes) with a 30 % failing and a 50 ms slow pool member;
# writes soak-out/soak.json and soak-out/soak.md and fails when a criterion
# is not met (internal/soak). Not part of make test.
SOAK_DURATION ?= 3m
soak: build
	$(GO) run ./internal/soak -bin bin/apimlab -duration $(SOAK_DURATION) -out soak-out

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

# release-check: validate .goreleaser.yaml (installs GoReleaser with go
# install; compiling it takes minutes, so make test does not run this).
GORELEASER_VERSION := v2.13.3
release-check:
	@command -v goreleaser >/dev/null || $(GO) install github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION)
	PATH="$(GOBIN):$$PATH" goreleaser check

# bench: the figures in docs/benchmarks.md. Each compares with a baseline
# measured in the same run (encoding/json for loading, issue 16's 3-rule
# floor for lint, a tuned httputil.ReverseProxy for the gateway). The lint
# sweep (1k, 10k, 40k backends, fresh processes, peak RSS) prints its
# ratios to the floor and the 10k→40k growth; the gateway rows print throughput,
# CPU per request and p99 against the proxy (and allocs/op per request),
# and the time `apimlab gateway` takes to listen (demo and 10k backends).
bench:
	$(GO) test -run '^$$' -bench 'BenchmarkLoad' -benchmem ./apim/load
	$(GO) test -run '^$$' -bench 'ParseReader' -benchtime 5x ./apim/jsontree
	$(GO) test -run '^$$' -bench 'ResolveParallel' -benchmem -benchtime 10x ./apim/arm
	$(GO) test -run '^$$' -bench 'BenchmarkLint' -benchmem -benchtime 5x ./lint
	$(GO) test -run '^$$' -bench 'PageTouch' -benchtime 5x ./internal/cputime
	$(GO) test -run '^$$' -bench 'LintSweep' -benchtime 1x ./cmd/apimlab
	$(GO) test -run '^$$' -bench 'ServeHTTP' -benchmem -cpu 1,2 -count 2 ./gateway
	$(GO) test -run '^$$' -bench 'GatewayVsProxy' -benchtime 1x ./gateway
	$(GO) test -run '^$$' -bench 'GatewayStartup' -benchtime 1x ./cmd/apimlab
	$(GO) test -run '^$$' -bench . -benchmem ./breaker ./pool ./apim/policyexpr
	$(GO) test -run '^$$' -bench 'WallClock2000' -benchtime 1x ./sim/live
	$(GO) test -run '^$$' -bench 'Model$$|Baseline' -benchmem -benchtime 2000000x ./sim/model
	$(GO) test -run '^$$' -bench 'ModelDay|Evidence' -benchmem -benchtime 1x ./sim/model

# chromium: the headless browser of the HTML report's browser test
# (reports/run_browser_test.go), Debian's package. Installed with apt-get
# when missing; when that is impossible this says so loudly and succeeds,
# and the browser test skips itself (the rest of make test still runs).
chromium:
	@if command -v chromium >/dev/null 2>&1; then chromium --version 2>/dev/null || true; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; } >/tmp/apimlab-chromium-install.log 2>&1; then \
	  chromium --version 2>/dev/null || true; \
	else \
	  echo "########################################################################"; \
	  echo "## chromium could not be installed (no apt-get, not root, or no network:"; \
	  echo "## see /tmp/apimlab-chromium-install.log). The HTML report's browser"; \
	  echo "## test will be SKIPPED; everything else still runs."; \
	  echo "########################################################################"; \
	fi

# browser-test: the HTML run report in headless chromium (fails, rather
# than skips, without a browser).
browser-test: chromium
	APIMLAB_REQUIRE_BROWSER=1 $(GO) test -count=1 -run 'Browser' -v ./reports

# docs/report.png: screenshot of the golden HTML run report, taken by the
# browser test.
docs/report.png: reports/run_html.go reports/run_svg.go reports/assets/run.css reports/assets/run.html.tmpl reports/run_fixture_test.go | chromium
	APIMLAB_REQUIRE_BROWSER=1 $(GO) test -count=1 -run 'TestHTMLInBrowser$$' ./reports -screenshot $(CURDIR)/docs/report.png
