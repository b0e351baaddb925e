package model

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/backends"
	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/clock"
)

// ErrNoBreaker is returned by BreakerEvidence for a backend without a
// circuit breaker rule it can run.
var ErrNoBreaker = errors.New("model: backend has no runnable circuit breaker")

// Evidence is what simulated baseline traffic did to one backend's
// breaker: lint adds it to APIM203/204 findings ("simulated: N trips/day,
// open M min/day").
type Evidence struct {
	// Backend is the backend entity.
	Backend string `json:"backend"`
	// RPS and FailureRate are the traffic simulated: Poisson arrivals of
	// RPS per second, each failing independently with FailureRate.
	RPS         float64 `json:"rps"`
	FailureRate float64 `json:"failureRate"`
	// Duration is the simulated time.
	Duration time.Duration `json:"duration"`
	// Trips is the number of transitions to open (half-open trials that
	// fail included).
	Trips int `json:"trips"`
	// TripsPerDay and OpenMinutesPerDay scale Trips and the time spent
	// open to 24 h.
	TripsPerDay       float64 `json:"tripsPerDay"`
	OpenMinutesPerDay float64 `json:"openMinutesPerDay"`
}

// String renders the evidence as lint prints it.
func (e Evidence) String() string { return e.lint().String() }

// EvidenceOptions tune BreakerEvidence; the zero value is the default.
type EvidenceOptions struct {
	// Model is the breaker's recovery model (zero: reset).
	Model breaker.Model
	// MinRequests is the percentage conditions' minimum (0: the default).
	MinRequests int
	// Seed seeds the draws; 0 means 1.
	Seed uint64
	// MaxRequests, when > 0, bounds the requests a percentage condition
	// simulates (it needs every request; a count condition draws only
	// failures and is never shortened): the simulated time is cut to
	// MaxRequests/rps and the per-day figures are scaled from it.
	// Evidence.Duration says how long was simulated. Lint passes about a
	// million to stay well under a second per breaker.
	MaxRequests int
}

