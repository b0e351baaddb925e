package impact

import (
	"testing"
	"time"

	"github.com/apimlab/apimlab/sim"
)

// TestRecovery: the time from a fault's end until the breaker is closed on
// every instance, with the transitions written out by hand.
func TestRecovery(t *testing.T) {
	s := func(d time.Duration) sim.Duration { return sim.Duration(d * time.Second) }
	tr := func(at time.Duration, inst int, to string) sim.Transition {
		return sim.Transition{At: s(at), Instance: inst, Backend: "b", To: to}
	}
	const fault = 60 // the fault ends at 60 s
	tests := []struct {
		name string
		ts   []sim.Transition
		want sim.Duration
	}{
		{"closes 10 s after the fault", []sim.Transition{tr(31, 0, sim.StateOpen), tr(70, 0, sim.StateClosed)}, s(10)},
		{"through half-open", []sim.Transition{tr(31, 0, sim.StateOpen), tr(70, 0, sim.StateHalfOpen), tr(71, 0, sim.StateClosed)}, s(11)},
		// The reset model closed it during the fault and no failure
		// followed: traffic flowed when the fault ended (was -1).
		{"already closed when the fault ended", []sim.Transition{tr(31, 0, sim.StateOpen), tr(50, 0, sim.StateClosed)}, 0},
		{"later reopening by another fault ignored", []sim.Transition{tr(31, 0, sim.StateOpen), tr(65, 0, sim.StateClosed), tr(80, 0, sim.StateOpen)}, s(5)},
		{"every instance counts", []sim.Transition{tr(31, 0, sim.StateOpen), tr(32, 1, sim.StateOpen), tr(62, 0, sim.StateClosed), tr(75, 1, sim.StateClosed)}, s(15)},
		// Opened only after the fault ended (by a later fault): closed at
		// the fault's end, so 0 (was -60 s: the fault's end subtracted
		// from nothing).
		{"opens only after the fault", []sim.Transition{tr(70, 0, sim.StateOpen), tr(90, 0, sim.StateClosed)}, 0},
		{"never closes", []sim.Transition{tr(31, 0, sim.StateOpen)}, -1},
		{"another backend ignored", []sim.Transition{tr(31, 0, sim.StateOpen), {At: s(61), Backend: "other", To: sim.StateClosed}, tr(90, 0, sim.StateClosed)}, s(30)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := recovery(&sim.Result{Transitions: tt.ts}, "b", s(fault)); got != tt.want {
				t.Errorf("recovery = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestFirstFault: failover is measured from the first fault that fails
// requests, not from an earlier latency fault.
func TestFirstFault(t *testing.T) {
	src := "name: f\nconfig: c.json\nload:\n  - path: /a\n    phases:\n      - {name: p, duration: 120s, rate: 1}\n" +
		"backends:\n  b:\n    faults:\n      - {kind: latency, add: 50ms, from: 0s, to: 100s}\n      - {kind: status, code: 200, from: 10s, to: 20s}\n      - {kind: status, code: 503, from: 30s, to: 60s}\n" +
		"  slow:\n    faults:\n      - {kind: latency, add: 5s, from: 40s}\n"
	sc, err := sim.Parse("f.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if from, to, ok := firstFault(sc, "b"); !ok || from.D() != 30*time.Second || to.D() != 60*time.Second {
		t.Errorf("b: first failing fault %v–%v (%v), want the 503s at 30–60 s", from, to, ok)
	}
	// Only latency: the first fault of any kind, to the scenario's end.
	if from, to, ok := firstFault(sc, "slow"); !ok || from.D() != 40*time.Second || to.D() != 120*time.Second {
		t.Errorf("slow: %v–%v (%v), want 40–120 s", from, to, ok)
	}
	if _, _, ok := firstFault(sc, "none"); ok {
		t.Error("a backend without faults has a fault")
	}
}
