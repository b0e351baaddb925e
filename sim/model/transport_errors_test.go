package model

import (
	"testing"

	"github.com/apimlab/apimlab/sim"
)

// TestTransportErrorsSetting holds the live engine's expectations for the
// same scenario (sim/live TestTransportErrorsSetting): the Azure OpenAI
// throttling rule against 10 s of connection resets at 10 requests per
// second trips once under always and never under listed, where a 429
// still trips it.
func TestTransportErrorsSetting(t *testing.T) {
	count1 := `"failureCondition": {"count": 1, "interval": "PT1M", "statusCodeRanges": [{"min": 429, "max": 429}]}, "tripDuration": "PT1M", "acceptRetryAfter": true`
	svc := cfg{singles: []backendDef{{name: "b1", breaker: count1}}, serviceURL: "https://b1.example.test/api"}.service(t)
	for _, tc := range []struct {
		name, gateway, fault string
		want                 string
		status500, status503 uint64
		trips                int
	}{
		{"always (default)", "", "reset", "always", 1, 99, 1},
		{"listed", "gateway: {transportErrors: listed}\n", "reset", "listed", 100, 0, 0},
		{"listed: a 429 still trips it", "gateway: {transportErrors: listed}\n", "status, code: 429", "listed", 0, 99, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := scenario(t, tc.gateway+`backends:
  b1:
    faults: [{kind: `+tc.fault+`}]
load:
  - path: /api/x
    phases:
      - {name: p, duration: 10s, rate: 10}
`)
			res := run(t, svc, sc, Options{})
			if res.Run.TransportErrors != tc.want {
				t.Errorf("run info transportErrors %q, want %q", res.Run.TransportErrors, tc.want)
			}
			p, _ := res.Phase("p")
			if status(res, "p", "500") != tc.status500 || status(res, "p", "503") != tc.status503 {
				t.Errorf("status %v, want %d × 500 and %d × 503", p.Status, tc.status500, tc.status503)
			}
			trips := 0
			for _, tr := range transitions(res, "b1", 0) {
				if tr.To == sim.StateOpen {
					trips++
				}
			}
			if trips != tc.trips {
				t.Errorf("%d trips, want %d", trips, tc.trips)
			}
		})
	}
}
