package gateway

import (
	"sync/atomic"
	"time"

	"github.com/apimlab/apimlab/clock"
)

// wallTimer is forward-request's timeout on the wall clock, owned by a
// pooled exchange: one runtime timer and one attemptWatch per exchange
// object, re-armed for each attempt, where an attempt used to allocate a
// timer, its callback and its watch (issue 16). Other clocks (Virtual,
// Scaled) keep clock.AfterFuncCtx, which tags the timer with the request
// for the virtual clock.
//
// The callback and the attempt never overlap: disarm waits for a
// callback that already started, so the watch is the next attempt's only
// after the previous attempt's timeout is done writing it.
type wallTimer struct {
	t *time.Timer
	// fn is the callback, bound once (a method value allocates).
	fn func()
	// done receives one value when the callback ends.
	done chan struct{}
	// cur is the attempt the armed timer guards; published atomically so
	// the callback's goroutine sees the watch as the attempt set it.
	cur atomic.Pointer[attemptWatch]
	// w is the watch lent to attempts (see exchange.newWatch).
	w attemptWatch
}

// wallClock reports whether the gateway runs on the wall clock, where
// attempts use the exchange's wallTimer.
func (g *Gateway) wallClock() bool { return g.opts.Clock == clock.Real }

// arm starts the timer for the attempt watched by w: after d, the
// attempt is marked timed out and canceled (w.cancel).
func (a *wallTimer) arm(d time.Duration, w *attemptWatch) {
	a.cur.Store(w)
	if a.t == nil {
		a.fn = a.fire
		a.done = make(chan struct{}, 1)
		a.t = time.AfterFunc(d, a.fn)
		return
	}
	a.t.Reset(d)
}

// disarm stops the timer; when the callback already started, it returns
// once the callback has ended.
func (a *wallTimer) disarm() {
	if !a.t.Stop() {
		<-a.done
	}
	a.cur.Store(nil)
}

func (a *wallTimer) fire() {
	w := a.cur.Load()
	w.timedOut()
	w.fired.Store(true)
	w.cancel()
	a.done <- struct{}{}
}
