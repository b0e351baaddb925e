package policy

import (
	"testing"
	"time"
)

func TestRetryDelay(t *testing.T) {
	s := time.Second
	tests := []struct {
		name string
		r    RetryDelay
		want []time.Duration // retries 1, 2, 3, 4
	}{
		{"fixed", RetryDelay{Interval: 2 * s}, []time.Duration{2 * s, 2 * s, 2 * s, 2 * s}},
		{"first fast", RetryDelay{Interval: 2 * s, FirstFast: true}, []time.Duration{0, 2 * s, 2 * s, 2 * s}},
		// Linear: interval + (n-1)·delta.
		{"linear", RetryDelay{Interval: s, Delta: s}, []time.Duration{s, 2 * s, 3 * s, 4 * s}},
		// Exponential: interval + (2^(n-1)-1)·delta, capped at max-interval.
		{"exponential", RetryDelay{Interval: s, Delta: s, MaxInterval: 6 * s}, []time.Duration{s, 2 * s, 4 * s, 6 * s}},
		{"zero", RetryDelay{}, []time.Duration{0, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, want := range tt.want {
				if got := tt.r.Wait(i + 1); got != want {
					t.Errorf("Wait(%d) = %v, want %v", i+1, got, want)
				}
			}
		})
	}
	// A huge retry number saturates at max-interval instead of overflowing.
	if got := (RetryDelay{Delta: s, MaxInterval: 30 * s}).Wait(200); got != 30*s {
		t.Errorf("Wait(200) = %v, want the cap", got)
	}
}
