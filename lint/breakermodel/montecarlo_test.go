package breakermodel

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// simulate runs the sliding-window breaker of the package doc on synthetic
// Poisson traffic until it has tripped minTrips times or simulated maxDays,
// and returns the observed trips per day. Requests while open are dropped.
// For count conditions only failures matter, so only failures are drawn.
func simulate(c Condition, t Traffic, rng *rand.Rand, minTrips int, maxDays float64) (tripsPerDay float64, trips int) {
	w := c.Interval.Seconds()
	open := c.TripDuration.Seconds()
	horizon := maxDays * Day.Seconds()
	rate, failP := t.RPS, t.FailureRate
	if c.Count > 0 {
		rate, failP = t.RPS*t.FailureRate, 1
	}
	type event struct {
		at   float64
		fail bool
	}
	var win []event
	head, fails := 0, 0
	now := 0.0
	for trips < minTrips {
		now += rng.ExpFloat64() / rate
		if now > horizon {
			break
		}
		for head < len(win) && win[head].at <= now-w {
			if win[head].fail {
				fails--
			}
			head++
		}
		if head > 4096 && head*2 > len(win) {
			win = append(win[:0], win[head:]...)
			head = 0
		}
		f := failP >= 1 || rng.Float64() < failP
		win = append(win, event{now, f})
		if f {
			fails++
		}
		n := len(win) - head
		var trip bool
		if c.Count > 0 {
			trip = fails >= c.Count
		} else {
			trip = n >= c.minRequests() && 100*fails >= c.Percentage*n
		}
		if trip {
			trips++
			win, head, fails = win[:0], 0, 0
			now += open
		}
	}
	return float64(trips) / (math.Min(now, horizon) / Day.Seconds()), trips
}

// TestTripsPerDayMatchesMonteCarlo checks the analytic approximation against
// the brute-force simulation across regimes: near-certain trips, the rare
// regime where the scan correction matters, and percentage conditions with
// few requests per window (where MinRequests and the success count matter).
func TestTripsPerDayMatchesMonteCarlo(t *testing.T) {
	if testing.Short() {
		t.Skip("Monte-Carlo comparison skipped in -short mode")
	}
	tests := []struct {
		name string
		c    Condition
		tr   Traffic
		// lo and hi bound model/simulation beyond the simulation's own
		// statistical error.
		lo, hi float64
	}{
		{"count/frequent", Condition{Count: 5, Interval: time.Minute, TripDuration: 30 * time.Second}, Traffic{50, 0.01}, 0.9, 1.1},
		{"count/moderate", Condition{Count: 10, Interval: 10 * time.Second, TripDuration: time.Minute}, Traffic{50, 0.01}, 0.9, 1.1},
		{"count/low-traffic", Condition{Count: 3, Interval: time.Minute, TripDuration: time.Minute}, Traffic{1, 0.01}, 0.9, 1.1},
		{"count/large-window", Condition{Count: 20, Interval: time.Minute, TripDuration: time.Minute}, Traffic{20, 0.01}, 0.9, 1.1},
		{"count/rare", Condition{Count: 8, Interval: 10 * time.Second, TripDuration: time.Minute}, Traffic{20, 0.01}, 0.88, 1.12},
		{"count/k1", Condition{Count: 1, Interval: 5 * time.Second, TripDuration: 10 * time.Second}, Traffic{10, 0.01}, 0.92, 1.08},
		{"percentage/small-windows", Condition{Percentage: 20, Interval: 10 * time.Second, TripDuration: time.Minute}, Traffic{2, 0.05}, 1 / 3.5, 1.25},
		{"percentage/min-requests", Condition{Percentage: 10, Interval: 10 * time.Second, TripDuration: 30 * time.Second}, Traffic{1, 0.01}, 1 / 3.5, 1.25},
		{"percentage/high-failure", Condition{Percentage: 50, Interval: time.Minute, TripDuration: time.Minute}, Traffic{0.5, 0.2}, 1 / 3.5, 1.25},
		{"percentage/busy", Condition{Percentage: 5, Interval: 30 * time.Second, TripDuration: time.Minute}, Traffic{5, 0.02}, 1 / 3.5, 1.25},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TripsPerDay(tt.c, tt.tr)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(42, uint64(i)))
			sim, n := simulate(tt.c, tt.tr, rng, 500, 100)
			if n < 100 {
				t.Fatalf("simulation saw only %d trips; choose a busier case", n)
			}
			// 3σ of the simulation's Poisson count, on top of the bounds.
			stat := 3 / math.Sqrt(float64(n))
			ratio := got / sim
			if ratio < tt.lo-stat || ratio > tt.hi+stat {
				t.Errorf("TripsPerDay = %.2f, simulation %.2f (%d trips): ratio %.2f outside [%.2f, %.2f]", got, sim, n, ratio, tt.lo-stat, tt.hi+stat)
			} else {
				t.Logf("TripsPerDay = %.2f, simulation %.2f (%d trips): ratio %.2f", got, sim, n, ratio)
			}
		})
	}
}
