package sim

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestMergeEqualsWhole records one run's requests once whole and once split
// over three shard recorders; the merged shards equal the whole.
func TestMergeEqualsWhole(t *testing.T) {
	src := "name: m\nconfig: c.json\nload:\n  - path: /a\n    phases:\n      - {name: p, duration: 10s, rate: 30}\n      - {name: q, duration: 5s, rate: 30}\n" +
		"expect:\n  - latency: {phase: p, p99: 80ms}\n  - clients: {phase: q, errorRate: {max: 0.2}}\n  - rate: {phase: p, achieved: 0.97}\n"
	sc, err := Parse("m.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	backends := []BackendInfo{{Name: "a", Kind: "Single"}, {Name: "b", Kind: "Single"}, {Name: "pool", Kind: "Pool", Members: []MemberInfo{{Backend: "a", Priority: 1, Weight: 1}, {Backend: "b", Priority: 1, Weight: 1}}}}
	whole := NewRecorder(sc, RecorderOptions{Backends: backends})
	const n = 3
	shards := make([]*Recorder, n)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range shards {
		shards[i] = NewRecorder(sc, RecorderOptions{Backends: backends, Run: RunInfo{Engine: "live", Clock: ClockWall, Shard: &Shard{Index: i, Count: n, StartedAt: start.Add(time.Duration(i) * 40 * time.Millisecond)}}})
	}
	rng := rand.New(rand.NewPCG(9, 9))
	for k := range 450 {
		phase := 0
		at := time.Duration(k) * time.Second / 30
		if at >= 10*time.Second {
			phase = 1
		}
		q := RequestRecord{Phase: phase, At: at, Latency: time.Duration(rng.IntN(100)) * time.Millisecond, Status: 200, Backend: []string{"a", "b"}[k%2]}
		if rng.IntN(10) == 0 {
			q.Status, q.Backend = 503, ""
		}
		whole.Request(q)
		shards[k%n].Request(q)
		whole.Attempt(at, 0, q.Backend, q.Status, q.Latency)
		shards[k%n].Attempt(at, 0, q.Backend, q.Status, q.Latency)
	}
	w := whole.Finish(time.Second)
	var parts []*Result
	for _, s := range shards {
		parts = append(parts, s.Finish(time.Second))
	}
	m, err := Merge(parts[2], parts[0], parts[1])
	if err != nil {
		t.Fatal(err)
	}
	for i := range w.Phases {
		a, b := w.Phases[i], m.Phases[i]
		if a.Requests != b.Requests || a.P99 != b.P99 || a.P50 != b.P50 || a.Max != b.Max || a.ErrorRate != b.ErrorRate || a.Latency.Count() != b.Latency.Count() {
			t.Errorf("phase %s: whole %d req p50 %v p99 %v err %v; merged %d req p50 %v p99 %v err %v",
				a.Name, a.Requests, a.P50, a.P99, a.ErrorRate, b.Requests, b.P50, b.P99, b.ErrorRate)
		}
		for j := range a.Shares {
			if a.Shares[j].Observed != b.Shares[j].Observed {
				t.Errorf("phase %s share %s: whole %v merged %v", a.Name, a.Shares[j].Backend, a.Shares[j].Observed, b.Shares[j].Observed)
			}
		}
	}
	// Each shard was asked for its share of the phase, not the whole of
	// it: a shard that sent all its arrivals achieved its requested rate,
	// and the merged request count is the whole's.
	for _, part := range parts {
		for i, p := range part.Phases {
			if want := w.Phases[i].Requested / n; math.Abs(p.Requested-want) > 1e-9 || p.Requests < uint64(want)-1 {
				t.Errorf("shard %d phase %s: requested %v, want %v (sent %d)", part.Run.Shard.Index, p.Name, p.Requested, want, p.Requests)
			}
		}
		for _, a := range part.Assertions {
			if a.Kind == "rate" && !a.Passed {
				t.Errorf("shard %d: %s failed: %s", part.Run.Shard.Index, a.Name, a.Observed)
			}
		}
	}
	for i := range w.Phases {
		a, b := w.Phases[i], m.Phases[i]
		if math.Abs(a.Requested-b.Requested) > 1e-9 || math.Abs(a.RequestedRate-b.RequestedRate) > 1e-9 {
			t.Errorf("phase %s: whole requested %v (%v rps), merged %v (%v rps)", a.Name, a.Requested, a.RequestedRate, b.Requested, b.RequestedRate)
		}
	}
	for i := range w.Assertions {
		if w.Assertions[i] != m.Assertions[i] {
			t.Errorf("assertion %d: whole %+v merged %+v", i, w.Assertions[i], m.Assertions[i])
		}
	}
	if got, want := m.Run.Skew.D(), 80*time.Millisecond; got != want {
		t.Errorf("skew %v, want %v", got, want)
	}
	// Refusals.
	for name, rs := range map[string][]*Result{
		"missing shard":   {parts[0], parts[1]},
		"duplicate shard": {parts[0], parts[1], parts[1]},
		"not a shard":     {w},
	} {
		if _, err := Merge(rs...); !errors.Is(err, ErrMerge) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	for name, change := range map[string]func(*Result){
		"other speed":            func(r *Result) { r.Run.Speed = 4 },
		"other breaker model":    func(r *Result) { r.Run.BreakerModel = "reset" },
		"other transport errors": func(r *Result) { r.Run.TransportErrors = "listed" },
	} {
		o := *parts[2]
		change(&o)
		if _, err := Merge(parts[0], parts[1], &o); !errors.Is(err, ErrMerge) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	// A result saved before transportErrors existed has none: always.
	always := *parts[2]
	always.Run.TransportErrors = "always"
	if _, err := Merge(parts[0], parts[1], &always); err != nil {
		t.Errorf("\"always\" against none: %v", err)
	}
	other := *parts[2]
	other.Version = 99
	if _, err := Merge(parts[0], parts[1], &other); !errors.Is(err, ErrMerge) {
		t.Errorf("other version: err = %v", err)
	}
}

// TestMergeLateShard: each shard's times are relative to its own start; a
// shard that started 5 s after --start-at has its buckets and transitions
// moved by 5 s in the merged run, so the same instant lands in the same
// bucket (values derived by hand: 1 s buckets, shard 1 records at its own
// t = 2.5 s, which is t = 7.5 s of the run).
func TestMergeLateShard(t *testing.T) {
	src := "name: m\nconfig: c.json\nload:\n  - path: /a\n    phases:\n      - {name: p, duration: 10s, rate: 2}\n"
	sc, err := Parse("m.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	backends := []BackendInfo{{Name: "a", Kind: "Single"}}
	agreed := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var parts []*Result
	for i, late := range []time.Duration{20 * time.Millisecond, 5 * time.Second} {
		r := NewRecorder(sc, RecorderOptions{Backends: backends, Run: RunInfo{Engine: "live", Clock: ClockWall, Bucket: Duration(time.Second),
			Shard: &Shard{Index: i, Count: 2, StartAt: agreed}}})
		r.Started(agreed.Add(late), late > time.Second)
		at := 2500 * time.Millisecond
		r.Request(RequestRecord{Phase: 0, At: at, Latency: time.Millisecond, Status: 500, Backend: "a"})
		r.Attempt(at, 0, "a", 500, time.Millisecond)
		r.Transition(Transition{At: Duration(at), Backend: "a", From: "closed", To: "open", Reason: "test"})
		parts = append(parts, r.Finish(10*time.Second))
	}
	m, err := Merge(parts...)
	if err != nil {
		t.Fatal(err)
	}
	var ts []int64
	for _, s := range m.Series {
		for _, p := range s.Points {
			ts = append(ts, p.T)
		}
	}
	if len(ts) != 2 || ts[0] != 2 || ts[1] != 7 {
		t.Errorf("merged attempt buckets %v, want [2 7]", ts)
	}
	if len(m.Transitions) != 2 || m.Transitions[0].At.D() != 2520*time.Millisecond || m.Transitions[1].At.D() != 7500*time.Millisecond {
		t.Errorf("merged transitions %+v, want at 2.52 s (shard 0 started 20 ms after the agreed instant) and 7.5 s", m.Transitions)
	}
	if len(m.Warnings) == 0 {
		t.Error("no warning for the late shard")
	}
}
