package gateway

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/internal/cputime"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// BenchmarkGatewayVsProxy compares the apimlab gateway with a tuned bare
// httputil.ReverseProxy in one run, all in front of the same loopback
// backend and driven by vegeta at maximum rate, then at 2,000 rps for p99.
// Three contenders: the bare proxy, the gateway on issue 16's realistic
// pipeline (benchService) and the same pipeline with issue 13's
// rate-limit-by-key and cache-lookup added. It runs once whatever b.N is
// (make bench uses -benchtime=1x): APIMLAB_BENCH_ROUNDS rounds (default
// 5), the contenders' order rotating each round, each phase
// APIMLAB_BENCH_DURATION long (default 2s), reported as medians. The
// gateway sends its debug header (x-apimlab-backend) as it does by
// default; APIMLAB_BENCH_NO_DEBUG_HEADERS=1 measures it without.
// APIMLAB_BENCH_WORKERS sets vegeta's workers at maximum rate (default 8);
// APIMLAB_BENCH_EXTRA=1 adds two contenders: the bare proxy on the
// gateway's synchronous backend client, and the gateway with no policy.
// CPU is the whole process's (vegeta, backend and proxy share it), so the
// ratios compare like with like.
func BenchmarkGatewayVsProxy(b *testing.B) {
	phase := 2 * time.Second
	if v := os.Getenv("APIMLAB_BENCH_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("APIMLAB_BENCH_DURATION: %v", err)
		}
		phase = d
	}
	rounds := 5
	if v := os.Getenv("APIMLAB_BENCH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("APIMLAB_BENCH_ROUNDS: want a positive integer, got %q", v)
		}
		rounds = n
	}
	old := debug.SetGCPercent(400) // the tuned proxy's setting, for all
	defer debug.SetGCPercent(old)

	// Each contender has its own loopback backend, so a CPU profile
	// attributes the backend's work (parsing what the proxy sends) too.
	newBackend := func(name string) *httptest.Server {
		return labeledServer(name, "backend", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, "hello from the backend\n")
		}))
	}
	const bareName = "bare ReverseProxy (tuned)"
	bareBackend := newBackend(bareName)
	defer bareBackend.Close()
	bare := bareProxy(bareBackend.URL)
	bareSrv := labeledServer(bareName, "proxy", bare)
	defer bareSrv.Close()
	defer bare.Transport.(*http.Transport).CloseIdleConnections()

	opts := Options{NoDebugHeaders: os.Getenv("APIMLAB_BENCH_NO_DEBUG_HEADERS") != ""}
	contenders := []*contender{{name: bareName, url: bareSrv.URL}}
	for _, c := range []struct {
		name   string
		limits bool
	}{{"apimlab gateway", false}, {"gateway + limit + cache", true}} {
		be := newBackend(c.name)
		defer be.Close()
		g, err := New(benchService(be.URL, c.limits), opts)
		if err != nil {
			b.Fatal(err)
		}
		defer g.Close()
		srv := labeledServer(c.name, "proxy", g)
		defer srv.Close()
		contenders = append(contenders, &contender{name: c.name, url: srv.URL})
	}
	if os.Getenv("APIMLAB_BENCH_EXTRA") != "" {
		// Two more contenders that split the figures above: the bare
		// proxy on the gateway's synchronous backend client (h1client.go)
		// instead of http.Transport, and the gateway with no policy (an
		// API's serviceUrl only).
		be := newBackend("bare on h1Client")
		defer be.Close()
		u, _ := url.Parse(be.URL)
		var g0 Gateway
		h1 := g0.h1For(&http.Transport{DialContext: (&net.Dialer{}).DialContext, MaxIdleConnsPerHost: maxIdlePerHost, IdleConnTimeout: idleConnTimeout})
		defer h1.closeIdle()
		rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(u); pr.SetXForwarded() }, Transport: h1, BufferPool: bufferPool{}}
		srv := labeledServer("bare on h1Client", "proxy", rp)
		defer srv.Close()
		contenders = append(contenders, &contender{name: "bare on h1Client", url: srv.URL})

		be2 := newBackend("gateway, serviceUrl only")
		defer be2.Close()
		g, err := New(&apim.Service{APIs: []*apim.API{apiWith("/api", be2.URL, "")}}, opts)
		if err != nil {
			b.Fatal(err)
		}
		defer g.Close()
		srv2 := labeledServer("gateway, serviceUrl only", "proxy", g)
		defer srv2.Close()
		contenders = append(contenders, &contender{name: "gateway, serviceUrl only", url: srv2.URL})
	}

	// The order rotates every round: one noisy phase or the position in
	// the run cannot decide a ratio.
	for round := range rounds {
		k := round % len(contenders)
		order := slices.Concat(contenders[k:], contenders[:k])
		for _, c := range order {
			c.maxes = append(c.maxes, attack(b, c.name, c.url+"/api/hello", 0, phase))
		}
		for _, c := range order {
			c.lows = append(c.lows, attack(b, c.name, c.url+"/api/hello", 2000, phase))
		}
	}
	base := contenders[0]
	baseMax, baseLow := median(base.maxes), median(base.lows)
	fmt.Printf("\n%-28s %12s %14s %7s %10s %12s %10s %16s\n", "", "req/s", "CPU µs/req", "cores", "p99@2k", "CPU µs@2k", "success", "vs bare")
	for _, c := range contenders {
		mx, lo := median(c.maxes), median(c.lows)
		// cores: the process's CPU in use at the maximum rate (of
		// GOMAXPROCS); well below it, the phase measured latency
		// (APIMLAB_BENCH_WORKERS requests in flight), not saturation.
		fmt.Printf("%-28s %12.0f %14.1f %7.2f %10s %12.1f %9.2f%% %5.2f× %4.2f× %+6dµs\n", c.name, mx.rps, mx.cpuPerReq, mx.rps*mx.cpuPerReq/1e6, lo.p99.Round(time.Microsecond), lo.cpuPerReq, 100*mx.success,
			mx.rps/baseMax.rps, mx.cpuPerReq/baseMax.cpuPerReq, (lo.p99 - baseLow.p99).Microseconds())
	}
	fmt.Printf("(vs bare: throughput, CPU per request, p99 at 2,000 rps; CPU µs@2k: the process's CPU per request at 2,000 rps; medians of %d rounds of %v per phase)\nrequests sent (for per-request figures from pprof -tagfocus contender=NAME):", rounds, phase)
	for _, c := range contenders {
		var n uint64
		for _, r := range slices.Concat(c.maxes, c.lows) {
			n += r.requests
		}
		fmt.Printf(" %s %d;", c.name, n)
	}
	fmt.Println()
	// Paired per round: the contenders of one round ran seconds apart,
	// under the same background load, so the median of the per-round
	// ratios is steadier than the ratio of the medians on a shared machine.
	fmt.Printf("per-round ratios to bare (median, then each round):\n")
	for _, c := range contenders[1:] {
		var tp, cpu []float64
		for r := range rounds {
			tp = append(tp, c.maxes[r].rps/base.maxes[r].rps)
			cpu = append(cpu, c.maxes[r].cpuPerReq/base.maxes[r].cpuPerReq)
		}
		fmt.Printf("  %-26s throughput %.2f× %s; CPU per request %.2f× %s\n", c.name, medianOf(tp), fmtRatios(tp), medianOf(cpu), fmtRatios(cpu))
	}
	for i, unit := range []string{"", "-limits"} {
		mx, lo := median(contenders[i+1].maxes), median(contenders[i+1].lows)
		b.ReportMetric(mx.rps/baseMax.rps, "throughput-ratio"+unit)
		b.ReportMetric(mx.cpuPerReq/baseMax.cpuPerReq, "cpu-ratio"+unit)
		b.ReportMetric(float64(lo.p99-baseLow.p99)/float64(time.Microsecond), "p99-delta-µs"+unit)
	}
}

