package model

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/backends"
	"github.com/apimlab/apimlab/sim"
	"github.com/apimlab/apimlab/sim/live"
)

// TestAgreementWithLive runs every shipped scenario on both engines (live
// on the virtual clock) and compares them. Tolerances, and why:
//
//   - Breaker transitions: both engines run the same breaker, pool and
//     backend code on the same arrival instants (sim.Arrivals, same seed),
//     so when a scenario's faults are deterministic (every fault at rate
//     1) they must make the same transitions in the same order, each
//     within one breaker bucket (the rule's interval / 60, the window's
//     granularity): what remains are latency draws, which each engine
//     takes from its own random stream, and the live engine's
//     nanosecond-level scheduling. When a fault has a rate below 1 the two
//     engines draw which requests fail from different streams, so single
//     instants cannot agree; the number of times each breaker opens must
//     then agree within 30 % (plus one), the spread of two independent
//     draws of the same process over the short shipped scenarios.
//   - Per-phase traffic shares (each backend's share of the responses)
//     and client error rates agree within 2 points: the issue's
//     tolerance; random faults move a few requests, not the split.
func TestAgreementWithLive(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every shipped scenario on both engines")
	}
	files, err := filepath.Glob("../../fixtures/scenarios/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no shipped scenarios: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			sc, err := sim.Load(f)
			if err != nil {
				t.Fatal(err)
			}
			svc, err := load.Load(sc.ConfigPaths(), load.Options{Parameters: sc.ParameterPaths()})
			if err != nil {
				t.Fatal(err)
			}
			lr, err := live.Run(context.Background(), svc, sc, live.Options{Start: DefaultStart})
			if err != nil {
				t.Fatalf("live: %v", err)
			}
			mr, err := Run(context.Background(), svc, sc, Options{})
			if err != nil {
				t.Fatalf("model: %v", err)
			}
			compareTransitions(t, svc, sc, lr, mr)
			compareShares(t, lr, mr)
		})
	}
}

// deterministic reports whether every fault of sc acts on every request.
func deterministic(sc *sim.Scenario) bool {
	for _, b := range sc.Backends {
		if b == nil {
			continue
		}
		for _, f := range b.Faults {
			if f != nil && f.Share() < 1 {
				return false
			}
		}
	}
	return true
}

func compareTransitions(t *testing.T, svc *apim.Service, sc *sim.Scenario, lr, mr *sim.Result) {
	t.Helper()
	type key struct {
		backend  string
		instance int
	}
	group := func(res *sim.Result) map[key][]sim.Transition {
		out := map[key][]sim.Transition{}
		for _, tr := range res.Transitions {
			k := key{strings.ToLower(tr.Backend), tr.Instance}
			out[k] = append(out[k], tr)
		}
		return out
	}
	lt, mt := group(lr), group(mr)
	keys := map[key]bool{}
	for k := range lt {
		keys[k] = true
	}
	for k := range mt {
		keys[k] = true
	}
	det := deterministic(sc)
	for k := range keys {
		l, m := lt[k], mt[k]
		if !det {
			lo, mo := opensIn(l), opensIn(m)
			if math.Abs(float64(lo-mo)) > 0.3*float64(max(lo, mo))+1 {
				t.Errorf("%s#%d opens %d times live, %d times in the model", k.backend, k.instance, lo, mo)
			}
			continue
		}
		bucket := breakerBucket(svc, k.backend)
		if len(l) != len(m) {
			t.Errorf("%s#%d: %d transitions live, %d in the model", k.backend, k.instance, len(l), len(m))
			continue
		}
		for i := range l {
			d := l[i].At.D() - m[i].At.D()
			if l[i].From != m[i].From || l[i].To != m[i].To || d > bucket || -d > bucket {
				t.Errorf("%s#%d transition %d: live %s→%s at %s, model %s→%s at %s (tolerance %s)",
					k.backend, k.instance, i, l[i].From, l[i].To, l[i].At, m[i].From, m[i].To, m[i].At, bucket)
			}
		}
	}
}

func opensIn(ts []sim.Transition) int {
	n := 0
	for _, tr := range ts {
		if tr.To == sim.StateOpen {
			n++
		}
	}
	return n
}

// breakerBucket is the granularity of backend's breaker window.
func breakerBucket(svc *apim.Service, backend string) time.Duration {
	if b := svc.Backend(backend); b != nil {
		if spec, _ := backends.BreakerSpecOf(b, backends.Options{}); spec != nil {
			return spec.Settings.Interval / 60
		}
	}
	return time.Second
}

func compareShares(t *testing.T, lr, mr *sim.Result) {
	t.Helper()
	if len(lr.Phases) != len(mr.Phases) {
		t.Fatalf("%d phases live, %d in the model", len(lr.Phases), len(mr.Phases))
	}
	for i := range lr.Phases {
		lp, mp := lr.Phases[i], mr.Phases[i]
		if lp.Requests == 0 || mp.Requests == 0 {
			continue
		}
		names := map[string]bool{}
		for b := range lp.Served {
			names[b] = true
		}
		for b := range mp.Served {
			names[b] = true
		}
		for b := range names {
			ls := float64(lp.Served[b]) / float64(lp.Requests)
			ms := float64(mp.Served[b]) / float64(mp.Requests)
			if math.Abs(ls-ms) > 0.02 {
				t.Errorf("%s/%s: %s served %.1f%% live, %.1f%% in the model", lp.Stream, lp.Name, b, 100*ls, 100*ms)
			}
		}
		if math.Abs(lp.ErrorRate-mp.ErrorRate) > 0.02 {
			t.Errorf("%s/%s: client error rate %.1f%% live, %.1f%% in the model", lp.Stream, lp.Name, 100*lp.ErrorRate, 100*mp.ErrorRate)
		}
	}
}
