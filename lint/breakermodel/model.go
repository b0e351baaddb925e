// Package breakermodel estimates how often an API Management backend
// circuit breaker trips under normal traffic, so lint can tell a twitchy
// breaker (opens on ordinary background failures) from a sluggish one
// (cannot open at all). It is pure arithmetic: no clock, no randomness.
//
// # Model
//
// Requests arrive as a Poisson process of Traffic.RPS per second; each fails
// independently with probability Traffic.FailureRate. A breaker rule trips
// when, within the sliding window of the last Interval:
//
//   - count condition: failures ≥ Count (Azure's documented example reads
//     "count 3 within P1D" as "three or more");
//   - percentage condition: requests ≥ MinRequests and
//     100·failures ≥ Percentage·requests.
//
// After a trip the circuit stays open for TripDuration, the window starts
// empty again, and requests while open are rejected without being counted.
// That is exactly the breaker's default reset model (Learn: "After the
// configured trip duration, the circuit resets and traffic resumes to the
// backend"). Under the half-open option the trial request re-trips with
// probability FailureRate; that is ignored (it adds at most FailureRate
// trips per trip).
//
// # Approximation
//
// Expected trips per day = 86400 s / (E[time to trip from an empty window]
// + TripDuration). For count conditions the time to trip uses Naus's
// approximation of the Poisson scan statistic (see scan.go): in the rare
// regime this is "windows per day while closed × P(a window trips)" with
// the correction for windows that slide rather than tumble.
//
// For percentage conditions, failures and successes in a window are
// independent Poisson variables (thinning), and given s successes the
// condition is a count condition on failures with threshold
// k(s) = max(⌈Percentage·s / (100−Percentage)⌉, MinRequests − s, 1).
// The trip rate is the average of the count-condition rates 1/E[T_k(s)]
// over the distribution of s (successes change on the scale of one window,
// much faster than rare trips happen, so the breaker sees that average).
//
// Both are checked against a brute-force Monte-Carlo simulation of the
// sliding-window breaker in the package tests. Count conditions agree
// within a few percent. The percentage estimate is conservative: it holds
// s fixed while failures accumulate, but s also wanders during that time
// and the breaker trips at its low points, so the simulation trips up to
// about 3× as often when a window holds tens of requests (≥ ½× at a
// hundred or more). Lint therefore under-reports twitchy percentage
// breakers rather than over-reporting them.
package breakermodel

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/apimlab/apimlab/breaker"
)

// DefaultMinRequests is the number of requests a percentage condition needs
// in its window before it is evaluated, when Condition.MinRequests is 0:
// the breaker's own default, so the model and the gateway agree.
const DefaultMinRequests = breaker.DefaultMinRequests

// Day is the period trip rates are expressed over.
const Day = 24 * time.Hour

// ErrInvalid is wrapped by errors about conditions or traffic the model
// cannot evaluate.
var ErrInvalid = errors.New("breakermodel: invalid input")

// Condition is one circuit breaker rule.
type Condition struct {
	// Count > 0 makes this a count condition: trip at Count failures in
	// Interval. Exactly one of Count and Percentage must be > 0.
	Count int
	// Percentage in 1..100 makes this a percentage condition.
	Percentage int
	// Interval is the sliding window; must be > 0.
	Interval time.Duration
	// TripDuration is how long the circuit stays open; 0 means the model
	// counts only the closed time.
	TripDuration time.Duration
	// MinRequests is the requests a percentage window needs before it is
	// evaluated; 0 means DefaultMinRequests.
	MinRequests int
}

// Traffic is the backend's normal load.
type Traffic struct {
	// RPS is requests per second reaching the backend (≥ 0).
	RPS float64
	// FailureRate is the fraction of requests that fail normally (0..1).
	FailureRate float64
}

// Validate reports whether c and t can be evaluated.
func Validate(c Condition, t Traffic) error {
	switch {
	case (c.Count > 0) == (c.Percentage > 0):
		return fmt.Errorf("%w: need exactly one of count (%d) and percentage (%d)", ErrInvalid, c.Count, c.Percentage)
	case c.Count < 0 || c.Percentage < 0 || c.Percentage > 100:
		return fmt.Errorf("%w: count %d, percentage %d", ErrInvalid, c.Count, c.Percentage)
	case c.Interval <= 0:
		return fmt.Errorf("%w: interval %v must be > 0", ErrInvalid, c.Interval)
	case c.TripDuration < 0 || c.MinRequests < 0:
		return fmt.Errorf("%w: trip duration %v, min requests %d", ErrInvalid, c.TripDuration, c.MinRequests)
	case !(t.RPS >= 0) || math.IsInf(t.RPS, 0):
		return fmt.Errorf("%w: rps %v", ErrInvalid, t.RPS)
	case !(t.FailureRate >= 0 && t.FailureRate <= 1):
		return fmt.Errorf("%w: failure rate %v outside 0..1", ErrInvalid, t.FailureRate)
	}
	return nil
}

