package breaker

import (
	"sync"
	"testing"
	"time"
)

// fakeClock is a manually advanced clock shared by a test's breaker.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// recorder collects events.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) add(e Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) all() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

var (
	fail   = Outcome{StatusCode: 500}
	succ   = Outcome{StatusCode: 200}
	server = [][2]int{{500, 599}}
)

// newTestBreaker builds a breaker on clk with 5xx failures and an event recorder.
func newTestBreaker(t testing.TB, clk *fakeClock, s Settings) (*Breaker, *recorder) {
	t.Helper()
	rec := &recorder{}
	if s.Name == "" {
		s.Name = "b1"
	}
	s.Now = clk.Now
	s.OnTransition = rec.add
	if s.StatusRanges == nil {
		s.StatusRanges = server
	}
	b, err := New(s)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return b, rec
}

// send runs one request through b, reporting o. It returns Allow's error.
func send(b *Breaker, o Outcome) error {
	done, err := b.Allow()
	if err != nil {
		return err
	}
	done(o)
	return nil
}
