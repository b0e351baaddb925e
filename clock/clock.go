// Package clock is the one source of time for apimlab: the gateway (breakers,
// pools, forward-request timeouts, retry waits, body drains), the fake
// backends' latency faults and both simulation engines read and wait on a
// Clock, never on package time directly.
//
// Three implementations:
//   - Real is the wall clock.
//   - Scaled runs N times faster than the wall clock (the live engine's
//     --speed): Now advances N seconds per wall second and waits last 1/N.
//   - Virtual only moves when its owner calls Advance or AdvanceTo. Tests and
//     engines use it to run minutes of breaker time in milliseconds, with a
//     reproducible timeline. It counts the goroutines blocked in Sleep
//     (Waiters) so a driver can tell when every request in flight is waiting
//     for time to pass, and only then move time forward.
package clock

import (
	"context"
	"time"
)

// Clock tells the time and waits on it. Implementations are safe for
// concurrent use.
type Clock interface {
	// Now returns the clock's current time.
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has passed on this
	// clock (at once, still in its own goroutine, when d <= 0). Stop on the
	// returned Timer cancels the call if it has not started.
	AfterFunc(d time.Duration, f func()) Timer
	// Sleep waits until d has passed on this clock or ctx ends, whichever
	// comes first. It returns ctx.Err() when ctx ended first (or had ended
	// already), nil otherwise. A d <= 0 returns ctx.Err() at once.
	Sleep(ctx context.Context, d time.Duration) error
}

// Timer is a pending AfterFunc call.
type Timer interface {
	// Stop cancels the call. It returns false when the call already
	// started or the timer was already stopped.
	Stop() bool
}

// Forever is a duration longer than any run: Sleep(ctx, Forever) waits until
// ctx ends (a backend that hangs until the client gives up).
const Forever = time.Duration(1<<63 - 1)

// Real is the wall clock.
var Real Clock = realClock{}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

func (realClock) Sleep(ctx context.Context, d time.Duration) error { return sleepWall(ctx, d) }

// sleepWall waits d of wall time or until ctx ends.
func sleepWall(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// tagKey is the context key of WithTag.
type tagKey struct{}

// WithTag returns ctx marked as belonging to one unit of work (a simulated
// request). A Virtual clock counts sleepers per tag, so an engine can tell
// which requests in flight are waiting for time to pass (Virtual.Blocked).
func WithTag(ctx context.Context, tag uint64) context.Context {
	return context.WithValue(ctx, tagKey{}, tag)
}

// TagOf returns the tag WithTag put in ctx.
func TagOf(ctx context.Context) (uint64, bool) {
	t, ok := ctx.Value(tagKey{}).(uint64)
	return t, ok
}

// AfterFuncCtx is c.AfterFunc for a timer acting on the work tagged in ctx
// (a request's timeout): clocks that track tags (Virtual) use it to know
// the work is busy again when the timer fires.
func AfterFuncCtx(c Clock, ctx context.Context, d time.Duration, f func()) Timer {
	if t, ok := c.(interface {
		AfterFuncCtx(context.Context, time.Duration, func()) Timer
	}); ok {
		return t.AfterFuncCtx(ctx, d, f)
	}
	return c.AfterFunc(d, f)
}

// Or returns c, or Real when c is nil: option structs use it so that their
// zero value means the wall clock.
func Or(c Clock) Clock {
	if c == nil {
		return Real
	}
	return c
}
