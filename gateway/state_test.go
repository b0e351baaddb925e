package gateway

import (
	"testing"
	"time"
)

// TestSlidingWindow walks a window by hand: calls at the same instant
// merge, expiry drops calls at or before now-period, retryAfter waits for
// the oldest calls that must leave.
func TestSlidingWindow(t *testing.T) {
	t0 := testStart
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	var w slidingWindow
	period := 10 * time.Second
	for _, c := range []struct{ s, n int }{{0, 1}, {0, 1}, {1, 1}, {5, 2}} {
		w.expire(at(c.s), period)
		w.add(at(c.s), c.n)
	}
	if got, want := len(w.at)-w.head, 3; got != want {
		t.Errorf("entries %d, want %d (the two calls at 0 s share one)", got, want)
	}
	steps := []struct {
		s, total int
		retry    time.Duration // for 1 more call under 2 calls (0: it fits)
	}{
		{9, 5, 6 * time.Second},  // 4 of the 5 calls must leave: the last two at 5+10 s
		{10, 3, 5 * time.Second}, // calls at 0 s leave at 10 s (at or before now-period)
		{11, 2, 4 * time.Second}, // the call at 1 s left; the calls at 5 s leave at 15 s
		{15, 0, 0},               // all gone
		{40, 0, 0},               // still empty
	}
	for _, st := range steps {
		w.expire(at(st.s), period)
		if w.total != st.total {
			t.Errorf("at %d s: total %d, want %d", st.s, w.total, st.total)
		}
		if st.retry == 0 {
			continue
		}
		if got := w.retryAfter(at(st.s), period, 2, 1); got != st.retry {
			t.Errorf("at %d s: retryAfter %v, want %v", st.s, got, st.retry)
		}
	}
}

// TestSlidingWindowMatchesCount checks the window against counting the
// calls of the last period one by one, over enough calls that expired
// entries are compacted many times; the slice stays bounded by the calls
// in one period.
func TestSlidingWindowMatchesCount(t *testing.T) {
	var w slidingWindow
	period := 250 * time.Millisecond
	var calls []time.Time // every call, for the count
	now := testStart
	for i := range 5000 {
		now = now.Add(time.Duration(1+i%7) * time.Millisecond) // 1–7 ms apart
		w.expire(now, period)
		w.add(now, 1)
		calls = append(calls, now)
		want := 0
		for _, c := range calls {
			if c.After(now.Add(-period)) {
				want++
			}
		}
		if w.total != want {
			t.Fatalf("call %d: window total %d, counted %d", i, w.total, want)
		}
		if len(w.at) > 2*want+64 {
			t.Fatalf("call %d: %d entries kept for %d live calls", i, len(w.at), want)
		}
	}
}
