package breaker

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrOpen is returned by Allow while the breaker is open.
var ErrOpen = errors.New("breaker: open")

// ErrTrialInFlight is returned by Allow while a half-open breaker's single
// trial request is in flight. errors.Is(ErrTrialInFlight, ErrOpen) is true:
// for the caller both mean "do not call the backend".
var ErrTrialInFlight = fmt.Errorf("%w: half-open trial in flight", ErrOpen)

// Counts are the outcomes recorded in the current generation's sliding
// window (Requests, Successes, Failures) and the current streaks.
type Counts struct {
	Requests             int
	Successes            int
	Failures             int
	ConsecutiveSuccesses int
	ConsecutiveFailures  int
}

// Breaker is a circuit breaker; see the package doc. It is safe for
// concurrent use.
type Breaker struct {
	name         string
	count        int
	percentage   int
	minRequests  int
	tripDuration time.Duration
	acceptRA     bool
	maxRA        time.Duration
	model        Model
	now          func() time.Time
	onTransition func(Event)
	isFailure    func(Outcome) bool
	classify     classifier

	mu         sync.Mutex
	state      State
	generation uint64
	win        window
	consecOK   int
	consecFail int
	openUntil  time.Time
	trialBusy  bool
	done       func(Outcome) // Closed-state done func of this generation
	trialDone  func(Outcome) // HalfOpen trial done func of this generation
	pending    []Event
	emitting   bool
}

// New returns a Closed breaker. It returns an error wrapping
// ErrInvalidSettings, naming the field, when s is not valid.
func New(s Settings) (*Breaker, error) {
	s, err := s.validate()
	if err != nil {
		return nil, err
	}
	b := &Breaker{
		name:         s.Name,
		count:        s.Count,
		percentage:   s.Percentage,
		minRequests:  s.MinRequests,
		tripDuration: s.TripDuration,
		acceptRA:     s.AcceptRetryAfter,
		maxRA:        s.MaxRetryAfter,
		model:        s.Model,
		now:          s.Now,
		onTransition: s.OnTransition,
		isFailure:    s.IsFailure,
		classify: classifier{
			ranges:    s.StatusRanges,
			reasons:   s.ErrorReasons,
			transport: s.TransportErrors,
		},
	}
	if b.isFailure == nil {
		b.isFailure = b.classify.isFailure
	}
	b.win = newWindow(s.Interval, b.now())
	b.newGeneration()
	return b, nil
}

// Name returns Settings.Name.
func (b *Breaker) Name() string { return b.name }

// Model returns the breaker's recovery model.
func (b *Breaker) Model() Model { return b.model }

// IsFailure reports whether o counts as a failure for this breaker.
func (b *Breaker) IsFailure(o Outcome) bool { return b.isFailure(o) }

// Allow asks to send one request. When it returns a nil error the caller
// must send the request and then call done exactly once with its outcome.
// It returns ErrOpen while the breaker is open and ErrTrialInFlight while a
// half-open trial is in flight.
func (b *Breaker) Allow() (done func(Outcome), err error) {
	now := b.now()
	b.mu.Lock()
	drain := b.tick(now)
	switch b.state {
	case Closed:
		done = b.done
	case HalfOpen:
		if b.trialBusy {
			err = ErrTrialInFlight
		} else {
			b.trialBusy = true
			done = b.trialDone
		}
	default:
		err = ErrOpen
	}
	b.mu.Unlock()
	if drain {
		b.drain()
	}
	return done, err
}

// State returns the current state, applying a due Open -> HalfOpen/Closed
// transition first.
func (b *Breaker) State() State {
	now := b.now()
	b.mu.Lock()
	drain := b.tick(now)
	s := b.state
	b.mu.Unlock()
	if drain {
		b.drain()
	}
	return s
}

// Ready reports whether Allow would admit a request now: the breaker is
// Closed, or HalfOpen with no trial in flight. A pool uses it as the
// member's availability.
func (b *Breaker) Ready() bool {
	now := b.now()
	b.mu.Lock()
	drain := b.tick(now)
	ok := b.state == Closed || (b.state == HalfOpen && !b.trialBusy)
	b.mu.Unlock()
	if drain {
		b.drain()
	}
	return ok
}

// Counts returns the current generation's counts over the sliding window
// as of now.
func (b *Breaker) Counts() Counts {
	now := b.now()
	b.mu.Lock()
	drain := b.tick(now)
	b.win.advance(now)
	c := b.countsLocked()
	b.mu.Unlock()
	if drain {
		b.drain()
	}
	return c
}

// OpenUntil returns when an open breaker stops rejecting requests, or the
// zero time when it is not open.
func (b *Breaker) OpenUntil() time.Time {
	now := b.now()
	b.mu.Lock()
	drain := b.tick(now)
	var t time.Time
	if b.state == Open {
		t = b.openUntil
	}
	b.mu.Unlock()
	if drain {
		b.drain()
	}
	return t
}

