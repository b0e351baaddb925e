package backends

import (
	"fmt"

	"github.com/apimlab/apimlab/apim"
)

// Kind classifies a Problem.
type Kind int

// Problem kinds.
const (
	// Missing: a value the semantics need is not set (or null).
	Missing Kind = iota + 1
	// Unresolved: a value is set but could not be resolved at load time
	// (a deploy-time expression, a parameter without a value).
	Unresolved
	// Invalid: a value is set and resolved but cannot work (a malformed
	// duration, a weight outside 0..100, a rule without failureCondition,
	// settings the breaker refuses).
	Invalid
	// UnknownMember: a pool member does not name a Single backend of the
	// service (an unknown name, a pool, or a backend the Set skipped).
	UnknownMember
	// Unsupported: valid input apimlab does not emulate (Service Fabric
	// backends, a session-affinity source other than Cookie). The Set
	// leaves the feature out and carries on.
	Unsupported
	// SeveralRules: a note, not an error. The backend has more than one
	// circuit breaker rule; Azure evaluates one and so do we: the first.
	SeveralRules
)

var kindNames = [...]string{
	Missing:       "missing",
	Unresolved:    "unresolved",
	Invalid:       "invalid",
	UnknownMember: "unknown-member",
	Unsupported:   "unsupported",
	SeveralRules:  "several-rules",
}

// String returns the kind's name ("missing", "unresolved", …).
func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// IsNote reports whether a problem of this kind leaves the backend fully
// usable (only SeveralRules does).
func (k Kind) IsNote() bool { return k == SeveralRules }

// Problem is something the translation could not use as written.
type Problem struct {
	// Kind classifies the problem.
	Kind Kind
	// Backend is the backend entity's name.
	Backend string
	// Field is the property path inside the backend's properties
	// ("circuitBreaker.rules[0].tripDuration", "pool.services[2].weight"),
	// "" for the backend as a whole.
	Field string
	// Pos is where the value is written, else its enclosing object.
	Pos apim.Position
	// Msg says what is wrong, without the position and backend name.
	Msg string
	// Err is the underlying error (breaker.ErrInvalidSettings,
	// pool.ErrInvalidPool, a duration parse error), if any.
	Err error
}

// Error renders the problem as `file:line:col: backend "x": msg`.
func (p Problem) Error() string {
	if p.Pos.IsValid() {
		return fmt.Sprintf("%s: backend %q: %s", p.Pos, p.Backend, p.Msg)
	}
	return fmt.Sprintf("backend %q: %s", p.Backend, p.Msg)
}

// Unwrap returns Err.
func (p Problem) Unwrap() error { return p.Err }

// problems collects problems for one backend.
type problems struct {
	backend string
	list    []Problem
}

func (ps *problems) add(k Kind, field string, pos apim.Position, err error, format string, args ...any) {
	ps.list = append(ps.list, Problem{Kind: k, Backend: ps.backend, Field: field, Pos: pos, Msg: fmt.Sprintf(format, args...), Err: err})
}

// field reports a Missing or Unresolved problem for an unknown field and
// returns true, or returns false when f is known.
func fieldProblem[T any](ps *problems, f apim.Field[T], path, name string, fallback apim.Position) bool {
	switch {
	case f.Unknown() != "":
		ps.add(Unresolved, path, f.At(fallback), nil, "%s is unresolved: %s", name, f.Unknown())
	case !f.Known():
		ps.add(Missing, path, f.At(fallback), nil, "%s is not set", name)
	default:
		return false
	}
	return true
}
