package gateway

import (
	"sync/atomic"
	"testing"
	"time"
)

// TestReleaseDisarmsTimer: an exchange released while its wall-clock
// timeout is still armed (an attempt that ended without disarming, e.g.
// by a panic) stops the timer, so the pooled exchange carries no live
// timeout into the next request; without the guard the timer fired later
// and called the reset watch's nil cancel.
func TestReleaseDisarmsTimer(t *testing.T) {
	x := &exchange{timer: new(wallTimer)}
	var canceled atomic.Bool
	x.timer.w.cancel = func() { canceled.Store(true) }
	x.timer.arm(20*time.Millisecond, &x.timer.w)
	x.release()
	if x.timer.cur.Load() != nil {
		t.Fatal("the timer is still armed after release")
	}
	time.Sleep(60 * time.Millisecond) // past the deadline: nothing may fire
	if canceled.Load() {
		t.Fatal("the released exchange's timeout fired")
	}
}
