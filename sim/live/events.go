package live

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/gateway"
)

// Event is one circuit breaker transition, as the gateway's /events
// stream reports it.
type Event struct {
	// Time is the breaker clock's time of the transition.
	Time time.Time `json:"time"`
	// Backend is the backend whose breaker changed state.
	Backend string `json:"backend"`
	// From and To are "closed", "open" or "half-open".
	From string `json:"from"`
	To   string `json:"to"`
	// Reason is one of the breaker.Reason* constants ("failure-count").
	Reason string `json:"reason"`
	// Detail explains the transition ("5 failures in 1m0s >= count 5").
	Detail string `json:"detail,omitempty"`
	// Counts are the breaker's counts just before the transition.
	Counts breaker.Counts `json:"counts"`
	// OpenUntil is when an opened breaker lets traffic through again;
	// zero unless To is "open".
	OpenUntil time.Time `json:"openUntil,omitzero"`
	// RetryAfter is the Retry-After delay that set OpenUntil ("2m0s"), ""
	// when the trip duration did.
	RetryAfter string `json:"retryAfter,omitempty"`
	// Model is the breaker's recovery model ("halfOpen", "reset").
	Model string `json:"model"`
}

// errStreamEnded is returned by wait when the event stream stopped.
var errStreamEnded = errors.New("breaker event stream ended")

// eventStream reads the gateway's /events server-sent events.
type eventStream struct {
	mu     sync.Mutex
	events []Event
	err    error
	notify chan struct{} // one pending wake-up for wait
	done   chan struct{} // closed when the reader returns
	cancel context.CancelFunc
}

// subscribe opens GET base/events and returns once the gateway has
// registered the subscription (its opening comment was read), so no
// transition caused afterwards is missed.
func subscribe(ctx context.Context, client *http.Client, base string) (*eventStream, error) {
	ctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/events", nil)
	if err != nil {
		cancel()
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("breaker events: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("breaker events: %s", resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	// The handler writes ": apimlab breaker events" and a blank line
	// after subscribing.
	for sc.Scan() && sc.Text() != "" {
	}
	if err := sc.Err(); err != nil {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("breaker events: %w", err)
	}
	s := &eventStream{notify: make(chan struct{}, 1), done: make(chan struct{}), cancel: cancel}
	go s.read(sc, resp)
	return s, nil
}

// read appends every transition event until the stream ends.
func (s *eventStream) read(sc *bufio.Scanner, resp *http.Response) {
	defer close(s.done)
	defer resp.Body.Close()
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var e Event
		err := json.Unmarshal([]byte(data), &e)
		s.mu.Lock()
		if err != nil {
			s.err = fmt.Errorf("breaker events: %w", err)
		} else {
			s.events = append(s.events, e)
		}
		s.mu.Unlock()
		select {
		case s.notify <- struct{}{}:
		default:
		}
	}
}

// since returns a copy of the events from index i on.
func (s *eventStream) since(i int) []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.events[i:]...)
}

// count returns how many events were read.
func (s *eventStream) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events)
}

// caughtUp waits (at most timeout of wall time) until the stream has
// delivered every transition the gateway recorded: for every backend, its
// last transition in Health. The broker delivers events in order, so
// once each backend's last one has arrived, all earlier ones have too.
func (s *eventStream) caughtUp(gw *gateway.Gateway, timeout time.Duration) error {
	var want []Event
	for _, b := range gw.Health().Backends {
		if t := b.LastTransition; t != nil {
			want = append(want, Event{Backend: t.Backend, To: t.To, Time: t.Time})
		}
	}
	have := func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, w := range want {
			if !slices.ContainsFunc(s.events, func(e Event) bool {
				return e.Backend == w.Backend && e.To == w.To && e.Time.Equal(w.Time)
			}) {
				return false
			}
		}
		return true
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for !have() {
		select {
		case <-s.notify:
		case <-s.done:
			if have() {
				return nil
			}
			return errStreamEnded
		case <-deadline.C:
			return fmt.Errorf("breaker events: the /events stream did not deliver %d transition(s) within %s", len(want), timeout)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// close ends the subscription and waits for the reader.
func (s *eventStream) close() {
	s.cancel()
	<-s.done
}
