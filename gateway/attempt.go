package gateway

import "time"

// Attempt is one request the gateway sent to a backend: every retry and
// every pool member tried is an attempt of its own. Options.OnAttempt
// receives them; the simulator builds its per-backend timelines from them.
type Attempt struct {
	// Backend is the backend entity (or, for an ad hoc base-url, the
	// URL's host) the attempt went to.
	Backend string
	// Start and End are the gateway clock's times when the attempt was
	// sent and when its response headers (or its error) arrived.
	Start, End time.Time
	// Status is the backend's status code; 0 when no response arrived.
	Status int
	// Reason is the APIM error reason of an attempt without a response
	// ("BackendConnectionFailure", "Timeout", …); "" otherwise.
	Reason string
}

// attempted reports an attempt to Options.OnAttempt.
func (g *Gateway) attempted(backend string, start time.Time, status int, reason string) {
	if g.opts.OnAttempt != nil {
		g.opts.OnAttempt(Attempt{Backend: backend, Start: start, End: g.opts.Clock.Now(), Status: status, Reason: reason})
	}
}
