package backends

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/clock"
)

var (
	ok500 = breaker.Outcome{StatusCode: 500}
	ok200 = breaker.Outcome{StatusCode: 200}
)

// mustNew builds a Set that must have no problem other than notes.
func mustNew(t *testing.T, svc *apim.Service, o Options) *Set {
	t.Helper()
	s, ps := New(svc, o)
	for _, p := range ps {
		if !p.Kind.IsNote() {
			t.Fatalf("New: %v", p)
		}
	}
	return s
}

// acquire returns the name of the backend Acquire picks, or the error.
func acquire(t *testing.T, b *Backend, key string, o breaker.Outcome) (string, error) {
	t.Helper()
	l, err := b.Acquire(key)
	if err != nil {
		return "", err
	}
	l.Done(o)
	return l.Backend().Name(), nil
}

func TestNewProblems(t *testing.T) {
	fabric := single("fabric")
	fabric.ServiceFabric = &apim.ServiceFabric{}
	p := poolOf("p", member("a", 0, 1), member("nope", 0, 1), member("fabric", 0, 1), member("inner", 0, 1))
	inner := poolOf("inner", member("a", 0, 1))
	affinity := poolOf("sticky", member("a", 0, 1))
	affinity.PoolConfig.SessionAffinity = &apim.SessionAffinity{Pos: at(50), Source: known("Header"), SessionIDName: known("x")}
	svc := &apim.Service{Backends: []*apim.Backend{single("a"), fabric, inner, p, affinity}}
	s, ps := New(svc, Options{})
	want := []string{
		"unsupported serviceFabricCluster",
		"unknown-member pool.services[1].id", "unknown-member pool.services[2].id", "unknown-member pool.services[3].id",
		"unsupported pool.sessionAffinity.sessionId.source",
	}
	if got := kinds(ps); !slices.Equal(got, want) {
		t.Fatalf("problems\n got %q\nwant %q", got, want)
	}
	if s.Lookup("fabric") != nil {
		t.Error("the Service Fabric backend is in the Set")
	}
	if b := s.Lookup(" P "); b == nil || len(b.Members()) != 1 || b.Members()[0].Name() != "a" {
		t.Errorf("pool p = %v, want one member a", b)
	}
	if b := s.Lookup("sticky"); b == nil || b.SessionCookie() != "" {
		t.Errorf("unsupported affinity source: pool %v, want built without affinity", b)
	}
	var names []string
	for i, b := range s.Backends() {
		names = append(names, b.Name())
		if b.Index() != i {
			t.Errorf("%s: Index %d, want %d", b.Name(), b.Index(), i)
		}
	}
	if want := []string{"a", "inner", "p", "sticky"}; !slices.Equal(names, want) {
		t.Errorf("Backends %q, want %q (Singles first, then pools, declaration order)", names, want)
	}
}

func TestFailureStatusAndCookie(t *testing.T) {
	r := countRule(1, time.Minute)
	r.FailureResponse = &apim.FailureResponse{StatusCode: known(429)}
	p := poolOf("p", member("a", 0, 1))
	p.PoolConfig.FailureResponse = &apim.FailureResponse{StatusCode: known(502)}
	p.PoolConfig.SessionAffinity = &apim.SessionAffinity{Source: known("cookie"), SessionIDName: known(" SESSION ")}
	s := mustNew(t, &apim.Service{Backends: []*apim.Backend{single("a", r), single("b"), p}}, Options{})
	for _, tt := range []struct {
		name   string
		status int
		cookie string
	}{{"a", 429, ""}, {"b", 503, ""}, {"p", 502, "SESSION"}} {
		b := s.Lookup(tt.name)
		if b.FailureStatus() != tt.status || b.SessionCookie() != tt.cookie {
			t.Errorf("%s: FailureStatus %d cookie %q, want %d %q", tt.name, b.FailureStatus(), b.SessionCookie(), tt.status, tt.cookie)
		}
	}
}