// labeledServer starts a loopback server for h whose goroutines (the
// connections' and, through them, the transport's to the backend) carry
// the pprof labels contender=name and role=role (proxy or backend): a CPU
// profile of the benchmark (-cpuprofile, then pprof -tagfocus
// contender=NAME, or role=proxy) splits the process's CPU by contender
// and part (attack labels vegeta's role=client).
func labeledServer(name, role string, h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	pprof.Do(context.Background(), pprof.Labels("contender", name, "role", role), func(context.Context) { srv.Start() })
	return srv
}

// medianOf returns the median of xs (the upper one of an even count).
func medianOf(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// fmtRatios formats ratios as [a b c].
func fmtRatios(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.FormatFloat(x, 'f', 2, 64)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// contender is one server under test and its results.
type contender struct {
	name        string
	url         string
	maxes, lows []result
}

// median returns the per-field medians of rs (throughput, CPU per request,
// p99 and success rate each taken on its own).
func median(rs []result) result {
	var rps, cpu, p99, ok []float64
	for _, r := range rs {
		rps, cpu, p99, ok = append(rps, r.rps), append(cpu, r.cpuPerReq), append(p99, float64(r.p99)), append(ok, r.success)
	}
	return result{rps: medianOf(rps), cpuPerReq: medianOf(cpu), p99: time.Duration(medianOf(p99)), success: medianOf(ok)}
}

// benchService is issue 16's realistic pipeline: a global set-header, an
// API policy choosing the backend with expressions (a canary header picks
// m2, otherwise X-Backend names the backend, the pool by default), and a
// 2-member weighted pool with breakers. With limits, issue 13's variant
// adds a rate-limit-by-key keyed by the caller's IP address (a limit the
// benchmark never reaches) and a cache-lookup (no cache-store: every
// lookup misses, so every request still reaches the backend).
func benchService(backendURL string, limits bool) *apim.Service {
	m1, m2 := single("m1", backendURL), single("m2", backendURL)
	m1.CircuitBreaker = countBreaker(1000, time.Minute)
	m2.CircuitBreaker = countBreaker(1000, time.Minute)
	inbound := `<choose>
  <when condition="@(context.Request.Headers.GetValueOrDefault(&quot;X-Canary&quot;, &quot;&quot;) == &quot;true&quot;)"><set-backend-service backend-id="m2" /></when>
  <otherwise><set-backend-service backend-id="@(context.Request.Headers.GetValueOrDefault(&quot;X-Backend&quot;, &quot;pool&quot;))" /></otherwise>
</choose>`
	if limits {
		inbound = `<rate-limit-by-key calls="1000000000" renewal-period="300" counter-key="@(context.Request.IpAddress)" />
<cache-lookup vary-by-developer="false" vary-by-developer-groups="false" />` + inbound
	}
	return &apim.Service{
		Policy: doc(apim.ScopeGlobal, `<policies><inbound><set-header name="X-Gateway" exists-action="override"><value>apimlab</value></set-header></inbound>
<backend><forward-request /></backend><outbound /><on-error /></policies>`),
		Backends: []*apim.Backend{m1, m2, poolOf("pool", member("m1", 1, 3), member("m2", 1, 1))},
		APIs:     []*apim.API{apiWith("/api", "", inbound)},
	}
}

// bareProxy is httputil.ReverseProxy with the tuning DESIGN.md measured:
// a keep-alive transport and a BufferPool.
func bareProxy(target string) *httputil.ReverseProxy {
	u, _ := url.Parse(target)
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.SetXForwarded()
		},
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConnsPerHost: maxIdlePerHost,
			IdleConnTimeout:     idleConnTimeout,
			DisableCompression:  true,
		},
		BufferPool: bufferPool{},
	}
}

