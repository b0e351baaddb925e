package gateway

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/apimlab/apimlab/breaker"
)

// subscriberBuffer is how many events a slow /events client may lag
// behind before events are dropped for it.
const subscriberBuffer = 256

// streamEvent is one server-sent event of /events: its name
// ("transition", "record") and its JSON payload.
type streamEvent struct {
	name string
	data any
}

// broker fans events out to /events subscribers. Publishing never blocks
// the request path: a subscriber whose buffer is full loses the event
// (breaker state is always current in /health and /metrics, records in
// Gateway.Records).
type broker struct {
	mu     sync.Mutex
	subs   map[chan streamEvent]struct{}
	n      atomic.Int32 // len(subs), read without the lock
	closed bool
	done   chan struct{}
}

func newBroker() *broker {
	return &broker{subs: map[chan streamEvent]struct{}{}, done: make(chan struct{})}
}

// subscribe returns a channel of events and a cancel func; ok is false
// when the broker is closed.
func (b *broker) subscribe() (ch chan streamEvent, cancel func(), ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, nil, false
	}
	ch = make(chan streamEvent, subscriberBuffer)
	b.subs[ch] = struct{}{}
	b.n.Store(int32(len(b.subs)))
	return ch, func() {
		b.mu.Lock()
		delete(b.subs, ch)
		b.n.Store(int32(len(b.subs)))
		b.mu.Unlock()
	}, true
}

// listening reports whether anyone subscribes (so publishers can skip
// building an event nobody reads).
func (b *broker) listening() bool { return b.n.Load() > 0 }

func (b *broker) publish(e streamEvent) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	for ch := range b.subs {
		select {
		case ch <- e:
		default:
		}
	}
}

// close ends every subscription (their handlers return).
func (b *broker) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closed {
		b.closed = true
		close(b.done)
	}
}

// onTransition is the breakers' callback (backends.Options.OnTransition):
// metrics, health, log and /events.
func (g *Gateway) onTransition(e breaker.Event) {
	if rb := g.lookupBackend(e.Backend); rb != nil {
		ev := e
		rb.last.Store(&ev)
	}
	g.metrics.state.WithLabelValues(e.Backend).Set(float64(e.To))
	g.metrics.transitions.WithLabelValues(e.Backend, e.From.String(), e.To.String()).Inc()
	g.log.Info("circuit breaker transition", "backend", e.Backend, "from", e.From.String(), "to", e.To.String(),
		"reason", e.Reason, "detail", e.Detail, "model", e.Model.String())
	g.events.publish(streamEvent{"transition", ToTransition(e)})
	if g.opts.OnTransition != nil {
		g.opts.OnTransition(e)
	}
}

// Transition is the /events and /health form of a circuit breaker
// transition (a breaker.Event with its states and model as strings).
type Transition struct {
	// Time is the breaker clock's time of the transition.
	Time time.Time `json:"time"`
	// Backend is the backend whose breaker changed state.
	Backend string `json:"backend"`
	// From and To are "closed", "open" or "half-open".
	From string `json:"from"`
	To   string `json:"to"`
	// Reason is one of the breaker.Reason* constants.
	Reason string `json:"reason"`
	// Detail explains the transition.
	Detail string `json:"detail,omitempty"`
	// Counts are the counts just before the transition.
	Counts breaker.Counts `json:"counts"`
	// OpenUntil is set when To is "open".
	OpenUntil *time.Time `json:"openUntil,omitempty"`
	// RetryAfter is the Retry-After delay that set OpenUntil, "" when the
	// trip duration did.
	RetryAfter string `json:"retryAfter,omitempty"`
	// Model is "reset" (the default) or "halfOpen".
	Model string `json:"model"`
}

// ToTransition converts a breaker event to its /events and /health form.
func ToTransition(e breaker.Event) Transition {
	j := Transition{Time: e.Time, Backend: e.Backend, From: e.From.String(), To: e.To.String(), Reason: e.Reason,
		Detail: e.Detail, Counts: e.Counts, Model: e.Model.String()}
	if !e.OpenUntil.IsZero() {
		t := e.OpenUntil
		j.OpenUntil = &t
	}
	if e.RetryAfter > 0 {
		j.RetryAfter = e.RetryAfter.String()
	}
	return j
}

// RecordEvent is the /events form of a Record ("event: record"): what
// trace, emit-metric, log-to-eventhub and the token-metric policies wrote.
type RecordEvent struct {
	Time       time.Time         `json:"time"`
	Policy     string            `json:"policy"`
	Name       string            `json:"name,omitempty"`
	Severity   string            `json:"severity,omitempty"`
	Message    string            `json:"message,omitempty"`
	Value      float64           `json:"value,omitempty"`
	Dimensions map[string]string `json:"dimensions,omitempty"`
}
