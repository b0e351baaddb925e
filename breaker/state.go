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
	// HalfOpen admits a single trial request (ModelHalfOpen only).
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

// The recovery models. The zero value is ModelHalfOpen.
const (
	// ModelHalfOpen moves to HalfOpen: one trial request; success closes,
	// failure re-opens. It is the seed model and the default.
	ModelHalfOpen Model = iota
	// ModelReset closes the breaker immediately with cleared counts, as
	// Microsoft Learn describes Azure's breaker ("the circuit resets and
	// traffic resumes to the backend").
	ModelReset
)

// String returns "halfOpen" or "reset", the spelling ParseModel accepts.
func (m Model) String() string {
	switch m {
	case ModelHalfOpen:
		return "halfOpen"
	case ModelReset:
		return "reset"
	}
	return fmt.Sprintf("model(%d)", int(m))
}

// ParseModel parses "halfOpen" or "reset" (case-insensitive, "half-open" is
// also accepted). The empty string is ModelHalfOpen.
func ParseModel(s string) (Model, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "halfopen", "half-open", "half_open":
		return ModelHalfOpen, nil
	case "reset":
		return ModelReset, nil
	}
	return 0, fmt.Errorf("%w: unknown breaker model %q (valid: halfOpen, reset)", ErrInvalidSettings, s)
}
