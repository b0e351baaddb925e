package model

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/lint/breakermodel"
)

func TestParseSweep(t *testing.T) {
	tests := []struct {
		in      string
		path    string
		values  []float64
		wantErr bool
	}{
		{"backends.east.faults[0].rate=0:0.2:0.05", "backends.east.faults[0].rate", []float64{0, 0.05, 0.1, 0.15, 0.2}, false},
		{"load[0].phases[1].rate=100:400:100", "load[0].phases[1].rate", []float64{100, 200, 300, 400}, false},
		{"x=0.1:0.3:0.1", "x", []float64{0.1, 0.2, 0.3}, false},
		{"x=1,5,2", "x", []float64{1, 5, 2}, false},
		{"x=0:1:0", "", nil, true},
		{"x=2:1:1", "", nil, true},
		{"=1", "", nil, true},
		{"x=a:b:c", "", nil, true},
		{"x=0:1:0.0001", "", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseSweep(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseSweep(%q) err = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if tt.wantErr {
			continue
		}
		if got.Path != tt.path || len(got.Values) != len(tt.values) {
			t.Errorf("ParseSweep(%q) = %+v", tt.in, got)
			continue
		}
		for i := range tt.values {
			if got.Values[i] != tt.values[i] {
				t.Errorf("ParseSweep(%q) values = %v, want %v", tt.in, got.Values, tt.values)
				break
			}
		}
	}
}

func TestSetField(t *testing.T) {
	sc := scenario(t, `
backends:
  East:
    faults:
      - {kind: status, code: 503}
load:
  - name: orders
    path: /api/x
    phases:
      - {name: base, duration: 10s, rate: 10}
      - {name: peak, duration: 10s, ramp: {from: 10, to: 30}}
`)
	for _, c := range []struct {
		path string
		v    float64
		get  func() float64
	}{
		{"backends.east.faults[0].rate", 0.25, func() float64 { return *sc.Backends["East"].Faults[0].Rate }},
		{"backends.East.faults[0].code", 500, func() float64 { return float64(sc.Backends["East"].Faults[0].Code) }},
		{"backends.east.faults[0].from", 3, func() float64 { return sc.Backends["East"].Faults[0].From.D().Seconds() }},
		{"load[0].phases[0].rate", 42, func() float64 { return *sc.Load[0].Phases[0].Rate }},
		{"load[orders].phases[peak].ramp.to", 99, func() float64 { return sc.Load[0].Phases[1].Ramp.To }},
		{"backends.east.latency.value", 0.02, func() float64 { return sc.Backends["East"].Latency.Value.D().Seconds() }},
	} {
		if err := SetField(sc, c.path, c.v); err != nil {
			t.Errorf("SetField(%s): %v", c.path, err)
			continue
		}
		if got := c.get(); math.Abs(got-c.v) > 1e-9 {
			t.Errorf("after SetField(%s, %g): %g", c.path, c.v, got)
		}
	}
	for _, bad := range []string{"backends.west.faults[0].rate", "backends.east.faults[3].rate", "load[0].nope", "name", "load[0].phases[zz].rate"} {
		if err := SetField(sc, bad, 1); err == nil {
			t.Errorf("SetField(%s) = nil, want an error", bad)
		}
	}
}

// sweepBreaker is a count breaker that trips often enough at a few
// percent of failures to measure in two simulated hours: 5 failures in
// 10 s, open 10 s.
const sweepBreaker = `"failureCondition": {"count": 5, "interval": "PT10S", "statusCodeRanges": [{"min": 500, "max": 599}]}, "tripDuration": "PT10S"`

// TestSweepMonotonic sweeps a fault rate over a count breaker: trips/day
// never decreases, and the point at 4 % agrees with the analytical
// sliding-window model (lint/breakermodel, Naus's scan-statistic
// approximation, itself checked against a brute-force Monte-Carlo in its
// tests) computed independently from the same rule and traffic.
func TestSweepMonotonic(t *testing.T) {
	svc := cfg{singles: []backendDef{{name: "b1", breaker: sweepBreaker}}, serviceURL: "https://b1.example.test/api"}.service(t)
	sc := scenario(t, `
seed: 3
backends:
  b1:
    faults:
      - {kind: status, code: 503, rate: 0}
load:
  - path: /api/x
    phases:
      - {name: p, duration: 2h, rate: 10, arrivals: poisson}
`)
	spec, err := ParseSweep("backends.b1.faults[0].rate=0:0.08:0.02")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Sweep(t.Context(), svc, sc, spec, SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Points) != 5 || res.Backend != "b1" {
		t.Fatalf("sweep = %+v", res)
	}
	if res.Points[0].TripsPerDay != 0 || res.Points[0].ClientErrorRate != 0 {
		t.Errorf("no faults: %+v, want no trips and no errors", res.Points[0])
	}
	for i := 1; i < len(res.Points); i++ {
		a, b := res.Points[i-1], res.Points[i]
		if b.TripsPerDay < a.TripsPerDay || b.ClientErrorRate < a.ClientErrorRate || b.OpenMinutesPerDay < a.OpenMinutesPerDay {
			t.Errorf("not monotonic between %g and %g: %+v then %+v", a.Value, b.Value, a, b)
		}
	}
	want, err := breakermodel.TripsPerDay(
		breakermodel.Condition{Count: 5, Interval: 10 * time.Second, TripDuration: 10 * time.Second},
		breakermodel.Traffic{RPS: 10, FailureRate: 0.04})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Points[2].TripsPerDay
	t.Logf("trips/day at 4%%: simulated %.0f, analytical %.0f", got, want)
	if math.Abs(got-want)/want > 0.15 {
		t.Errorf("trips/day at 4%% = %.0f, analytical model says %.0f (±15%%)", got, want)
	}

	var csvOut, jsonOut bytes.Buffer
	if err := res.WriteCSV(&csvOut); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(csvOut.String()), "\n")
	if len(lines) != 6 || lines[0] != "value,trips_per_day,open_minutes_per_day,client_error_rate,moved_share,requests" {
		t.Errorf("CSV = %q", csvOut.String())
	}
	if err := res.WriteJSON(&jsonOut); err != nil {
		t.Fatal(err)
	}
	var back SweepResult
	if err := json.Unmarshal(jsonOut.Bytes(), &back); err != nil || len(back.Points) != 5 || back.Points[2] != res.Points[2] {
		t.Errorf("JSON round trip: %v %+v", err, back)
	}
}

// TestSweepMovedShare: east's outage share moves to the priority 2
// member; the share moved grows with the outage's rate.
func TestSweepMovedShare(t *testing.T) {
	count3 := `"failureCondition": {"count": 3, "interval": "PT10S", "statusCodeRanges": [{"min": 500, "max": 599}]}, "tripDuration": "PT30S"`
	svc := cfg{
		singles:   []backendDef{{name: "east", breaker: count3}, {name: "west", breaker: count3}},
		pools:     map[string]string{"p": `[{"id": "/backends/east", "priority": 1}, {"id": "/backends/west", "priority": 2}]`},
		policyXML: retryPolicy,
	}.service(t)
	sc := scenario(t, `
backends:
  east:
    faults:
      - {kind: status, code: 503, rate: 0}
load:
  - path: /api/x
    phases:
      - {name: p, duration: 10m, rate: 10, arrivals: poisson}
`)
	res, err := Sweep(t.Context(), svc, sc, SweepSpec{Path: "backends.east.faults[0].rate", Values: []float64{0, 1}}, SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Points[0].MovedShare != 0 {
		t.Errorf("healthy east: moved %g, want 0", res.Points[0].MovedShare)
	}
	// East always fails: it serves only the first three requests' first
	// attempts before tripping, then a failed trial every 30 s (20 in 10
	// min); everything else goes to west. The share moved is 1 minus
	// east's responses (the requests whose retry also went to east).
	if m := res.Points[1].MovedShare; m < 0.97 {
		t.Errorf("east down: moved %g, want almost everything", m)
	}
}

// TestSummarize derives a sweep line by hand from the timeline of
// TestSingleBackendTimeline's first case: b1 opens at 10.4 s, resets at
// 40.4 s (the default model), five more failures re-open it at 40.8 s
// until the end (60 s). Two trips in 60 s are 2880 a day; open 30 s +
// 19.2 s of every 60 s is 1180.8 min a day; 500 of 600 requests got a 503.
func TestSummarize(t *testing.T) {
	svc := cfg{singles: []backendDef{{name: "b1", breaker: count5}}, serviceURL: "https://b1.example.test/api"}.service(t)
	sc := scenario(t, `
backends:
  b1:
    faults:
      - {from: 10s, kind: status, code: 503}
load:
  - path: /api/x
    phases:
      - {name: p, duration: 60s, rate: 10}
`)
	p := Summarize(run(t, svc, sc, Options{}), "b1")
	if !nearF(p.TripsPerDay, 2880, 1e-6) || !nearF(p.OpenMinutesPerDay, 1180.8, 1e-3) || !nearF(p.ClientErrorRate, 500.0/600, 1e-9) || p.Requests != 600 {
		t.Errorf("Summarize = %+v, want 2880 trips/day, 1180.8 open min/day, error rate 0.833, 600 requests", p)
	}
	if q := Summarize(run(t, svc, sc, Options{}), "other"); q.TripsPerDay != 0 || q.OpenMinutesPerDay != 0 {
		t.Errorf("another backend's line = %+v, want no trips", q)
	}
}
