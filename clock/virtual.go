package clock

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// Virtual is a clock that only its owner moves. It is safe for concurrent
// use. Timers fire, in deadline order, when Advance or AdvanceTo reaches
// their deadline; their functions run in their own goroutines (as with
// time.AfterFunc), so Advance never runs user code under its lock.
//
// Virtual counts the goroutines blocked in Sleep (Waiters). A sleeper stops
// counting the moment its deadline is reached by Advance (it is runnable from
// then on, although it may not have woken yet) or its context ends.
type Virtual struct {
	mu       sync.Mutex
	now      time.Time
	timers   timerHeap
	seq      uint64
	waiters  int
	tagged   map[uint64]int      // sleepers by tag
	awake    map[uint64]struct{} // tags woken by a tagged AfterFunc since their last Sleep
	untagged int                 // sleepers without a tag
	changed  chan struct{}       // closed and replaced when waiters or timers change
}

// NewVirtual returns a clock that reads start until advanced.
func NewVirtual(start time.Time) *Virtual {
	return &Virtual{now: start, changed: make(chan struct{}), tagged: map[uint64]int{}, awake: map[uint64]struct{}{}}
}

// Now implements Clock.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// AfterFunc implements Clock.
func (v *Virtual) AfterFunc(d time.Duration, f func()) Timer {
	return v.AfterFuncCtx(context.Background(), d, f)
}

// AfterFuncCtx is AfterFunc for a timer that acts on the work tagged in
// ctx (WithTag): when it fires, that tag counts as awake — not Blocked —
// until its next Sleep, because f's effects (a canceled request) run in
// other goroutines that the clock cannot see.
func (v *Virtual) AfterFuncCtx(ctx context.Context, d time.Duration, f func()) Timer {
	tag, tagged := TagOf(ctx)
	v.mu.Lock()
	defer v.mu.Unlock()
	t := &vtimer{v: v, when: addSat(v.now, max(d, 0)), f: f, tag: tag, tagged: tagged}
	if d <= 0 {
		v.fireLocked(t)
		return stopped{}
	}
	v.push(t)
	return t
}

// Sleep implements Clock. The sleeper counts in Waiters until its deadline
// is reached or ctx ends.
func (v *Virtual) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil || d <= 0 {
		return err
	}
	ch := make(chan struct{})
	tag, tagged := TagOf(ctx)
	v.mu.Lock()
	t := &vtimer{v: v, when: addSat(v.now, d), wake: ch, tag: tag, tagged: tagged}
	v.push(t)
	v.waiters++
	v.countLocked(t, +1)
	if tagged {
		delete(v.awake, tag)
	}
	v.notifyLocked()
	v.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		v.mu.Lock()
		if t.index >= 0 { // still pending: withdraw it
			heap.Remove(&v.timers, t.index)
			v.waiters--
			v.countLocked(t, -1)
			v.notifyLocked()
		}
		v.mu.Unlock()
		return ctx.Err()
	}
}

// Advance moves the clock forward by d (a d <= 0 does nothing) and fires
// every timer that is due.
func (v *Virtual) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	v.mu.Lock()
	to := addSat(v.now, d)
	v.mu.Unlock()
	v.AdvanceTo(to)
}

// AdvanceTo moves the clock to t, firing every timer whose deadline is at or
// before t in deadline order (ties in creation order). Time never goes back:
// a t before Now only fires the timers already due.
func (v *Virtual) AdvanceTo(t time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for len(v.timers) > 0 && !v.timers[0].when.After(t) {
		tm := heap.Pop(&v.timers).(*vtimer)
		if tm.when.After(v.now) {
			v.now = tm.when
		}
		v.fireLocked(tm)
	}
	if t.After(v.now) {
		v.now = t
	}
}

// fireLocked wakes a sleeper or starts a timer's function. v.mu is held.
func (v *Virtual) fireLocked(tm *vtimer) {
	if tm.wake != nil {
		v.waiters--
		v.countLocked(tm, -1)
		close(tm.wake)
	} else {
		if tm.tagged {
			v.awake[tm.tag] = struct{}{}
		}
		go tm.f()
	}
	v.notifyLocked()
}

// countLocked adjusts the sleeper counts of t's tag by delta.
func (v *Virtual) countLocked(t *vtimer, delta int) {
	if !t.tagged {
		v.untagged += delta
		return
	}
	if n := v.tagged[t.tag] + delta; n > 0 {
		v.tagged[t.tag] = n
	} else {
		delete(v.tagged, t.tag)
	}
}

// Blocked reports whether work tagged tag is waiting for time to pass: it
// has a goroutine in Sleep and no tagged AfterFunc woke it since.
func (v *Virtual) Blocked(tag uint64) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	_, awake := v.awake[tag]
	return v.tagged[tag] > 0 && !awake
}

// Untagged returns the number of sleepers whose context carries no tag.
func (v *Virtual) Untagged() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.untagged
}

// Forget drops what the clock remembers of tag (call it when the tagged
// work is over).
func (v *Virtual) Forget(tag uint64) {
	v.mu.Lock()
	delete(v.awake, tag)
	v.mu.Unlock()
}

// Next returns the deadline of the earliest pending timer or sleeper.
func (v *Virtual) Next() (time.Time, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.timers) == 0 {
		return time.Time{}, false
	}
	return v.timers[0].when, true
}

// Waiters returns the number of goroutines blocked in Sleep.
func (v *Virtual) Waiters() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.waiters
}

// Changed returns a channel that is closed at the next change of Waiters or
// of the pending timers. Call it again after each wake-up.
func (v *Virtual) Changed() <-chan struct{} {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.changed
}

func (v *Virtual) notifyLocked() {
	close(v.changed)
	v.changed = make(chan struct{})
}

func (v *Virtual) push(t *vtimer) {
	v.seq++
	t.seq = v.seq
	heap.Push(&v.timers, t)
	v.notifyLocked()
}

// vtimer is a pending AfterFunc (f) or Sleep (wake).
type vtimer struct {
	v     *Virtual
	when  time.Time
	seq   uint64
	f     func()
	wake  chan struct{}
	index int // in the heap; -1 once fired or stopped
	// tag identifies the work this timer belongs to (WithTag).
	tag    uint64
	tagged bool
}

// Stop implements Timer.
func (t *vtimer) Stop() bool {
	t.v.mu.Lock()
	defer t.v.mu.Unlock()
	if t.index < 0 {
		return false
	}
	heap.Remove(&t.v.timers, t.index)
	t.v.notifyLocked()
	return true
}

type stopped struct{}

func (stopped) Stop() bool { return false }

// timerHeap orders timers by deadline, then creation.
type timerHeap []*vtimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].when.Equal(h[j].when) {
		return h[i].when.Before(h[j].when)
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *timerHeap) Push(x any) {
	t := x.(*vtimer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.index = -1
	return t
}

// addSat returns t+d, saturating instead of overflowing for huge d.
func addSat(t time.Time, d time.Duration) time.Time {
	u := t.Add(d)
	if d > 0 && u.Before(t) {
		return time.Unix(1<<62, 0)
	}
	return u
}

var _ Clock = (*Virtual)(nil)
