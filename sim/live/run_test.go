package live

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/sim"
)

func TestRunRefusesWhatItCannotRun(t *testing.T) {
	const head = "name: x\nconfig: testdata/service.json\n"
	const load1 = "load:\n  - path: /things/a\n    phases:\n      - {name: p, duration: 10s, rate: 1}\n"
	tests := []struct {
		name string
		src  string
		opts Options
		want string
	}{
		{"speed on the virtual clock", head + load1, Options{Speed: 2}, "--speed applies to the wall clock"},
		{"unknown clock", head + load1, Options{Clock: "sundial"}, `clock "sundial"`},
		{"fault on a pool", head + load1 + "backends:\n  pair:\n    faults: [{kind: reset}]\n", Options{}, `"pair" is a pool`},
		{"unknown backend", head + load1 + "backends:\n  primry: {latency: 1ms}\n", Options{}, `did you mean "primary"?`},
		{"tls-fail on http", head + load1 + "backends:\n  standby:\n    faults: [{kind: tls-fail}]\n", Options{}, "whose URL is plain http"},
		{"too many requests", head + "load:\n  - path: /things/a\n    phases:\n      - {name: p, duration: 2h, rate: 1000}\n", Options{}, "use --engine model"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := sim.Parse("s.yaml", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			svc, err := load.Load([]string{"testdata/service.json"}, load.Options{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = Run(context.Background(), svc, sc, tt.opts)
			if err == nil || !errors.Is(err, sim.ErrScenario) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run error = %v, want ErrScenario containing %q", err, tt.want)
			}
		})
	}
}

// TestWallClock runs a short, low-rate scenario on the wall clock: vegeta
// paces the requests, faults and breakers run on real (scaled) time.
func TestWallClock(t *testing.T) {
	src := `name: wall
config: testdata/service.json
backends:
  primary:
    faults: [{from: 2s, kind: status, code: 500}]
load:
  - path: /things/a
    phases:
      - {name: ok, duration: 2s, rate: 20}
      - {name: failing, duration: 2s, rate: 20}
expect:
  - breaker: {backend: primary, trips: {min: 1}}
`
	sc, err := sim.Parse("wall.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := load.Load(sc.ConfigPaths(), load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// 4 s of scenario time in 1 s of wall time.
	res, err := Run(context.Background(), svc, sc, Options{Clock: sim.ClockWall, Speed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if res.Run.Clock != sim.ClockWall || res.Run.Speed != 4 {
		t.Errorf("run info %+v", res.Run)
	}
	var sent uint64
	for _, p := range res.Phases {
		sent += p.Requests
	}
	if sent != 80 {
		t.Errorf("sent %d requests, want 80 (20 rps × 4 s)", sent)
	}
	for _, a := range res.Assertions {
		if !a.Passed {
			t.Errorf("%s: expected %s, observed %s", a.Name, a.Expected, a.Observed)
		}
	}
	// No timing window (a busy machine delays wall-clock runs): only
	// causality — the breaker opens after the fault starts, and the standby
	// serves in the failing phase.
	for _, tr := range res.Transitions {
		if tr.To == sim.StateOpen && tr.At.D() < 2*time.Second {
			t.Errorf("primary opened at %s, before its fault started at 2s", tr.At)
		}
	}
	if p, _ := res.Phase("failing"); p.Served["standby"] == 0 {
		t.Errorf("the standby never served after the primary failed: %v", p.Served)
	}
}
