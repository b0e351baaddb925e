package policy

import (
	"math"
	"time"
)

// RetryDelay is the wait schedule of a <retry> policy: interval, delta,
// max-interval and first-fast-retry as the policy reference defines them.
// The gateway and the model engine both wait by it.
type RetryDelay struct {
	Interval    time.Duration
	Delta       time.Duration
	MaxInterval time.Duration
	// FirstFast makes the first retry immediate (first-fast-retry="true").
	FirstFast bool
}

// Wait returns the delay before retry n (1-based): 0 for the first retry
// when FirstFast; otherwise fixed (Interval), linear (Interval +
// (n-1)·Delta when only Delta is set) or exponential (Interval +
// (2^(n-1)-1)·Delta, capped at MaxInterval, when both are set). Learn:
// "retry" policy reference, attributes interval, delta, max-interval.
func (r RetryDelay) Wait(n int) time.Duration {
	if r.FirstFast && n == 1 {
		return 0
	}
	d := r.Interval
	switch {
	case r.Delta > 0 && r.MaxInterval > 0:
		f := math.Pow(2, float64(n-1)) - 1
		d += time.Duration(f * float64(r.Delta))
		if d > r.MaxInterval || d < 0 {
			d = r.MaxInterval
		}
	case r.Delta > 0:
		d += time.Duration(n-1) * r.Delta
	}
	return d
}