// record is the body of the done funcs: it applies one outcome reported for
// generation gen.
func (b *Breaker) record(gen uint64, trial bool, o Outcome) {
	failure := b.isFailure(o) // user code: run it outside the lock
	now := b.now()
	b.mu.Lock()
	drain := b.tick(now)
	if gen == b.generation {
		switch {
		case o.Canceled && !failure:
			// Neither a success nor a failure: nothing is counted, and
			// a half-open trial gives its slot back.
			if trial && b.state == HalfOpen {
				b.trialBusy = false
			}
		case b.state == Closed && !trial:
			drain = b.recordClosed(now, failure, o) || drain
		case b.state == HalfOpen && trial:
			drain = b.recordTrial(now, failure, o) || drain
		}
	}
	b.mu.Unlock()
	if drain {
		b.drain()
	}
}

// recordClosed counts an outcome in the Closed state and trips when the
// failure condition holds. b.mu must be held.
func (b *Breaker) recordClosed(now time.Time, failure bool, o Outcome) (drain bool) {
	b.win.add(now, failure)
	if !failure {
		b.consecOK++
		b.consecFail = 0
		return false
	}
	b.consecFail++
	b.consecOK = 0
	if b.count > 0 {
		if b.win.failures < b.count {
			return false
		}
		detail := fmt.Sprintf("%d failures in %s >= count %d", b.win.failures, b.interval(), b.count)
		return b.trip(now, o, ReasonCount, detail)
	}
	if b.win.requests < b.minRequests || b.win.failures*100 < b.percentage*b.win.requests {
		return false
	}
	detail := fmt.Sprintf("%d of %d requests failed in %s (%d%%) >= %d%% with min %d requests",
		b.win.failures, b.win.requests, b.interval(), b.win.failures*100/b.win.requests, b.percentage, b.minRequests)
	return b.trip(now, o, ReasonPercentage, detail)
}

// recordTrial applies the half-open trial's outcome. b.mu must be held.
func (b *Breaker) recordTrial(now time.Time, failure bool, o Outcome) (drain bool) {
	b.trialBusy = false
	if failure {
		b.consecFail++
		b.consecOK = 0
		return b.trip(now, o, ReasonTrialFailed, "half-open trial request failed")
	}
	b.consecOK++
	b.consecFail = 0
	return b.transition(now, Closed, ReasonTrialSucceeded, "half-open trial request succeeded", 0)
}

// trip opens the breaker for TripDuration, or for the outcome's Retry-After
// when accepted. b.mu must be held.
func (b *Breaker) trip(now time.Time, o Outcome, reason, detail string) (drain bool) {
	open := b.tripDuration
	var ra time.Duration
	if b.acceptRA && o.RetryAfter != "" {
		if d, ok := ParseRetryAfter(o.RetryAfter, now); ok {
			if b.maxRA > 0 && d > b.maxRA {
				d = b.maxRA
			}
			open, ra = d, d
			detail += fmt.Sprintf("; open for Retry-After %s", d)
		}
	}
	b.openUntil = addSat(now, open)
	return b.transition(now, Open, reason, detail, ra)
}

// tick applies a due transition out of Open. b.mu must be held.
func (b *Breaker) tick(now time.Time) (drain bool) {
	if b.state != Open || now.Before(b.openUntil) {
		return false
	}
	to := HalfOpen
	detail := "open time elapsed; admitting one trial request"
	if b.model == ModelReset {
		to = Closed
		detail = "open time elapsed; reset model closes with cleared counts"
	}
	return b.transition(now, to, ReasonTripElapsed, detail, 0)
}

// transition moves to state to, starts a new generation with cleared counts
// and queues the event. b.mu must be held.
func (b *Breaker) transition(now time.Time, to State, reason, detail string, ra time.Duration) (drain bool) {
	b.win.advance(now)
	e := Event{
		Time:       now,
		Backend:    b.name,
		From:       b.state,
		To:         to,
		Reason:     reason,
		Detail:     detail,
		Counts:     b.countsLocked(),
		RetryAfter: ra,
		Model:      b.model,
	}
	if to == Open {
		e.OpenUntil = b.openUntil
	} else {
		b.openUntil = time.Time{}
	}
	b.state = to
	b.trialBusy = false
	b.win.clear()
	b.consecOK, b.consecFail = 0, 0
	b.newGeneration()
	e.Generation = b.generation
	return b.queue(e)
}

// newGeneration bumps the generation and caches its done funcs, so Allow
// does not allocate. b.mu must be held (or b not yet shared).
func (b *Breaker) newGeneration() {
	b.generation++
	gen := b.generation
	switch b.state {
	case Closed:
		b.done = func(o Outcome) { b.record(gen, false, o) }
		b.trialDone = nil
	case HalfOpen:
		b.done = nil
		b.trialDone = func(o Outcome) { b.record(gen, true, o) }
	default:
		b.done, b.trialDone = nil, nil
	}
}

// countsLocked returns the counts; the window must have been advanced.
func (b *Breaker) countsLocked() Counts {
	return Counts{
		Requests:             b.win.requests,
		Successes:            b.win.requests - b.win.failures,
		Failures:             b.win.failures,
		ConsecutiveSuccesses: b.consecOK,
		ConsecutiveFailures:  b.consecFail,
	}
}

// interval returns the window's configured length for messages.
func (b *Breaker) interval() time.Duration { return b.win.interval }

// addSat returns t+d, saturating instead of overflowing for huge d.
func addSat(t time.Time, d time.Duration) time.Time {
	u := t.Add(d)
	if d > 0 && u.Before(t) {
		return time.Unix(1<<62, 0)
	}
	return u
}
