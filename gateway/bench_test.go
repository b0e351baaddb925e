package gateway

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"runtime/debug"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// BenchmarkGatewayVsProxy compares the apimlab gateway with a tuned bare
// httputil.ReverseProxy in one run, both in front of the same loopback
// backend and driven by vegeta at maximum rate, then at 2,000 rps for p99.
// It runs once whatever b.N is (make bench uses -benchtime=1x): three
// rounds of both contenders at both rates, each phase
// APIMLAB_BENCH_DURATION long (default 2s), reported as medians. The
// gateway sends its x-apimlab-backend header as it does by default;
// APIMLAB_BENCH_NO_DEBUG_HEADERS=1 measures it without (the client in
// the same process pays for parsing the extra header). CPU is the whole
// process's (vegeta, backend and proxy share it), so the ratios compare
// like with like.
func BenchmarkGatewayVsProxy(b *testing.B) {
	phase := 2 * time.Second
	if v := os.Getenv("APIMLAB_BENCH_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("APIMLAB_BENCH_DURATION: %v", err)
		}
		phase = d
	}
	old := debug.SetGCPercent(400) // the tuned proxy's setting, for both
	defer debug.SetGCPercent(old)

	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "hello from the backend\n")
	}))
	defer backend.Close()

	bare := bareProxy(backend.URL)
	bareSrv := httptest.NewServer(bare)
	defer bareSrv.Close()
	defer bare.Transport.(*http.Transport).CloseIdleConnections()

	g, err := New(benchService(backend.URL), Options{NoDebugHeaders: os.Getenv("APIMLAB_BENCH_NO_DEBUG_HEADERS") != ""})
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	gwSrv := httptest.NewServer(g)
	defer gwSrv.Close()

	// Three rounds in ABBA order (bare, gateway, gateway, bare, bare,
	// gateway), medians per contender: one noisy phase or the position in
	// the run cannot decide the ratio.
	var bareMaxes, gwMaxes, bareP99s, gwP99s []result
	for round := range 3 {
		first, second := bareSrv.URL, gwSrv.URL
		if round%2 == 1 {
			first, second = second, first
		}
		for _, u := range []string{first, second} {
			r := attack(b, u+"/api/hello", 0, phase)
			if u == bareSrv.URL {
				bareMaxes = append(bareMaxes, r)
			} else {
				gwMaxes = append(gwMaxes, r)
			}
		}
		for _, u := range []string{first, second} {
			r := attack(b, u+"/api/hello", 2000, phase)
			if u == bareSrv.URL {
				bareP99s = append(bareP99s, r)
			} else {
				gwP99s = append(gwP99s, r)
			}
		}
	}
	bareMax, gwMax := median(bareMaxes), median(gwMaxes)
	bareP99, gwP99 := median(bareP99s), median(gwP99s)

	fmt.Printf("\n%-28s %12s %14s %10s %10s\n", "", "req/s", "CPU µs/req", "p99@2k", "success")
	for _, r := range []struct {
		name    string
		max, lo result
	}{{"bare ReverseProxy (tuned)", bareMax, bareP99}, {"apimlab gateway", gwMax, gwP99}} {
		fmt.Printf("%-28s %12.0f %14.1f %10s %9.2f%%\n", r.name, r.max.rps, r.max.cpuPerReq, r.lo.p99.Round(time.Microsecond), 100*r.max.success)
	}
	fmt.Printf("ratios gateway/bare: throughput %.2f×, CPU per request %.2f×, p99 at 2,000 rps %+v\n",
		gwMax.rps/bareMax.rps, gwMax.cpuPerReq/bareMax.cpuPerReq, (gwP99.p99 - bareP99.p99).Round(time.Microsecond))
	b.ReportMetric(gwMax.rps/bareMax.rps, "throughput-ratio")
	b.ReportMetric(gwMax.cpuPerReq/bareMax.cpuPerReq, "cpu-ratio")
	b.ReportMetric(float64(gwP99.p99-bareP99.p99)/float64(time.Microsecond), "p99-delta-µs")
}

// median returns the per-field medians of rs (throughput, CPU per request,
// p99 and success rate each taken on its own).
func median(rs []result) result {
	pick := func(vals []float64) float64 {
		sort.Float64s(vals)
		return vals[len(vals)/2]
	}
	var rps, cpu, p99, ok []float64
	for _, r := range rs {
		rps, cpu, p99, ok = append(rps, r.rps), append(cpu, r.cpuPerReq), append(p99, float64(r.p99)), append(ok, r.success)
	}
	return result{rps: pick(rps), cpuPerReq: pick(cpu), p99: time.Duration(pick(p99)), success: pick(ok)}
}

// benchService is the benchmark configuration: a global and an API
// policy, set-backend-service to a 2-member weighted pool with breakers.
func benchService(backendURL string) *apim.Service {
	m1, m2 := single("m1", backendURL), single("m2", backendURL)
	m1.CircuitBreaker = countBreaker(1000, time.Minute)
	m2.CircuitBreaker = countBreaker(1000, time.Minute)
	return &apim.Service{
		Policy: doc(apim.ScopeGlobal, `<policies><inbound><set-header name="X-Gateway" exists-action="override"><value>apimlab</value></set-header></inbound>
<backend><forward-request /></backend><outbound /><on-error /></policies>`),
		Backends: []*apim.Backend{m1, m2, poolOf("pool", member("m1", 1, 3), member("m2", 1, 1))},
		APIs:     []*apim.API{apiWith("/api", "", `<set-backend-service backend-id="pool" />`)},
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
}

// attack drives url at freq rps (0: maximum rate) for d.
func attack(b *testing.B, target string, freq int, d time.Duration) result {
	b.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: 10000, DisableCompression: true}
	defer tr.CloseIdleConnections()
	opts := []func(*vegeta.Attacker){vegeta.Client(&http.Client{Transport: tr, Timeout: 10 * time.Second})}
	rate := vegeta.Rate{Freq: freq, Per: time.Second}
	if freq == 0 {
		opts = append(opts, vegeta.Workers(8), vegeta.MaxWorkers(8))
	}
	atk := vegeta.NewAttacker(opts...)
	targeter := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: target})
	var m vegeta.Metrics
	before := cpuTime()
	for res := range atk.Attack(targeter, rate, d, "bench") {
		m.Add(res)
	}
	cpu := cpuTime() - before
	m.Close()
	if m.Requests == 0 {
		b.Fatalf("%s: no requests", target)
	}
	return result{
		rps:       m.Throughput,
		cpuPerReq: float64(cpu) / float64(time.Microsecond) / float64(m.Requests),
		p99:       m.Latencies.P99,
		success:   m.Success,
	}
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