// BreakerEvidence runs backend's circuit breaker — the breaker the gateway
// and both engines build, through backends.New, on a virtual clock —
// under d of baseline traffic: Poisson arrivals of rps per second, each a
// failure (a status in the rule's statusCodeRanges, or a connection
// failure when it lists none) with probability failureRate. Every request
// goes through Backend.Acquire and Lease.Done.
//
// For a count condition the requests that succeed while the breaker is
// closed cannot change what it decides (only failures count towards a
// trip), so they are skipped: by Poisson thinning the failures alone
// arrive at rps·failureRate, which is exact and lets a day at 50 rps run
// in milliseconds. Percentage conditions need every request.
func BreakerEvidence(ctx context.Context, svc *apim.Service, backend string, rps, failureRate float64, d time.Duration, o EvidenceOptions) (Evidence, error) {
	ev := Evidence{Backend: backend, RPS: rps, FailureRate: failureRate, Duration: d}
	switch {
	case !(rps > 0) || math.IsInf(rps, 0):
		return ev, fmt.Errorf("model: evidence: rps must be > 0 (got %v)", rps)
	case !(failureRate >= 0 && failureRate <= 1):
		return ev, fmt.Errorf("model: evidence: failure rate must be in 0..1 (got %v)", failureRate)
	case d <= 0:
		return ev, fmt.Errorf("model: evidence: duration must be > 0")
	}
	ent := svc.Backend(backend)
	if ent == nil || ent.IsPool() {
		return ev, fmt.Errorf("%w: %q is not a Single backend of the service", ErrNoBreaker, backend)
	}
	spec, _ := backends.BreakerSpecOf(ent, backends.Options{Model: o.Model, MinRequests: o.MinRequests})
	if spec == nil {
		return ev, fmt.Errorf("%w: %q", ErrNoBreaker, backend)
	}
	fail := breaker.Outcome{Err: errTransport, ErrReason: reasonConnection}
	if r := spec.Settings.StatusRanges; len(r) > 0 {
		fail = breaker.Outcome{StatusCode: r[0][0]}
	}
	ok := breaker.Outcome{StatusCode: 200}

	clk := clock.NewVirtual(DefaultStart)
	var (
		trips     int
		openSince time.Time
		openTotal time.Duration
		isOpen    bool
	)
	set, _ := backends.New(svc, backends.Options{Clock: clk, Model: o.Model, MinRequests: o.MinRequests,
		OnTransition: func(e breaker.Event) {
			if e.Backend != ent.Name {
				return
			}
			if e.To == breaker.Open {
				trips++
				if !isOpen {
					isOpen, openSince = true, e.Time
				}
			} else if isOpen {
				openTotal += e.Time.Sub(openSince)
				isOpen = false
			}
		}})
	b := set.Lookup(ent.Name)
	if b == nil || b.Breaker() == nil {
		return ev, fmt.Errorf("%w: %q", ErrNoBreaker, backend)
	}
	br := b.Breaker()
	seed := o.Seed
	if seed == 0 {
		seed = 1
	}
	rng := rand.New(rand.NewPCG(seed, hashName(backend)))
	thin := spec.Settings.Count > 0
	if !thin && o.MaxRequests > 0 && rps*d.Seconds() > float64(o.MaxRequests) {
		d = time.Duration(float64(o.MaxRequests) / rps * float64(time.Second))
		ev.Duration = d
	}
	end := DefaultStart.Add(d)
	now := DefaultStart
	for n := 0; ; n++ {
		if n&4095 == 0 && ctx.Err() != nil {
			return ev, ctx.Err()
		}
		// The next request: while closed under a count condition, the
		// next failure (thinned process); otherwise the next request,
		// from the end of the open time when the breaker is open
		// (arrivals are memoryless, so restarting there is exact).
		rate := rps
		closedThin := thin && br.State() == breaker.Closed
		if closedThin {
			rate = rps * failureRate
			if rate <= 0 {
				break
			}
		}
		if until := br.OpenUntil(); !until.IsZero() && until.After(now) {
			now = until
		}
		now = now.Add(time.Duration(rng.ExpFloat64() / rate * float64(time.Second)))
		if !now.Before(end) {
			break
		}
		clk.AdvanceTo(now)
		l, err := b.Acquire("")
		if err != nil {
			continue // open (a trial in flight cannot happen: calls are sequential)
		}
		if closedThin || rng.Float64() < failureRate {
			l.Done(fail)
		} else {
			l.Done(ok)
		}
	}
	if isOpen {
		openTotal += end.Sub(openSince)
	}
	days := d.Hours() / 24
	ev.Trips = trips
	ev.TripsPerDay = float64(trips) / days
	ev.OpenMinutesPerDay = openTotal.Minutes() / days
	return ev, nil
}

// BreakerEvidenceAll runs BreakerEvidence for every Single backend of svc
// that has a breaker rule, two at a time (one per core of the project's
// machine), with the traffic traffic returns for it. Backends whose rule
// cannot run are left out. lint --simulate calls it once per service and
// hands each APIM203/204 finding the evidence of its backend.
func BreakerEvidenceAll(ctx context.Context, svc *apim.Service, traffic func(backend string) (rps, failureRate float64), d time.Duration, o EvidenceOptions) (map[string]Evidence, error) {
	var names []string
	for _, b := range svc.Backends {
		if b.IsPool() || b.CircuitBreaker == nil || len(b.CircuitBreaker.Rules) == 0 {
			continue
		}
		names = append(names, b.Name)
	}
	out := make(map[string]Evidence, len(names))
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
		next  = make(chan string)
	)
	for range min(2, len(names)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range next {
				rps, rate := traffic(name)
				ev, err := BreakerEvidence(ctx, svc, name, rps, rate, d, o)
				mu.Lock()
				switch {
				case err == nil:
					out[name] = ev
				case errors.Is(err, ErrNoBreaker):
				case first == nil:
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	for _, n := range names {
		next <- n
	}
	close(next)
	wg.Wait()
	return out, first
}
