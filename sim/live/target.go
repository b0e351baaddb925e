package live

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/apimlab/apimlab/gateway"
	"github.com/apimlab/apimlab/sim"
)

// lateStart is how late a shard may start before it is marked late.
const lateStart = time.Second

// checkTarget validates a run against a deployed gateway: it runs on the
// wall clock, and a fault timeline cannot act on real backends.
func checkTarget(sc *sim.Scenario, o *Options) error {
	u, err := url.Parse(o.Target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: --target %q is not an http(s) URL", sim.ErrScenario, o.Target)
	}
	switch o.Clock {
	case "":
		o.Clock = sim.ClockWall
	case sim.ClockWall:
	default:
		return fmt.Errorf("%w: a real deployment runs on the wall clock (--clock wall)", sim.ErrScenario)
	}
	for name, b := range sc.Backends {
		if b != nil && len(b.Faults) > 0 {
			return fmt.Errorf("%w: %s: backends.%s has faults: a fault timeline acts on fake backends, not on a real deployment; remove it or run without --target",
				sim.ErrScenario, sc.At("$.backends."+name+".faults"), name)
		}
	}
	if o.BackendHeader == "" {
		o.BackendHeader = gateway.HeaderBackend
	}
	return nil
}

// setUpTarget prepares a run against a deployed gateway.
func (e *engine) setUpTarget() error {
	e.base = strings.TrimSuffix(e.opts.Target, "/")
	e.client = &http.Client{
		Transport:     &http.Transport{MaxIdleConnsPerHost: 4096, DisableCompression: true},
		Timeout:       5 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	for name, b := range e.sc.Backends {
		if b != nil {
			e.rec.Warn("backends.%s is ignored against a real deployment (fakes only exist in the embedded run)", name)
		}
	}
	e.served = map[string][]uint64{}
	return nil
}

// recordTarget records one response of a deployed gateway: the serving
// backend comes from the response header the user's policy sets
// ("unknown" when it is missing).
func (e *engine) recordTarget(id uint64, res *vegeta.Result) {
	v, ok := e.arrived.LoadAndDelete(id)
	if !ok {
		return
	}
	a := v.(*arrival)
	backend := ""
	if res.Code != 0 {
		backend = res.Headers.Get(e.opts.BackendHeader)
		if backend == "" {
			backend = "unknown"
		}
	}
	lat := time.Duration(float64(res.Latency) * e.opts.Speed)
	if res.Code == 0 || res.Code >= 500 {
		e.errors.Add(1)
	}
	e.rec.Request(sim.RequestRecord{Stream: a.stream, Phase: a.phase, At: a.at, Latency: lat, Status: int(res.Code), Error: clientError(res.Error), Backend: backend})
	if backend != "" {
		e.rec.Attempt(a.at, 0, backend, int(res.Code), lat)
		e.servedMu.Lock()
		sec := int(a.at / time.Second)
		s := e.served[backend]
		for len(s) <= sec {
			s = append(s, 0)
		}
		s[sec]++
		e.served[backend] = s
		e.servedMu.Unlock()
	}
	e.finished(id)
}

// inferTransitions reads breaker state off a deployed gateway's traffic:
// a backend that served before and then serves nothing for at least two
// seconds while others answer is inferred open from the first silent
// second, and closed again when it serves. These transitions are labelled
// inferred: a real gateway's breakers are not observable from outside.
func (e *engine) inferTransitions() {
	e.servedMu.Lock()
	defer e.servedMu.Unlock()
	secs := 0
	for _, s := range e.served {
		secs = max(secs, len(s))
	}
	total := make([]uint64, secs)
	for _, s := range e.served {
		for i, n := range s {
			total[i] += n
		}
	}
	for backend, s := range e.served {
		if backend == "unknown" {
			continue
		}
		at := func(i int) uint64 {
			if i < len(s) {
				return s[i]
			}
			return 0
		}
		open, seen := -1, false
		for i := 0; i < secs; i++ {
			switch {
			case at(i) > 0:
				if open >= 0 {
					e.rec.Transition(sim.Transition{At: sim.Duration(time.Duration(i) * time.Second), Backend: backend, From: sim.StateOpen, To: sim.StateClosed,
						Reason: "inferred-from-traffic", Detail: "serves again (inferred from traffic, not observed)"})
					open = -1
				}
				seen = true
			case seen && open < 0 && total[i] > 0 && i+1 < secs && at(i+1) == 0 && total[i+1] > 0:
				open = i
				e.rec.Transition(sim.Transition{At: sim.Duration(time.Duration(i) * time.Second), Backend: backend, From: sim.StateClosed, To: sim.StateOpen,
					Reason: "inferred-from-traffic", Detail: "serves nothing while others answer (inferred from traffic, not observed)"})
			}
		}
	}
}

// shardInfo is the result's shard description (nil when not sharded).
func (e *engine) shardInfo() *sim.Shard {
	if e.opts.Shard.Count <= 1 {
		return nil
	}
	s := e.opts.Shard
	s.StartAt = e.opts.StartAt
	return &s
}

// waitStart waits for Options.StartAt and returns the instant the load
// starts, marking a late shard.
func (e *engine) waitStart(ctx context.Context) (time.Time, error) {
	now := time.Now()
	if !e.opts.StartAt.IsZero() {
		if wait := time.Until(e.opts.StartAt); wait > 0 {
			t := time.NewTimer(wait)
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done():
				return now, ctx.Err()
			}
			now = time.Now()
		} else if now.Sub(e.opts.StartAt) > lateStart {
			e.rec.Warn("started %s after --start-at: this shard is late", now.Sub(e.opts.StartAt).Round(time.Millisecond))
			e.late = true
		}
	}
	e.began = now
	if e.virtual == nil {
		// Scenario time 0 is now, not when the scaled clock was made.
		z := e.clk.Now()
		e.zeroAt.Store(&z)
		e.rec.Rebase(z)
	}
	e.rec.Started(now, e.late)
	return now, nil
}

var _ = sync.Mutex{}
