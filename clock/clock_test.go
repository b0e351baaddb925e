package clock

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func TestVirtualTimersFireInDeadlineOrder(t *testing.T) {
	v := NewVirtual(t0)
	var mu sync.Mutex
	var got []string
	var wg sync.WaitGroup
	add := func(d time.Duration, name string) Timer {
		wg.Add(1)
		return v.AfterFunc(d, func() {
			defer wg.Done()
			mu.Lock()
			got = append(got, name+"@"+v.Now().Sub(t0).String())
			mu.Unlock()
		})
	}
	add(3*time.Second, "c")
	add(time.Second, "a")
	stop := add(2*time.Second, "stopped")
	if !stop.Stop() {
		t.Fatal("Stop of a pending timer = false")
	}
	wg.Done() // the stopped one never runs
	if stop.Stop() {
		t.Error("second Stop = true")
	}
	if next, ok := v.Next(); !ok || !next.Equal(t0.Add(time.Second)) {
		t.Errorf("Next = %v, %t; want t0+1s", next, ok)
	}
	v.Advance(1500 * time.Millisecond)
	// "a" fired; wait for it before advancing so the observed Now is stable.
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 1 })
	v.AdvanceTo(t0.Add(10 * time.Second))
	wg.Wait()
	want := []string{"a@1.5s", "c@10s"}
	if len(got) != len(want) || got[0] != want[0] {
		t.Fatalf("fired %v, want %v", got, want)
	}
	if _, ok := v.Next(); ok {
		t.Error("Next reports a pending timer after all fired")
	}
	v.AdvanceTo(t0) // time never goes back
	if got := v.Now(); !got.Equal(t0.Add(10 * time.Second)) {
		t.Errorf("Now after AdvanceTo(past) = %v", got)
	}
}

func TestVirtualSleepCountsWaiters(t *testing.T) {
	v := NewVirtual(t0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errs := make(chan error, 2)
	go func() { errs <- v.Sleep(context.Background(), time.Minute) }()
	go func() { errs <- v.Sleep(ctx, Forever) }()
	waitFor(t, func() bool { return v.Waiters() == 2 })
	v.Advance(59 * time.Second)
	if got := v.Waiters(); got != 2 {
		t.Fatalf("Waiters before the deadline = %d, want 2", got)
	}
	v.Advance(time.Second)
	if got := v.Waiters(); got != 1 {
		t.Fatalf("Waiters at the deadline = %d, want 1 (the sleeper is runnable)", got)
	}
	if err := <-errs; err != nil {
		t.Fatalf("Sleep = %v, want nil", err)
	}
	cancel()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep(Forever) after cancel = %v", err)
	}
	if got := v.Waiters(); got != 0 {
		t.Errorf("Waiters after cancel = %d, want 0", got)
	}
	if _, ok := v.Next(); ok {
		t.Error("a canceled sleeper left a pending timer")
	}
}

func TestSleepEdgeCases(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	scaled, err := NewScaled(t0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		c    Clock
	}{{"real", Real}, {"scaled", scaled}, {"virtual", NewVirtual(t0)}} {
		t.Run(c.name, func(t *testing.T) {
			if err := c.c.Sleep(context.Background(), 0); err != nil {
				t.Errorf("Sleep(0) = %v", err)
			}
			if err := c.c.Sleep(canceled, time.Hour); !errors.Is(err, context.Canceled) {
				t.Errorf("Sleep(canceled) = %v", err)
			}
			done := make(chan struct{})
			c.c.AfterFunc(0, func() { close(done) })
			<-done
		})
	}
}

func TestScaled(t *testing.T) {
	for _, bad := range []float64{0, -1} {
		if _, err := NewScaled(t0, bad); err == nil {
			t.Errorf("NewScaled(%v) = nil error", bad)
		}
	}
	s, err := NewScaled(t0, 60)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Wall(time.Minute); got != time.Second {
		t.Errorf("Wall(1m) at 60x = %v, want 1s", got)
	}
	if got := s.Wall(Forever); got != Forever {
		t.Errorf("Wall(Forever) = %v", got)
	}
	if s.Now().Before(t0) {
		t.Error("Now before start")
	}
	if Or(nil) != Real || Or(s) != Clock(s) {
		t.Error("Or")
	}
}

// waitFor polls cond (goroutines started by the test need a moment to
// block); it fails after a generous wall-clock bound instead of hanging.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestVirtualTags(t *testing.T) {
	v := NewVirtual(t0)
	ctx, cancel := context.WithCancel(WithTag(context.Background(), 7))
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- v.Sleep(ctx, Forever) }()
	waitFor(t, func() bool { return v.Blocked(7) })
	if v.Blocked(8) || v.Untagged() != 0 {
		t.Fatal("other tags or untagged sleepers reported")
	}
	// A timer acting on tag 7 (a forward-request timeout) wakes the work:
	// it is not blocked until it sleeps again, although its sleeper is
	// still registered.
	fired := make(chan struct{})
	AfterFuncCtx(v, ctx, time.Second, func() { close(fired) })
	v.Advance(time.Second)
	<-fired
	if v.Blocked(7) {
		t.Fatal("tag 7 still blocked after its timer fired")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	go func() { done <- v.Sleep(WithTag(context.Background(), 7), time.Second) }()
	waitFor(t, func() bool { return v.Blocked(7) })
	v.Advance(time.Second)
	if err := <-done; err != nil || v.Blocked(7) {
		t.Fatalf("after wake: err %v, blocked %t", err, v.Blocked(7))
	}
	v.Forget(7)
	if got, ok := TagOf(WithTag(context.Background(), 3)); !ok || got != 3 {
		t.Error("TagOf")
	}
}
