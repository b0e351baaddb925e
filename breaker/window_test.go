package breaker

import (
	"math"
	"math/big"
	"testing"
	"time"
)

func TestWindowBuckets(t *testing.T) {
	t0 := time.Unix(0, 0)
	tests := []struct {
		interval time.Duration
		wantN    int64
		at       time.Duration // elapsed since epoch
		wantIdx  int64
	}{
		{time.Minute, 60, 59*time.Second + 999*time.Millisecond, 59},
		{time.Minute, 60, time.Minute, 60},
		{10 * time.Second, 60, 10*time.Second - 1, 59},
		{10 * time.Second, 60, 10 * time.Second, 60},
		{10 * time.Second, 60, 20 * time.Second, 120},
		{30 * time.Nanosecond, 30, 31, 31},
		{time.Nanosecond, 1, 5, 5},
		{time.Hour, 60, -time.Second, -1},
		{time.Hour, 60, 200000 * time.Hour, 12000000}, // overflow-safe path
		{7 * time.Second, 60, time.Duration(math.MaxInt64), bigIndex(math.MaxInt64, 60, int64(7*time.Second))},
	}
	for _, tt := range tests {
		w := newWindow(tt.interval, t0)
		if w.n != tt.wantN {
			t.Errorf("newWindow(%v): n=%d, want %d", tt.interval, w.n, tt.wantN)
		}
		if got := w.index(t0.Add(tt.at)); got != tt.wantIdx {
			t.Errorf("interval %v: index(+%v) = %d, want %d", tt.interval, tt.at, got, tt.wantIdx)
		}
	}
}

func TestWindowSlides(t *testing.T) {
	t0 := time.Unix(1000, 0)
	w := newWindow(time.Minute, t0)
	for i := range 120 { // one outcome per second for two minutes, every third a failure
		now := t0.Add(time.Duration(i) * time.Second)
		w.add(now, i%3 == 0)
		wantReq := min(i+1, 60)
		if w.requests != wantReq {
			t.Fatalf("t=%ds: requests %d, want %d", i, w.requests, wantReq)
		}
	}
	if w.failures != 20 {
		t.Errorf("failures = %d, want 20", w.failures)
	}
	// Clock going backwards records into the newest bucket.
	w.add(t0, true)
	if w.requests != 61 || w.failures != 21 {
		t.Errorf("after backwards clock: %d/%d, want 61/21", w.requests, w.failures)
	}
}

// bigIndex computes elapsed*n/interval exactly.
func bigIndex(elapsed, n, interval int64) int64 {
	p := new(big.Int).Mul(big.NewInt(elapsed), big.NewInt(n))
	return p.Quo(p, big.NewInt(interval)).Int64()
}