type bufferPool struct{}

var proxyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (bufferPool) Get() []byte  { return *(proxyBufs.Get().(*[]byte)) }
func (bufferPool) Put(b []byte) { proxyBufs.Put(&b) }

type result struct {
	rps       float64
	cpuPerReq float64 // µs of process CPU per request
	p99       time.Duration
	success   float64
	requests  uint64
}

// attack drives url at freq rps (0: maximum rate) for d; vegeta's
// goroutines carry the pprof labels contender=name, role=client.
func attack(b *testing.B, name, target string, freq int, d time.Duration) result {
	b.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: 10000, DisableCompression: true}
	defer tr.CloseIdleConnections()
	opts := []func(*vegeta.Attacker){vegeta.Client(&http.Client{Transport: tr, Timeout: 10 * time.Second})}
	rate := vegeta.Rate{Freq: freq, Per: time.Second}
	if freq == 0 {
		w := benchWorkers(b)
		opts = append(opts, vegeta.Workers(w), vegeta.MaxWorkers(w))
	}
	atk := vegeta.NewAttacker(opts...)
	targeter := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: target})
	var m vegeta.Metrics
	before := cputime.Process()
	pprof.Do(context.Background(), pprof.Labels("contender", name, "role", "client"), func(context.Context) {
		for res := range atk.Attack(targeter, rate, d, "bench") {
			m.Add(res)
		}
	})
	cpu := cputime.Process() - before
	m.Close()
	if m.Requests == 0 {
		b.Fatalf("%s: no requests", target)
	}
	return result{
		rps:       m.Throughput,
		cpuPerReq: float64(cpu) / float64(time.Microsecond) / float64(m.Requests),
		p99:       m.Latencies.P99,
		success:   m.Success,
		requests:  m.Requests,
	}
}