func TestAcquireSingle(t *testing.T) {
	// After the trip duration, Azure's reset model (the default; Learn:
	// "the circuit resets and traffic resumes to the backend") admits every
	// caller; the half-open option admits one trial and rejects the rest.
	for _, tt := range []struct {
		model      breaker.Model
		secondErr  error // second caller after the trip duration
		wantStates []breaker.State
	}{
		{breaker.ModelReset, nil, []breaker.State{breaker.Open, breaker.Closed}},
		{breaker.ModelHalfOpen, ErrBreakerOpen, []breaker.State{breaker.Open, breaker.HalfOpen, breaker.Closed}},
	} {
		t.Run(tt.model.String(), func(t *testing.T) {
			clk := clock.NewVirtual(t0)
			var events []breaker.Event
			var mu sync.Mutex
			s := mustNew(t, &apim.Service{Backends: []*apim.Backend{single("a", countRule(2, 30*time.Second)), single("plain")}},
				Options{Clock: clk, Model: tt.model, OnTransition: func(e breaker.Event) { mu.Lock(); events = append(events, e); mu.Unlock() }})
			a := s.Lookup("a")
			for i := range 2 { // the second failure trips it (count 2)
				if got, err := acquire(t, a, "", ok500); err != nil || got != "a" {
					t.Fatalf("attempt %d: %q, %v", i, got, err)
				}
			}
			_, err := a.Acquire("")
			var u *Unavailable
			if !errors.As(err, &u) || !errors.Is(err, ErrBreakerOpen) || u.Status != 503 || u.Backend != "a" {
				t.Fatalf("Acquire on an open breaker = %v, want Unavailable{a, 503, ErrBreakerOpen}", err)
			}
			if a.Available() {
				t.Error("Available with an open breaker")
			}
			clk.Advance(30 * time.Second)
			first, err := a.Acquire("")
			if err != nil {
				t.Fatalf("first caller after the trip duration: %v", err)
			}
			second, err := a.Acquire("")
			if !errors.Is(err, tt.secondErr) || (tt.secondErr == nil && err != nil) {
				t.Errorf("second caller after the trip duration: %v, want %v", err, tt.secondErr)
			}
			if err == nil {
				second.Done(ok200)
			}
			first.Done(ok200)
			if got := a.Breaker().State(); got != breaker.Closed {
				t.Errorf("after a success: %v, want closed", got)
			}
			mu.Lock()
			var tos []breaker.State
			for _, e := range events {
				tos = append(tos, e.To)
			}
			mu.Unlock()
			if !slices.Equal(tos, tt.wantStates) {
				t.Errorf("transitions to %v, want %v", tos, tt.wantStates)
			}
			plain := s.Lookup("plain")
			for range 5 {
				if got, err := acquire(t, plain, "", breaker.Outcome{Err: errTransport}); err != nil || got != "plain" {
					t.Fatalf("backend without breaker: %q, %v", got, err)
				}
			}
		})
	}
}

func TestAcquirePoolFailoverAndRecovery(t *testing.T) {
	clk := clock.NewVirtual(t0)
	p := poolOf("p", member("east", 0, 1), member("west", 1, 1))
	p.PoolConfig.FailureResponse = &apim.FailureResponse{StatusCode: known(502)}
	s := mustNew(t, &apim.Service{Backends: []*apim.Backend{
		single("east", countRule(1, time.Minute)), single("west", countRule(1, 2*time.Minute)), p}}, Options{Clock: clk})
	pb := s.Lookup("p")
	steps := []struct {
		advance time.Duration
		outcome breaker.Outcome
		want    string // backend picked, "" = ErrNoMember
	}{
		{0, ok200, "east"},
		{0, ok500, "east"}, // trips east
		{0, ok200, "west"},
		{0, ok500, "west"}, // trips west
		{0, ok200, ""},
		{time.Minute, ok200, "east"}, // east's trial succeeds: back to the higher priority
		{0, ok200, "east"},
	}
	for i, st := range steps {
		clk.Advance(st.advance)
		got, err := acquire(t, pb, "", st.outcome)
		if st.want == "" {
			var u *Unavailable
			if !errors.As(err, &u) || !errors.Is(err, ErrNoMember) || u.Status != 502 || u.Backend != "p" {
				t.Fatalf("step %d: %q, %v; want Unavailable{p, 502, ErrNoMember}", i, got, err)
			}
			if pb.Available() {
				t.Errorf("step %d: pool Available with every member open", i)
			}
			continue
		}
		if err != nil || got != st.want {
			t.Fatalf("step %d: %q, %v; want %q", i, got, err, st.want)
		}
	}
}

