package breakermodel

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	ok := Traffic{50, 0.01}
	tests := []struct {
		name string
		c    Condition
		t    Traffic
		ok   bool
	}{
		{"count", Condition{Count: 5, Interval: time.Minute}, ok, true},
		{"percentage", Condition{Percentage: 50, Interval: time.Minute}, ok, true},
		{"neither", Condition{Interval: time.Minute}, ok, false},
		{"both", Condition{Count: 1, Percentage: 1, Interval: time.Minute}, ok, false},
		{"percentage over 100", Condition{Percentage: 101, Interval: time.Minute}, ok, false},
		{"no interval", Condition{Count: 5}, ok, false},
		{"negative trip", Condition{Count: 5, Interval: time.Minute, TripDuration: -1}, ok, false},
		{"negative rps", Condition{Count: 5, Interval: time.Minute}, Traffic{-1, 0.01}, false},
		{"NaN rps", Condition{Count: 5, Interval: time.Minute}, Traffic{math.NaN(), 0.01}, false},
		{"failure rate over 1", Condition{Count: 5, Interval: time.Minute}, Traffic{50, 1.5}, false},
	}
	for _, tt := range tests {
		err := Validate(tt.c, tt.t)
		if got := err == nil; got != tt.ok {
			t.Errorf("%s: Validate = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v does not wrap ErrInvalid", tt.name, err)
		}
		if _, err2 := TripsPerDay(tt.c, tt.t); (err2 == nil) != tt.ok {
			t.Errorf("%s: TripsPerDay error = %v, want ok=%v", tt.name, err2, tt.ok)
		}
	}
}

// TestCountOneIsExact: with count 1 the time to trip is the first failure,
// exponential with mean 1/λ, and the approximation is exact.
func TestCountOneIsExact(t *testing.T) {
	for _, w := range []time.Duration{time.Second, time.Minute, time.Hour} {
		c := Condition{Count: 1, Interval: w}
		got, err := MeanTimeToTrip(c, Traffic{10, 0.01})
		if err != nil {
			t.Fatal(err)
		}
		if want := 10.0; math.Abs(got-want) > 1e-9*want {
			t.Errorf("interval %v: MeanTimeToTrip = %v, want %v", w, got, want)
		}
	}
}

// TestQ2CountTwoIsExact compares Naus's Q2 with the exact probability of no
// two failures within w on [0, 2w]: e^{−2ψ}(1 + 2ψ + ψ²/2).
func TestQ2CountTwoIsExact(t *testing.T) {
	for _, psi := range []float64{0.1, 1, 3} {
		s := newCountScan(psi, 1)
		q2, _ := s.q2q3(2)
		want := math.Exp(-2*psi) * (1 + 2*psi + psi*psi/2)
		if math.Abs(q2-want) > 1e-12 {
			t.Errorf("ψ=%v: Q2 = %v, want %v", psi, q2, want)
		}
	}
}

func TestTripsPerDay(t *testing.T) {
	base := Traffic{50, 0.01}
	tests := []struct {
		name     string
		c        Condition
		t        Traffic
		min, max float64
	}{
		// The Learn example: 3 failures in a day at 0.5 failures/s trips
		// within seconds of every reset, so the trip duration bounds it.
		{"learn example", Condition{Count: 3, Interval: Day, TripDuration: time.Hour}, base, 23.9, 24},
		{"no failures", Condition{Count: 1, Interval: time.Minute}, Traffic{50, 0}, 0, 0},
		{"no traffic", Condition{Percentage: 50, Interval: time.Minute}, Traffic{0, 0.01}, 0, 0},
		{"healthy percentage", Condition{Percentage: 50, Interval: time.Minute, TripDuration: time.Minute}, base, 0, 1e-9},
		{"healthy count", Condition{Count: 100, Interval: time.Minute, TripDuration: time.Minute}, base, 0, 1e-9},
		{"huge window", Condition{Percentage: 50, Interval: Day, TripDuration: time.Minute}, Traffic{1000, 0.01}, 0, 1e-9},
		{"always failing", Condition{Percentage: 50, Interval: time.Minute, TripDuration: time.Minute}, Traffic{50, 1}, 1430, 1440},
		{"percentage 100 all failing", Condition{Percentage: 100, Interval: time.Minute, TripDuration: time.Minute}, Traffic{50, 1}, 1430, 1440},
		{"percentage 100 normal", Condition{Percentage: 100, Interval: time.Minute, TripDuration: time.Minute}, base, 0, 1e-9},
	}
	for _, tt := range tests {
		got, err := TripsPerDay(tt.c, tt.t)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got < tt.min || got > tt.max || math.IsNaN(got) {
			t.Errorf("%s: TripsPerDay = %v, want in [%v, %v]", tt.name, got, tt.min, tt.max)
		}
	}
}