func (c Condition) minRequests() int {
	if c.MinRequests > 0 {
		return c.MinRequests
	}
	return DefaultMinRequests
}

// TripsPerDay returns the expected number of times the breaker opens in a
// day of traffic t (see the package doc for the model).
func TripsPerDay(c Condition, t Traffic) (float64, error) {
	mean, err := MeanTimeToTrip(c, t)
	if err != nil {
		return 0, err
	}
	if math.IsInf(mean, 1) {
		return 0, nil
	}
	return Day.Seconds() / (mean + c.TripDuration.Seconds()), nil
}

// MeanTimeToTrip returns the expected seconds the circuit stays closed,
// starting from an empty window, before it trips; +Inf if it never does.
func MeanTimeToTrip(c Condition, t Traffic) (float64, error) {
	if err := Validate(c, t); err != nil {
		return 0, err
	}
	lf := t.RPS * t.FailureRate
	w := c.Interval.Seconds()
	if lf <= 0 {
		return math.Inf(1), nil
	}
	scan := newCountScan(lf, w)
	if c.Count > 0 {
		return scan.meanTimeToTrip(c.Count), nil
	}
	rate := 0.0
	for _, g := range successGroups(c, t, scan.pois.hi+1) {
		if mt := scan.meanTimeToTrip(g.k); !math.IsInf(mt, 1) && mt > 0 {
			rate += g.mass / mt
		}
	}
	if rate <= 0 {
		return math.Inf(1), nil
	}
	return 1 / rate, nil
}

// WindowTripProbability returns the probability that one fixed window of
// length Interval, starting empty, meets the condition at its end. Times
// the windows in a day it is the naive (tumbling-window) trip estimate;
// TripsPerDay corrects it for sliding windows.
func WindowTripProbability(c Condition, t Traffic) (float64, error) {
	if err := Validate(c, t); err != nil {
		return 0, err
	}
	w := c.Interval.Seconds()
	fails := newPoisson(t.RPS * t.FailureRate * w)
	if c.Count > 0 {
		return fails.tail(c.Count), nil
	}
	p := 0.0
	for _, g := range successGroups(c, t, fails.hi+1) {
		p += g.mass * fails.tail(g.k)
	}
	return math.Min(p, 1), nil
}

// ExpectedRequests returns the mean number of requests in one interval.
func ExpectedRequests(c Condition, t Traffic) float64 {
	return t.RPS * c.Interval.Seconds()
}

// group is the probability mass of the success counts s that share the
// failure threshold k(s) of a percentage condition.
type group struct {
	k    int
	mass float64
}

// maxGroups bounds the work per condition: thresholds are merged into at
// most this many groups (the rate varies smoothly with k).
const maxGroups = 256

// successGroups returns, for a percentage condition, the failure thresholds
// k(s) with the probability of the success counts s that lead to them.
// Thresholds that cannot be reached (k(s) = ∞ at 100%) are dropped.
//
// Thresholds above kMax are dropped too: the caller knows failures never
// reach them. Only the success counts that can lead to k ≤ kMax are
// visited, which keeps healthy high-traffic breakers (the common case)
// cheap to evaluate.
func successGroups(c Condition, t Traffic, kMax int) []group {
	mean := t.RPS * (1 - t.FailureRate) * c.Interval.Seconds()
	spread := 10*math.Sqrt(mean) + 10
	lo, hi := int(math.Max(0, math.Floor(mean-spread))), int(math.Ceil(mean+spread))
	m, pct := c.minRequests(), c.Percentage
	if pct < 100 {
		// k(s) ≥ ⌈pct·s/(100−pct)⌉ > kMax once s > kMax·(100−pct)/pct.
		hi = min(hi, kMax*(100-pct)/pct)
	} else {
		hi = min(hi, 0)
	}
	byK := map[int]float64{}
	for s := lo; s <= hi; s++ {
		mass := poissonPMF(s, mean)
		if mass == 0 {
			continue
		}
		var k int
		if pct >= 100 {
			if s > 0 {
				continue
			}
			k = m
		} else {
			d := 100 - pct
			k = (pct*s + d - 1) / d
		}
		k = max(k, m-s, 1)
		if k > kMax {
			continue
		}
		byK[k] += mass
	}
	out := make([]group, 0, len(byK))
	for k, mass := range byK {
		out = append(out, group{k, mass})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].k < out[j].k })
	if len(out) <= maxGroups {
		return out
	}
	// Merge neighbours into maxGroups bins, each represented by its
	// mass-weighted mean threshold.
	per := (len(out) + maxGroups - 1) / maxGroups
	merged := make([]group, 0, maxGroups)
	for i := 0; i < len(out); i += per {
		var mass, km float64
		for _, g := range out[i:min(i+per, len(out))] {
			mass += g.mass
			km += float64(g.k) * g.mass
		}
		if mass > 0 {
			merged = append(merged, group{int(math.Round(km / mass)), mass})
		}
	}
	return merged
}
