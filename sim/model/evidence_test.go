package model

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/lint/breakermodel"
)

// TestEvidenceDeterministic: every request fails (Poisson arrivals at 50
// rps), so the breaker trips on its count of 5, stays open its minute and
// then:
//   - reset (the default): closes with fresh counters; the next 5 arrivals
//     (mean 5/50 s) fail and trip it again: 86400 / (60 + 5/50) = 1437.6
//     trips a day;
//   - half-open: the first arrival (mean 1/50 s) is the trial, fails and
//     re-opens it: 86400 / (60 + 1/50) = 1439.5 trips a day.
//
// The breaker is open all but the closed gap of each cycle. Over a day the
// gaps' randomness averages out to well under 0.1 %, which tells the
// two models apart.
func TestEvidenceDeterministic(t *testing.T) {
	br := `"failureCondition": {"count": 5, "interval": "PT1M", "statusCodeRanges": [{"min": 500, "max": 599}]}, "tripDuration": "PT1M"`
	svc := cfg{singles: []backendDef{{name: "b1", breaker: br}, {name: "plain"}}}.service(t)
	for _, tt := range []struct {
		model  breaker.Model
		closed float64 // mean closed seconds per cycle
	}{{breaker.ModelReset, 5.0 / 50}, {breaker.ModelHalfOpen, 1.0 / 50}} {
		ev, err := BreakerEvidence(t.Context(), svc, "b1", 50, 1, 24*time.Hour, EvidenceOptions{Model: tt.model})
		if err != nil {
			t.Fatal(err)
		}
		wantTrips := 86400 / (60 + tt.closed)
		if math.Abs(ev.TripsPerDay-wantTrips)/wantTrips > 0.0008 {
			t.Errorf("%s: trips/day = %g, want %g", tt.model, ev.TripsPerDay, wantTrips)
		}
		wantOpen := wantTrips * 60 / 60 // minutes
		if math.Abs(ev.OpenMinutesPerDay-wantOpen)/wantOpen > 0.0008 {
			t.Errorf("%s: open min/day = %g, want %g", tt.model, ev.OpenMinutesPerDay, wantOpen)
		}
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
// breaker trips at the 10th (MinRequests) request, and again at the 10th
// after each reset (the default model clears the window): one trip per trip
// duration plus 10/rps.
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
	want := 86400 / (60 + 10.0/50)
	if math.Abs(ev.TripsPerDay-want)/want > 0.01 {
		t.Errorf("trips/day = %g, want %g", ev.TripsPerDay, want)
	}
}

// TestBreakermodelAgainstSimulation checks lint's analytical breaker model
// (lint/breakermodel) against the real breaker under simulated traffic,
// with the claims its documentation makes: count conditions agree within
// a few percent (20 % here: a day of simulation gives a few hundred trips
// at the rates chosen; under the default reset model the window starts
// empty after each trip, as the formula assumes), percentage conditions
// are conservative (the
// formula never says more than the simulation, within 20 %, and at most
// about 3× less).
func TestBreakermodelAgainstSimulation(t *testing.T) {
	tests := []struct {
		count, pct     int
		interval, trip time.Duration
		rps, p         float64
	}{
		{count: 5, interval: time.Minute, trip: time.Minute, rps: 50, p: 0.002},
		{count: 10, interval: time.Minute, trip: 30 * time.Second, rps: 20, p: 0.02},
		{count: 3, interval: 10 * time.Second, trip: 10 * time.Second, rps: 5, p: 0.02},
		{pct: 20, interval: 10 * time.Second, trip: 30 * time.Second, rps: 5, p: 0.08},
		{pct: 10, interval: 30 * time.Second, trip: time.Minute, rps: 2, p: 0.03},
	}
	for _, tt := range tests {
		cond := fmt.Sprintf(`"failureCondition": {"count": %d, "interval": "PT%dS", "statusCodeRanges": [{"min": 500, "max": 599}]}, "tripDuration": "PT%dS"`,
			tt.count, int(tt.interval.Seconds()), int(tt.trip.Seconds()))
		if tt.pct > 0 {
			cond = strings.Replace(cond, fmt.Sprintf(`"count": %d`, tt.count), fmt.Sprintf(`"percentage": %d`, tt.pct), 1)
		}
		name := fmt.Sprintf("count%d-pct%d-%s-%grps-%g", tt.count, tt.pct, tt.interval, tt.rps, tt.p)
		t.Run(name, func(t *testing.T) {
			svc := cfg{singles: []backendDef{{name: "b1", breaker: cond}}}.service(t)
			ev, err := BreakerEvidence(t.Context(), svc, "b1", tt.rps, tt.p, 24*time.Hour, EvidenceOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want, err := breakermodel.TripsPerDay(breakermodel.Condition{Count: tt.count, Percentage: tt.pct, Interval: tt.interval, TripDuration: tt.trip},
				breakermodel.Traffic{RPS: tt.rps, FailureRate: tt.p})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("simulated %.1f trips/day (%d trips), analytical %.1f", ev.TripsPerDay, ev.Trips, want)
			if ev.Trips < 50 {
				t.Fatalf("only %d trips simulated: pick a rate that trips more", ev.Trips)
			}
			if tt.count > 0 {
				if math.Abs(ev.TripsPerDay-want)/ev.TripsPerDay > 0.2 {
					t.Errorf("count: analytical %.1f vs simulated %.1f trips/day, more than 20%% apart", want, ev.TripsPerDay)
				}
				return
			}
			if want > 1.2*ev.TripsPerDay || want < ev.TripsPerDay/3.5 {
				t.Errorf("percentage: analytical %.1f vs simulated %.1f trips/day: not within [simulated/3.5, 1.2×simulated]", want, ev.TripsPerDay)
			}
		})
	}
}

// TestBreakerEvidenceAll: every Single backend with a rule gets evidence
// at its own traffic; backends without a breaker and pools get none.
func TestBreakerEvidenceAll(t *testing.T) {
	br := `"failureCondition": {"count": 5, "interval": "PT1M", "statusCodeRanges": [{"min": 500, "max": 599}]}, "tripDuration": "PT1M"`
	svc := cfg{
		singles: []backendDef{{name: "a", breaker: br}, {name: "b", breaker: br}, {name: "plain"}},
		pools:   map[string]string{"p": `[{"id": "/backends/a"}, {"id": "/backends/b"}]`},
	}.service(t)
	traffic := func(name string) (float64, float64) {
		if name == "a" {
			return 50, 1 // always failing: 86400 / (60 + 5/50) trips a day (see TestEvidenceDeterministic)
		}
		return 50, 0
	}
	got, err := BreakerEvidenceAll(t.Context(), svc, traffic, 24*time.Hour, EvidenceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("evidence for %d backends (%v), want a and b", len(got), got)
	}
	if want := 86400 / (60 + 5.0/50); math.Abs(got["a"].TripsPerDay-want)/want > 0.005 {
		t.Errorf("a: %.1f trips/day, want %.1f", got["a"].TripsPerDay, want)
	}
	if got["b"].Trips != 0 {
		t.Errorf("b: %d trips without failures", got["b"].Trips)
	}
	if s := got["a"].String(); !strings.HasPrefix(s, "simulated: 1438 trips/day, open 1438 min/day") {
		t.Errorf("String() = %q", s)
	}
}
