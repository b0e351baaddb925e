package live

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/sim"
)

// BenchmarkWallClock2000 runs the wall-clock load test: 2,000
// requests per second for 10 s through the gateway to a fake backend, with
// gateway, fakes and vegeta in one process. It reports the share of the
// requested rate achieved ("achieved", the figure that must stay >= 0.97)
// and, as the same-run baseline, the share vegeta achieves against a bare
// httptest server with no gateway in between ("baseline"). Run with
// -benchtime 1x: `make bench` does.
func BenchmarkWallClock2000(b *testing.B) {
	const rate, secs = 2000, 10
	src := fmt.Sprintf(`name: wall-2000
config: testdata/faults.json
load:
  - path: /things/x
    phases:
      - {name: load, duration: %ds, rate: %d}
`, secs, rate)
	sc, err := sim.Parse("bench.yaml", []byte(src))
	if err != nil {
		b.Fatal(err)
	}
	svc, err := load.Load(sc.ConfigPaths(), load.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		base := baselineAchieved(b, rate, secs)
		res, err := Run(context.Background(), svc, sc, Options{Clock: sim.ClockWall})
		if err != nil {
			b.Fatal(err)
		}
		p := res.Phases[0]
		b.ReportMetric(float64(p.Requests)/p.Requested, "achieved")
		b.ReportMetric(base, "baseline")
		b.ReportMetric(p.P99.D().Seconds()*1000, "p99-ms")
		b.ReportMetric(float64(p.Requests-p.Status["200"]), "non-200")
	}
}

// baselineAchieved is the share of rate vegeta reaches against a bare
// local server for secs seconds.
func baselineAchieved(b *testing.B, rate, secs int) float64 {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"backend":"bare"}`))
	}))
	defer srv.Close()
	atk := vegeta.NewAttacker(vegeta.MaxWorkers(DefaultMaxWorkers))
	tr := vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: srv.URL + "/things/x"})
	n := 0
	for range atk.Attack(tr, vegeta.Rate{Freq: rate, Per: time.Second}, time.Duration(secs)*time.Second, "baseline") {
		n++
	}
	return float64(n) / float64(rate*secs)
}
