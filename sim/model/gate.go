package model

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/backends"
	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/sim"
)

// lease is an admitted backend attempt (backends.Lease).
type lease = backends.Lease

// gate is one gateway instance: its own backends.Set (breakers and pool
// rotation are per instance, as Azure does not synchronise them) and the
// route targets resolved in it.
type gate struct {
	set     *backends.Set
	targets []*backends.Backend // by route target id
}

// newGate builds instance inst's backends; transitions go to the recorder.
func newGate(svc *apim.Service, inst int, e *engine, model breaker.Model, transp breaker.TransportErrors) (*gate, []backends.Problem, error) {
	set, probs := backends.New(svc, backends.Options{
		Clock:           e.clk,
		Model:           model,
		TransportErrors: transp,
		MinRequests:     e.sc.Gateway.MinRequests,
		OnTransition: func(ev breaker.Event) {
			t := sim.Transition{
				At: sim.Duration(ev.Time.Sub(e.start)), Instance: inst, Backend: ev.Backend,
				From: ev.From.String(), To: ev.To.String(), Reason: ev.Reason, Detail: ev.Detail,
				Counts:     sim.Counts{Requests: ev.Counts.Requests, Failures: ev.Counts.Failures},
				RetryAfter: sim.Duration(ev.RetryAfter),
			}
			if ev.To == breaker.Open {
				t.OpenFor = sim.Duration(ev.OpenUntil.Sub(ev.Time))
			}
			e.rec.Transition(t)
		},
	})
	g := &gate{set: set}
	for _, name := range e.targets {
		b := set.Lookup(name)
		if b == nil {
			return nil, probs, fmt.Errorf("%w: backend %q cannot run: %v", ErrConfig, name, problemsOf(probs, name))
		}
		g.targets = append(g.targets, b)
	}
	return g, probs, nil
}

// problemsOf lists the problems of one backend.
func problemsOf(probs []backends.Problem, name string) error {
	var errs []error
	for _, p := range probs {
		if p.Backend == name && !p.Kind.IsNote() {
			errs = append(errs, p)
		}
	}
	if len(errs) == 0 {
		return errors.New("it is not in the service")
	}
	return errors.Join(errs...)
}

// acquire admits one attempt to route target tid: the Single backend
// called and its lease, or the gateway's own answer (status and
// LastError reason) when its breaker is open or no pool member is
// available.
func (g *gate) acquire(tid int, key string) (b *backends.Backend, l lease, status int, reason string, ok bool) {
	t := g.targets[tid]
	l, err := t.Acquire(key)
	if err != nil {
		// Acquire returns its *Unavailable as is: a type assertion, not
		// errors.As, keeps the rejection path allocation-free.
		if u, ok := err.(*backends.Unavailable); ok {
			status = u.Status
		} else {
			status = backends.DefaultFailureStatus
		}
		if t.IsPool() {
			return nil, l, status, reasonPoolUnavailable, false
		}
		return nil, l, status, reasonBreakerOpen, false
	}
	return l.Backend(), l, 0, "", true
}

// member is what the engine keeps per Single backend (by Backend.Index):
// its fake and random stream.
type member struct {
	name string
	fake *fake
	rng  *rand.Rand
}