func TestAcquireSessionKeyPins(t *testing.T) {
	s := mustNew(t, &apim.Service{Backends: []*apim.Backend{single("a"), single("b"), single("c"),
		poolOf("p", member("a", 0, 1), member("b", 0, 1), member("c", 0, 1))}}, Options{})
	pb := s.Lookup("p")
	first, _ := acquire(t, pb, "s1", ok200)
	for range 10 {
		if got, _ := acquire(t, pb, "s1", ok200); got != first {
			t.Fatalf("session s1 moved from %q to %q", first, got)
		}
	}
	seen := map[string]bool{}
	for range 3 {
		got, _ := acquire(t, pb, "", ok200)
		seen[got] = true
	}
	if len(seen) != 3 {
		t.Errorf("round-robin without a key visited %v, want all three", seen)
	}
}

func TestAcquireAndDoneDoNotAllocate(t *testing.T) {
	svc := &apim.Service{Backends: []*apim.Backend{
		single("a", countRule(1000000, time.Minute)), single("b", countRule(1000000, time.Minute)),
		poolOf("p", member("a", 0, 3), member("b", 0, 1))}}
	s := mustNew(t, svc, Options{Clock: clock.NewVirtual(t0)})
	for _, tt := range []struct{ name, key string }{{"a", ""}, {"p", ""}, {"p", "pinned"}} {
		b := s.Lookup(tt.name)
		_, _ = acquire(t, b, tt.key, ok200) // pins the key once
		allocs := testing.AllocsPerRun(1000, func() {
			l, err := b.Acquire(tt.key)
			if err != nil {
				t.Fatal(err)
			}
			l.Done(ok500)
		})
		if allocs != 0 {
			t.Errorf("%s key %q: %v allocations per Acquire+Done, want 0", tt.name, tt.key, allocs)
		}
	}
	// The rejection is allocation-free too.
	tripped := mustNew(t, &apim.Service{Backends: []*apim.Backend{single("a", countRule(1, time.Hour))}}, Options{Clock: clock.NewVirtual(t0)})
	a := tripped.Lookup("a")
	_, _ = acquire(t, a, "", ok500)
	if allocs := testing.AllocsPerRun(1000, func() { _, _ = a.Acquire("") }); allocs != 0 {
		t.Errorf("rejected Acquire: %v allocations, want 0", allocs)
	}
}

func TestConcurrentAcquire(t *testing.T) {
	s := mustNew(t, &apim.Service{Backends: []*apim.Backend{
		single("a", countRule(1000000, time.Minute)), single("b", countRule(1000000, time.Minute)),
		poolOf("p", member("a", 0, 1), member("b", 0, 1))}}, Options{Clock: clock.NewVirtual(t0)})
	pb := s.Lookup("p")
	const workers, each = 8, 500
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				l, err := pb.Acquire("")
				if err != nil {
					t.Error(err)
					return
				}
				l.Done(ok500)
			}
		}()
	}
	wg.Wait()
	// Equal weights, every member always available: an exact half each.
	for _, name := range []string{"a", "b"} {
		if got, want := s.Lookup(name).Breaker().Counts().Failures, workers*each/2; got != want {
			t.Errorf("%s recorded %d failures, want %d", name, got, want)
		}
	}
}