// TestMonotone: more failures never mean fewer trips; a higher threshold
// never means more.
func TestMonotone(t *testing.T) {
	prev := -1.0
	for _, p := range []float64{0.001, 0.005, 0.01, 0.02, 0.05, 0.1} {
		got, err := TripsPerDay(Condition{Count: 10, Interval: time.Minute, TripDuration: time.Minute}, Traffic{20, p})
		if err != nil {
			t.Fatal(err)
		}
		if got < prev {
			t.Errorf("failure rate %v: %v trips/day < %v at a lower rate", p, got, prev)
		}
		prev = got
	}
	prev = math.Inf(1)
	for _, k := range []int{1, 2, 3, 5, 8, 13, 21, 34} {
		got, err := TripsPerDay(Condition{Count: k, Interval: time.Minute, TripDuration: time.Minute}, Traffic{20, 0.01})
		if err != nil {
			t.Fatal(err)
		}
		if got > prev {
			t.Errorf("count %d: %v trips/day > %v at a lower count", k, got, prev)
		}
		prev = got
	}
	prev = math.Inf(1)
	for _, pct := range []int{1, 5, 10, 20, 50} {
		got, err := TripsPerDay(Condition{Percentage: pct, Interval: 10 * time.Second, TripDuration: time.Minute}, Traffic{2, 0.05})
		if err != nil {
			t.Fatal(err)
		}
		if got > prev {
			t.Errorf("percentage %d: %v trips/day > %v at a lower percentage", pct, got, prev)
		}
		prev = got
	}
}

// TestWindowTripProbability checks the fixed-window probability against
// hand-computed Poisson and thinned-binomial tails.
func TestWindowTripProbability(t *testing.T) {
	// Count 2 with ψ = 1: 1 − e⁻¹(1 + 1).
	got, err := WindowTripProbability(Condition{Count: 2, Interval: time.Second}, Traffic{100, 0.01})
	if err != nil {
		t.Fatal(err)
	}
	if want := 1 - 2*math.Exp(-1); math.Abs(got-want) > 1e-12 {
		t.Errorf("count: got %v, want %v", got, want)
	}
	// Percentage 100 with min 1: all requests in the window fail and there
	// is at least one: Σ_{n≥1} Pois(n;μ)·pⁿ = e^{−μ}(e^{μp} − 1).
	mu, p := 3.0, 0.5
	got, err = WindowTripProbability(Condition{Percentage: 100, MinRequests: 1, Interval: time.Second}, Traffic{mu, p})
	if err != nil {
		t.Fatal(err)
	}
	if want := math.Exp(-mu) * (math.Exp(mu*p) - 1); math.Abs(got-want) > 1e-12 {
		t.Errorf("percentage: got %v, want %v", got, want)
	}
}

func TestSuccessGroupsBounded(t *testing.T) {
	gs := successGroups(Condition{Percentage: 50, Interval: time.Minute}, Traffic{50, 0.4}, 1<<30)
	if len(gs) > maxGroups {
		t.Errorf("%d groups > %d", len(gs), maxGroups)
	}
	total := 0.0
	for _, g := range gs {
		total += g.mass
	}
	if math.Abs(total-1) > 1e-6 {
		t.Errorf("group mass sums to %v, want 1", total)
	}
}

func BenchmarkTripsPerDay(b *testing.B) {
	for _, c := range []Condition{
		{Percentage: 50, Interval: time.Minute, TripDuration: time.Minute},
		{Percentage: 2, Interval: time.Minute, TripDuration: time.Minute},
		{Count: 50, Interval: time.Minute, TripDuration: time.Minute},
	} {
		b.Run(fmt.Sprintf("%d/%d", c.Count, c.Percentage), func(b *testing.B) {
			for b.Loop() {
				if _, err := TripsPerDay(c, Traffic{50, 0.01}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