// benchWorkers is the number of vegeta workers (requests in flight) of
// the maximum-rate phase: APIMLAB_BENCH_WORKERS, 8 by default.
func benchWorkers(b *testing.B) uint64 {
	v := os.Getenv("APIMLAB_BENCH_WORKERS")
	if v == "" {
		return 8
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || n == 0 {
		b.Fatalf("APIMLAB_BENCH_WORKERS: want a positive integer, got %q", v)
	}
	return n
}

// TestBenchService checks that the benchmarks measure the pipeline they
// claim: the canary header picks m2, X-Backend names a backend, the pool
// serves the rest, the global set-header reaches the backend, and in the
// limits variant every request still reaches the backend (the lookups
// miss, the rate limit is never reached).
func TestBenchService(t *testing.T) {
	for _, limits := range []bool{false, true} {
		var hits atomic.Int64
		backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			if got := r.Header.Get("X-Gateway"); got != "apimlab" {
				t.Errorf("limits=%v: backend got X-Gateway %q, want apimlab", limits, got)
			}
			_, _ = io.WriteString(w, "hello from the backend\n")
		}))
		_, front := startGateway(t, benchService(backend.URL, limits), Options{})
		cases := []struct {
			hdr  map[string]string
			want []string
		}{
			{map[string]string{"X-Canary": "true"}, []string{"m2"}},
			{map[string]string{"X-Backend": "m1"}, []string{"m1"}},
			{nil, []string{"m1", "m2"}},
			{nil, []string{"m1", "m2"}},
		}
		for i, c := range cases {
			status, h, _ := get(t, front.URL+"/api/hello", c.hdr)
			if status != http.StatusOK || !slices.Contains(c.want, h.Get(HeaderBackend)) {
				t.Errorf("limits=%v, case %d: status %d, %s %q; want 200 from one of %v", limits, i, status, HeaderBackend, h.Get(HeaderBackend), c.want)
			}
		}
		if got, want := hits.Load(), int64(len(cases)); got != want {
			t.Errorf("limits=%v: backend hits %d, want %d", limits, got, want)
		}
		backend.Close()
	}
}
