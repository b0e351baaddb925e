package breaker

import (
	"fmt"
	"strings"
)

// State is the state of a circuit breaker.
type State int

// The breaker states.
const (
	// Closed lets requests through and records their outcomes.
	Closed State = iota
	// Open rejects requests until its open time has passed.
	Open
	// HalfOpen admits a single trial request (ModelHalfOpen only; the
	// default ModelReset never enters it).
	HalfOpen
)

// String returns "closed", "open" or "half-open".
func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case HalfOpen:
		return "half-open"
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// Model is what happens when an open breaker's trip duration has elapsed.
type Model int

// The recovery models. The zero value is ModelReset, Azure's documented
// behaviour.
const (
	// ModelReset closes the breaker as soon as its open time has passed,
	// with cleared counts, and all traffic resumes: Microsoft Learn,
	// "Backends in API Management", circuit breaker section: "After the
	// configured trip duration, the circuit resets and traffic resumes to
	// the backend". It is the default.
	ModelReset Model = iota
	// ModelHalfOpen moves to HalfOpen instead: one trial request; success
	// closes, failure re-opens. It is the classic circuit breaker pattern
	// (and the product's study text), selectable as an option.
	ModelHalfOpen
)

// String returns "reset" or "halfOpen", the spelling ParseModel accepts.
func (m Model) String() string {
	switch m {
	case ModelReset:
		return "reset"
	case ModelHalfOpen:
		return "halfOpen"
	}
	return fmt.Sprintf("model(%d)", int(m))
}

// ParseModel parses "reset" or "halfOpen" (case-insensitive; "half-open"
// and "half_open" are also accepted). The empty string is ModelReset, the
// default.
func ParseModel(s string) (Model, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "reset":
		return ModelReset, nil
	case "halfopen", "half-open", "half_open":
		return ModelHalfOpen, nil
	}
	return 0, fmt.Errorf("%w: unknown breaker model %q (valid: reset, halfOpen)", ErrInvalidSettings, s)
}

// TransportErrors says when a transport error (Outcome.Err: connection
// refused or reset, TLS failure, forward-request timeout) is a failure.
// Microsoft Learn lists a rule's status code ranges and error reasons but
// does not say whether an unreachable backend counts, so both readings
// are available (docs/semantics.md).
type TransportErrors uint8

const (
	// TransportAlways counts every transport error as a failure, whatever
	// errorReasons lists: a backend that cannot be reached is what users
	// expect a breaker to catch. It is the default.
	TransportAlways TransportErrors = iota
	// TransportListed counts a transport error only when its error reason
	// (BackendConnectionFailure, Timeout) is listed in errorReasons: a rule
	// of status codes only (429 for a throttled Azure OpenAI backend, say)
	// then trips on those statuses alone.
	TransportListed
)

// String returns "always" or "listed", the spelling
// ParseTransportErrors accepts.
func (t TransportErrors) String() string {
	switch t {
	case TransportAlways:
		return "always"
	case TransportListed:
		return "listed"
	}
	return fmt.Sprintf("transportErrors(%d)", int(t))
}

// ParseTransportErrors parses "always" or "listed" (case-insensitive).
// The empty string is TransportAlways, the default.
func ParseTransportErrors(s string) (TransportErrors, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "always":
		return TransportAlways, nil
	case "listed":
		return TransportListed, nil
	}
	return 0, fmt.Errorf("%w: unknown transport errors setting %q (valid: always, listed)", ErrInvalidSettings, s)
}
