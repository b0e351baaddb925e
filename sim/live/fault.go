package live

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Fault changes how a fake backend answers. Wrap returns the handler that
// serves requests while the fault is active; next is the healthy handler.
// String describes the fault for reports ("500", "429 Retry-After: 120").
type Fault interface {
	Wrap(next http.Handler) http.Handler
	String() string
}

// Status answers every request with status Code and a short plain-text
// body, without calling the healthy handler.
type Status struct {
	// Code is the status code, 100..599.
	Code int
}

// Wrap implements Fault.
func (s Status) Wrap(http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, fmt.Sprintf("fake backend: injected status %d", s.Code), s.Code)
	})
}

// String implements Fault.
func (s Status) String() string { return strconv.Itoa(s.Code) }

// RetryAfter answers every request with status Code and a Retry-After
// header of After in whole seconds (the delay-seconds form), as a
// throttling backend does.
type RetryAfter struct {
	// Code is the status code; 0 means 429 Too Many Requests.
	Code int
	// After is the delay announced; it is rounded down to whole seconds
	// and must be >= 0.
	After time.Duration
}

func (r RetryAfter) code() int {
	if r.Code == 0 {
		return http.StatusTooManyRequests
	}
	return r.Code
}

// Wrap implements Fault.
func (r RetryAfter) Wrap(http.Handler) http.Handler {
	secs := strconv.FormatInt(int64(r.After/time.Second), 10)
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", secs)
		http.Error(w, "fake backend: injected throttling", r.code())
	})
}

// String implements Fault.
func (r RetryAfter) String() string {
	return fmt.Sprintf("%d Retry-After: %d", r.code(), int64(r.After/time.Second))
}

// Latency delays every request by Delay (real time: the fake is a real
// server) and then serves it with the healthy handler. A request whose
// context ends first gets no response.
type Latency struct {
	// Delay is how long to wait; it must be >= 0.
	Delay time.Duration
}

// Wrap implements Fault.
func (l Latency) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wait(r.Context(), l.Delay) != nil {
			return
		}
		next.ServeHTTP(w, r)
	})
}

// String implements Fault.
func (l Latency) String() string { return "latency " + l.Delay.String() }

// wait blocks for d or until ctx ends.
func wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// validateFault checks a fault's fields.
func validateFault(f Fault) error {
	switch f := f.(type) {
	case nil:
		return fmt.Errorf("%w: nil fault", ErrScenario)
	case Status:
		if f.Code < 100 || f.Code > 599 {
			return fmt.Errorf("%w: status fault code %d is not in 100..599", ErrScenario, f.Code)
		}
	case RetryAfter:
		if c := f.code(); c < 100 || c > 599 {
			return fmt.Errorf("%w: retry-after fault code %d is not in 100..599", ErrScenario, c)
		}
		if f.After < 0 {
			return fmt.Errorf("%w: retry-after fault delay %s is negative", ErrScenario, f.After)
		}
	case Latency:
		if f.Delay < 0 {
			return fmt.Errorf("%w: latency fault delay %s is negative", ErrScenario, f.Delay)
		}
	}
	return nil
}

// Interface guards.
var (
	_ Fault = Status{}
	_ Fault = RetryAfter{}
	_ Fault = Latency{}
)
