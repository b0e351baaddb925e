package backends

import (
	"errors"
	"fmt"

	"github.com/apimlab/apimlab/breaker"
)

// Errors wrapped by Unavailable.
var (
	// ErrBreakerOpen: the Single backend's breaker is open (or its
	// half-open trial is in flight). APIM reason BackendUnavailable.
	ErrBreakerOpen = errors.New("backends: circuit breaker open")
	// ErrNoMember: no member of the pool is available.
	ErrNoMember = errors.New("backends: no pool member available")
)

// Unavailable is the error Acquire returns when no backend can be called.
// The gateway answers Status itself, without calling a backend, and the
// error enters on-error.
type Unavailable struct {
	// Backend is the backend asked for (the Single backend or the Pool).
	Backend string
	// Status is Backend.FailureStatus: 503 or failureResponse.statusCode.
	Status int
	// Err is ErrBreakerOpen or ErrNoMember.
	Err error
}

// Error implements error.
func (e *Unavailable) Error() string {
	if e.Err == ErrNoMember {
		return fmt.Sprintf("no member of pool %q is available", e.Backend)
	}
	return fmt.Sprintf("circuit breaker of backend %q is open", e.Backend)
}

// Unwrap returns Err.
func (e *Unavailable) Unwrap() error { return e.Err }

// Lease is a Single backend admitted for one request. Call Done exactly
// once with the request's outcome.
type Lease struct {
	b    *Backend
	done func(breaker.Outcome)
}

// Backend returns the Single backend to call.
func (l Lease) Backend() *Backend { return l.b }

// Done records the outcome of the request in the backend's breaker (a
// backend without a breaker records nothing). See breaker.Outcome for
// what counts: a Canceled outcome releases a half-open trial uncounted.
func (l Lease) Done(o breaker.Outcome) {
	if l.done != nil {
		l.done(o)
	}
}

// Acquire picks the Single backend that serves one request through b and
// admits it through its breaker. For a Pool, the member comes from
// pool.SelectFor(sessionKey) (an empty key is plain selection); a member
// reported available can lose its half-open trial to a concurrent request
// between selection and admission, so selection is retried a bounded
// number of times. The error, when no backend can be called, is b's
// *Unavailable (ErrBreakerOpen for a Single backend, ErrNoMember for a
// Pool). Acquire does not allocate, except to pin a new session key.
func (b *Backend) Acquire(sessionKey string) (Lease, error) {
	if b.pool == nil {
		if b.breaker == nil {
			return Lease{b: b}, nil
		}
		done, err := b.breaker.Allow()
		if err != nil {
			return Lease{}, b.reject
		}
		return Lease{b: b, done: done}, nil
	}
	for range len(b.members) + 1 {
		i, ok := b.pool.SelectFor(sessionKey)
		if !ok {
			break
		}
		m := b.members[i]
		if m.breaker == nil {
			return Lease{b: m}, nil
		}
		if done, err := m.breaker.Allow(); err == nil {
			return Lease{b: m, done: done}, nil
		}
	}
	return Lease{}, b.reject
}
