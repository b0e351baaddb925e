package model

import (
	"math"
	"testing"
	"time"
)

// TestEvidenceDeterministic: every request fails, so the breaker trips on
// its count, and then every half-open trial fails and re-opens it: one
// trip per trip duration plus the mean gap to the next request (1/rps),
// 86400 / (60 + 1/50) = 1439.5 trips a day, open all but 1/50 s of each
// cycle.
func TestEvidenceDeterministic(t *testing.T) {
	br := `"failureCondition": {"count": 5, "interval": "PT1M", "statusCodeRanges": [{"min": 500, "max": 599}]}, "tripDuration": "PT1M"`
	svc := cfg{singles: []backendDef{{name: "b1", breaker: br}, {name: "plain"}}}.service(t)
	ev, err := BreakerEvidence(t.Context(), svc, "b1", 50, 1, 24*time.Hour, EvidenceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantTrips := 86400 / (60 + 1.0/50)
	if math.Abs(ev.TripsPerDay-wantTrips)/wantTrips > 0.005 {
		t.Errorf("trips/day = %g, want %g", ev.TripsPerDay, wantTrips)
	}
	wantOpen := wantTrips * 60 / 60 // minutes
	if math.Abs(ev.OpenMinutesPerDay-wantOpen)/wantOpen > 0.005 {
		t.Errorf("open min/day = %g, want %g", ev.OpenMinutesPerDay, wantOpen)
	}
	if _, err := BreakerEvidence(t.Context(), svc, "plain", 50, 0.01, time.Hour, EvidenceOptions{}); err == nil {
		t.Error("a backend without a breaker gave evidence")
	}
	if ev, err := BreakerEvidence(t.Context(), svc, "b1", 50, 0, 24*time.Hour, EvidenceOptions{}); err != nil || ev.Trips != 0 {
		t.Errorf("no failures: %+v, %v; want no trips", ev, err)
	}
}

// TestEvidenceMatchesEngine: the thinned evidence loop and the full engine
// (every request routed, recorded) see the same trip rate for the same
// traffic, within sampling error (about 350 trips each: ±5 % one sigma each; the
// seeds are fixed, so the outcome is reproducible).
func TestEvidenceMatchesEngine(t *testing.T) {
	svc := cfg{singles: []backendDef{{name: "b1", breaker: sweepBreaker}}, serviceURL: "https://b1.example.test/api"}.service(t)
	ev, err := BreakerEvidence(t.Context(), svc, "b1", 10, 0.04, 3*time.Hour, EvidenceOptions{Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	sc := scenario(t, `
seed: 11
backends:
  b1:
    faults:
      - {kind: status, code: 503, rate: 0.04}
load:
  - path: /api/x
    phases:
      - {name: p, duration: 3h, rate: 10, arrivals: poisson}
`)
	p := Summarize(run(t, svc, sc, Options{}), "b1")
	t.Logf("evidence %.0f trips/day, engine %.0f", ev.TripsPerDay, p.TripsPerDay)
	if math.Abs(ev.TripsPerDay-p.TripsPerDay)/p.TripsPerDay > 0.15 {
		t.Errorf("evidence %.0f trips/day, engine %.0f: more than 15%% apart", ev.TripsPerDay, p.TripsPerDay)
	}
	if math.Abs(ev.OpenMinutesPerDay-p.OpenMinutesPerDay)/p.OpenMinutesPerDay > 0.15 {
		t.Errorf("evidence open %.0f min/day, engine %.0f", ev.OpenMinutesPerDay, p.OpenMinutesPerDay)
	}
}

// TestEvidenceMaxRequests: a percentage condition under a request budget
// simulates budget/rps and scales to a day. Every request fails, so the
// breaker trips at the 10th (MinRequests) and then on every trial: one
// trip per trip duration plus 1/rps, as in TestEvidenceDeterministic.
func TestEvidenceMaxRequests(t *testing.T) {
	br := `"failureCondition": {"percentage": 50, "interval": "PT1M", "statusCodeRanges": [{"min": 500, "max": 599}]}, "tripDuration": "PT1M"`
	svc := cfg{singles: []backendDef{{name: "b1", breaker: br}}}.service(t)
	ev, err := BreakerEvidence(t.Context(), svc, "b1", 50, 1, 24*time.Hour, EvidenceOptions{MaxRequests: 360_000})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Duration != 2*time.Hour {
		t.Errorf("simulated %s, want 2h (360,000 requests at 50 rps)", ev.Duration)
	}
	want := 86400 / (60 + 1.0/50)
	if math.Abs(ev.TripsPerDay-want)/want > 0.01 {
		t.Errorf("trips/day = %g, want %g", ev.TripsPerDay, want)
	}
}
