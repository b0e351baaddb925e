package model

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/clock"
	"github.com/apimlab/apimlab/internal/cputime"
	"github.com/apimlab/apimlab/pool"
	"github.com/apimlab/apimlab/sim"
)

// benchCfg is the benchmark configuration: a 3-member pool (east
// and west at priority 1, weights 3:1, onprem at priority 2), a count
// breaker on each member, and a retry policy (twice on a 5xx).
func benchCfg() cfg {
	br := `"failureCondition": {"count": 5, "interval": "PT1M", "statusCodeRanges": [{"min": 500, "max": 599}]}, "tripDuration": "PT1M"`
	return cfg{
		singles: []backendDef{{name: "east", breaker: br}, {name: "west", breaker: br}, {name: "onprem", breaker: br}},
		pools: map[string]string{"p": `[{"id": "/backends/east", "priority": 1, "weight": 3},
			{"id": "/backends/west", "priority": 1, "weight": 1}, {"id": "/backends/onprem", "priority": 2}]`},
		policyXML: `<policies><inbound><base /><set-backend-service backend-id="p" /></inbound>
<backend><retry condition="@(context.Response.StatusCode >= 500)" count="2" interval="0" first-fast-retry="true"><forward-request timeout="30" /></retry></backend>
<outbound><base /></outbound><on-error><base /></on-error></policies>`,
	}
}

// benchScenario runs d at 200 rps (Poisson) with 1 % background 503s on
// west, a 2-minute outage of east every simulated hour (so breakers trip,
// reset or go half-open, and fail over), and a few milliseconds of latency.
func benchScenario(t testing.TB, d time.Duration) *sim.Scenario {
	y := `
seed: 42
backends:
  east:
    latency: {distribution: uniform, min: 2ms, max: 8ms}
    faults:
`
	for h := time.Duration(0); h+30*time.Minute+2*time.Minute <= d; h += time.Hour {
		y += "      - {from: " + (h + 30*time.Minute).String() + ", to: " + (h + 32*time.Minute).String() + ", kind: refuse}\n"
	}
	y += `  west:
    latency: 5ms
    faults:
      - {kind: status, code: 503, rate: 0.01}
  onprem:
    latency: 20ms
load:
  - path: /api/orders
    phases:
      - {name: day, duration: ` + strconv.FormatInt(int64(d/time.Second), 10) + `s, rate: 200, arrivals: poisson}
`
	return scenario(t, y)
}

// BenchmarkModel measures the engine per simulated request: one op is one
// client request with its attempts, breaker and pool calls, fault draws
// and recording. The run simulates b.N requests (b.N/200 seconds at 200
// rps), so -benchmem's allocs/op is per request; setup (loading the
// policy, building the sets) is amortised. The budget: ≥ 600k
// simulated requests/s and 0 allocs/op.
func BenchmarkModel(b *testing.B) {
	svc := benchCfg().service(b)
	d := max(time.Duration(float64(b.N)/200*float64(time.Second)), time.Second).Round(time.Second)
	sc := benchScenario(b, d)
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu := time.Now(), cputime.Process()
	res, err := Run(context.Background(), svc, sc, Options{})
	if err != nil {
		b.Fatal(err)
	}
	reportRate(b, res, time.Since(start), cputime.Process()-cpu)
}

// reportRate reports simulated requests per wall second and per CPU
// second of the process: on a busy shared machine the CPU figure is the
// steadier one.
func reportRate(b *testing.B, res *sim.Result, wall, cpu time.Duration) {
	var n uint64
	for _, p := range res.Phases {
		n += p.Requests
	}
	b.ReportMetric(float64(n)/wall.Seconds(), "sim-req/s")
	if cpu > 0 {
		b.ReportMetric(float64(n)/cpu.Seconds(), "sim-req/cpu-s")
	}
}

// BenchmarkModelDay runs the full benchmark once: 24 h at 200 rps
// (17.3 million requests). Run with -benchtime 1x.
func BenchmarkModelDay(b *testing.B) {
	svc := benchCfg().service(b)
	sc := benchScenario(b, 24*time.Hour)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		start, cpu := time.Now(), cputime.Process()
		res, err := Run(context.Background(), svc, sc, Options{})
		if err != nil {
			b.Fatal(err)
		}
		reportRate(b, res, time.Since(start), cputime.Process()-cpu)
		b.ReportMetric(float64(len(res.Transitions)), "transitions")
		// The live heap with the result still referenced: per-second
		// buckets (4 series × 86,400 points with their histograms) are
		// what grows with the simulated duration.
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
		runtime.KeepAlive(res)
	}
}

// BenchmarkBaseline is the same-run baseline for the figures in
// docs/benchmarks.md: the bare shared semantics a simulated request
// cannot avoid (a pool selection over three breakers, one Allow and one
// done), with no events, faults or recording.
func BenchmarkBaseline(b *testing.B) {
	clk := clock.NewVirtual(DefaultStart)
	var ms []pool.Member
	var brs []*breaker.Breaker
	for i, w := range []int{3, 1, 1} {
		br, err := breaker.New(breaker.Settings{Name: strconv.Itoa(i), Count: 5, Interval: time.Minute, TripDuration: time.Minute,
			StatusRanges: [][2]int{{500, 599}}, Now: clk.Now})
		if err != nil {
			b.Fatal(err)
		}
		brs = append(brs, br)
		ms = append(ms, pool.Member{Name: strconv.Itoa(i), Priority: []int{1, 1, 2}[i], Weight: w, Available: br.Ready})
	}
	p, err := pool.New(ms)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu := cputime.Process()
	for i := 0; b.Loop(); i++ {
		clk.Advance(5 * time.Millisecond)
		m, _ := p.Select()
		done, err := brs[m].Allow()
		if err == nil {
			done(breaker.Outcome{StatusCode: 200})
		}
	}
	if c := cputime.Process() - cpu; c > 0 {
		b.ReportMetric(float64(b.N)/c.Seconds(), "ops/cpu-s")
	}
}

// BenchmarkEvidence is lint --simulate's cost per breaker: 24 simulated
// hours at lint's default baseline (50 rps, 1 % failures), for a count
// and a percentage condition.
func BenchmarkEvidence(b *testing.B) {
	count := `"failureCondition": {"count": 5, "interval": "PT1M", "statusCodeRanges": [{"min": 500, "max": 599}]}, "tripDuration": "PT1M"`
	pct := `"failureCondition": {"percentage": 10, "interval": "PT1M", "statusCodeRanges": [{"min": 500, "max": 599}]}, "tripDuration": "PT1M"`
	for _, c := range []struct {
		name, cond string
		max        int
	}{
		{"count", count, 0},
		{"percentage-1M-requests", pct, 1_000_000},
		{"percentage-full-day", pct, 0},
	} {
		b.Run(c.name, func(b *testing.B) {
			svc := cfg{singles: []backendDef{{name: "b1", breaker: c.cond}}}.service(b)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := BreakerEvidence(context.Background(), svc, "b1", 50, 0.01, 24*time.Hour, EvidenceOptions{MaxRequests: c.max}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
