package clock

import (
	"context"
	"fmt"
	"math"
	"time"
)

// Scaled is a wall clock sped up by a constant factor: it reads start at
// creation and then advances Speed seconds per wall second; AfterFunc and
// Sleep wait d/Speed of wall time. The live engine uses it to compress a
// scenario's timeline (--speed) while breaker intervals, trip durations and
// Retry-After delays keep their configured values in scenario time.
type Scaled struct {
	start  time.Time
	origin time.Time // wall time at creation (monotonic)
	speed  float64
}

// NewScaled returns a clock that reads start now and runs speed times
// faster than the wall clock. speed must be finite and > 0.
func NewScaled(start time.Time, speed float64) (*Scaled, error) {
	if !(speed > 0) || math.IsInf(speed, 0) {
		return nil, fmt.Errorf("clock: speed must be a finite number > 0 (got %v)", speed)
	}
	return &Scaled{start: start, origin: time.Now(), speed: speed}, nil
}

// Speed returns the factor given to NewScaled.
func (s *Scaled) Speed() float64 { return s.speed }

// Now implements Clock.
func (s *Scaled) Now() time.Time {
	return s.start.Add(time.Duration(float64(time.Since(s.origin)) * s.speed))
}

// Wall converts a duration on this clock to wall time.
func (s *Scaled) Wall(d time.Duration) time.Duration {
	if d == Forever {
		return d
	}
	return time.Duration(float64(d) / s.speed)
}

// AfterFunc implements Clock.
func (s *Scaled) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(s.Wall(d), f) }

// Sleep implements Clock.
func (s *Scaled) Sleep(ctx context.Context, d time.Duration) error { return sleepWall(ctx, s.Wall(d)) }

var _ Clock = (*Scaled)(nil)
