package live

import (
	"context"
	"testing"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/sim"
)

// TestTransportErrorsSetting runs the Azure OpenAI throttling rule (one
// 429 trips it for a minute) against a backend that resets every
// connection for 10 s at 10 requests per second. With transport errors
// counted always (the default) the first reset opens the breaker and the
// other 99 requests get the gateway's 503; with listed, from the scenario
// or from the --transport-errors override, none does and every request
// gets the reset's 500. A 429 still trips it under listed. The model
// engine's TestTransportErrorsSetting holds the same expectations.
func TestTransportErrorsSetting(t *testing.T) {
	listed := breaker.TransportListed
	for _, tc := range []struct {
		name, gateway, fault string
		override             *breaker.TransportErrors
		want                 string // RunInfo.TransportErrors
		status500, status503 uint64
		trips                int
	}{
		{"always (default)", "", "reset", nil, "always", 1, 99, 1},
		{"listed in the scenario", "gateway: {transportErrors: listed}\n", "reset", nil, "listed", 100, 0, 0},
		{"listed by the override", "", "reset", &listed, "listed", 100, 0, 0},
		{"listed: a 429 still trips it", "gateway: {transportErrors: listed}\n", "status, code: 429", nil, "listed", 0, 99, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := sim.Parse("throttle.yaml", []byte(`name: throttle
config: testdata/throttle.json
`+tc.gateway+`backends:
  aoai:
    faults: [{kind: `+tc.fault+`}]
load:
  - path: /things/x
    phases:
      - {name: p, duration: 10s, rate: 10}
`))
			if err != nil {
				t.Fatal(err)
			}
			svc, err := load.Load(sc.ConfigPaths(), load.Options{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := Run(context.Background(), svc, sc, Options{TransportErrors: tc.override})
			if err != nil {
				t.Fatal(err)
			}
			if res.Run.TransportErrors != tc.want {
				t.Errorf("run info transportErrors %q, want %q", res.Run.TransportErrors, tc.want)
			}
			p := &res.Phases[0]
			if p.Status["500"] != tc.status500 || p.Status["503"] != tc.status503 {
				t.Errorf("status %v, want %d × 500 and %d × 503", p.Status, tc.status500, tc.status503)
			}
			trips := 0
			for _, tr := range res.Transitions {
				if tr.To == sim.StateOpen {
					trips++
				}
			}
			if trips != tc.trips {
				t.Errorf("%d trips (%+v), want %d", trips, res.Transitions, tc.trips)
			}
		})
	}
}
