// Package breaker is the circuit breaker of one APIM backend, in
// sony/gobreaker's shape (State, Counts, Settings, generations, two-step
// Allow/done) with an injected clock, so the live gateway and the model
// simulation engine (virtual clock, millions of synthetic requests) run the
// same code.
//
// # Semantics
//
// A breaker starts Closed. Every outcome reported through the done func
// returned by [Breaker.Allow] is recorded in a sliding window of
// Settings.Interval. When a failure is recorded and the failure condition
// holds (Count failures in the window, or Percentage of the window's requests
// with at least MinRequests requests), the breaker trips: it is Open until
// now+TripDuration, or now+Retry-After when AcceptRetryAfter is set and the
// tripping response carries a valid Retry-After header.
//
// While Open, Allow returns [ErrOpen] without calling the backend (the
// gateway answers 503). When the open time has passed, the next call that
// looks at the breaker applies the Model:
//
//   - ModelReset (the default, what Microsoft Learn describes for Azure:
//     "After the configured trip duration, the circuit resets and traffic
//     resumes to the backend"): the breaker closes with cleared counts and
//     every caller is admitted again.
//   - ModelHalfOpen (the classic pattern, selectable): the breaker becomes
//     HalfOpen and admits exactly one trial request; concurrent callers get
//     [ErrTrialInFlight] (which matches ErrOpen with errors.Is). A successful
//     trial closes the breaker with cleared counts; a failed trial re-opens it
//     (the failed trial's Retry-After is honoured like a tripping response's).
//
// Transitions are evaluated lazily, on Allow, done, State, Counts, OpenUntil
// and Ready; there is no timer goroutine.
//
// # Canceled requests
//
// An outcome with Canceled set (the client went away before the backend
// answered) is neither a success nor a failure, unless its ErrReason is
// listed in ErrorReasons: it is not counted, and when it ends a half-open
// trial the trial slot is released, so the next caller becomes the trial.
//
// # Sliding window
//
// The window is a ring of up to 60 time buckets, each Interval/60 wide
// (boundaries at k*Interval/60 nanoseconds, rounded down; intervals shorter
// than 60ns use one bucket per nanosecond). Memory is O(buckets), independent of traffic.
// Counting is exact: the breaker trips on exactly the Nth failure inside the
// window. Expiry is at bucket granularity: an outcome leaves the window between
// Interval-Interval/60 and Interval after it was recorded (so a failure
// recorded exactly one Interval ago never counts).
//
// # Generations
//
// Every transition starts a new generation and clears the counts. A done func
// belongs to the generation of its Allow call; outcomes reported for an older
// generation (a request admitted before the breaker tripped, say) are ignored.
// Call each done func exactly once: in the Closed state a second call is
// counted again (done funcs are cached per generation so the closed path does
// not allocate).
//
// # Events
//
// Every transition produces an [Event] passed to Settings.OnTransition. Events
// are delivered after the breaker's lock is released, in transition order,
// by the goroutine that caused the first undelivered transition (it keeps
// delivering until the queue is empty). OnTransition may therefore call back
// into the breaker without deadlocking; it should be quick, because it runs on
// the request path.
package breaker
