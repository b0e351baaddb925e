package breaker

import "time"

// Reasons for a transition, in Event.Reason.
const (
	// ReasonCount: the failures in the window reached Settings.Count.
	ReasonCount = "failure-count"
	// ReasonPercentage: the failure percentage reached Settings.Percentage.
	ReasonPercentage = "failure-percentage"
	// ReasonTripElapsed: the open time (trip duration or Retry-After) passed.
	ReasonTripElapsed = "trip-elapsed"
	// ReasonTrialSucceeded: the half-open trial request succeeded.
	ReasonTrialSucceeded = "trial-succeeded"
	// ReasonTrialFailed: the half-open trial request failed.
	ReasonTrialFailed = "trial-failed"
)

// Event describes one state transition.
type Event struct {
	// Time is the breaker clock's time of the transition.
	Time time.Time
	// Backend is Settings.Name.
	Backend string
	// From and To are the states before and after.
	From, To State
	// Reason is one of the Reason constants.
	Reason string
	// Detail is a human-readable explanation ("3 failures in 10s >= count 3").
	Detail string
	// Counts are the counts just before the transition (they are cleared by it).
	Counts Counts
	// OpenUntil is when an Open breaker may let traffic through again; zero
	// unless To is Open.
	OpenUntil time.Time
	// RetryAfter is the Retry-After delay that set OpenUntil (after the
	// MaxRetryAfter cap), 0 when TripDuration did.
	RetryAfter time.Duration
	// Model is the breaker's recovery model, so reports can name it.
	Model Model
	// Generation is the generation the transition started; events of one
	// breaker have increasing generations.
	Generation uint64
}

// queue records e for delivery. It reports whether the caller became the
// emitter and must call drain after releasing the lock. b.mu must be held.
func (b *Breaker) queue(e Event) (drain bool) {
	if b.onTransition == nil {
		return false
	}
	b.pending = append(b.pending, e)
	if b.emitting {
		return false
	}
	b.emitting = true
	return true
}

// drain delivers queued events in order until none is left. b.mu must not
// be held. Only one goroutine (the emitter) drains at a time; transitions
// caused meanwhile (even by OnTransition itself) are delivered by the same
// loop, so order is preserved and re-entrant calls cannot deadlock.
func (b *Breaker) drain() {
	var batch []Event
	for {
		b.mu.Lock()
		if len(b.pending) == 0 {
			b.emitting = false
			b.mu.Unlock()
			return
		}
		batch, b.pending = b.pending, batch[:0]
		b.mu.Unlock()
		for i := range batch {
			b.onTransition(batch[i])
			batch[i] = Event{}
		}
	}
}
