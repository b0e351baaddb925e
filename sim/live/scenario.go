package live

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Limits that keep a scenario bounded.
const (
	// MaxRequests is the most requests one phase may send.
	MaxRequests = 100_000
	// MaxConcurrency is the most requests in flight at once.
	MaxConcurrency = 64
	// DefaultStep is Phase.Step when it is 0: the clock moves 100ms per
	// request, as if clients sent 10 requests per second.
	DefaultStep = 100 * time.Millisecond
)

// ErrScenario is wrapped by every error about an invalid scenario.
var ErrScenario = errors.New("invalid scenario")

// Scenario is a sequence of phases run against one gateway: breaker and
// pool state carries over from one phase to the next.
type Scenario struct {
	// Name names the scenario in reports.
	Name string
	// Method is the request method; "" means GET.
	Method string
	// Path is the request path sent to the gateway ("/orders/42"). It must
	// start with "/".
	Path string
	// Phases run in order; at least one.
	Phases []Phase
}

// Phase is one stage of a scenario.
type Phase struct {
	// Name names the phase in reports.
	Name string
	// Note is a one-line description for reports ("east answers 500").
	Note string
	// Advance moves the clock before the phase's first request, on top
	// of the usual Step: time passing with no traffic, such as a
	// breaker's trip duration. 0 means no jump.
	Advance time.Duration
	// Requests is how many requests the phase sends, 1..MaxRequests.
	Requests int
	// Step is how far the clock moves between two requests. 0 means
	// DefaultStep; it must not be negative.
	Step time.Duration
	// Faults are the faults active during the phase, by backend name
	// (case-insensitive; a Single backend with a URL). Backends not listed
	// answer 200. Faults do not carry over to the next phase.
	Faults map[string]Fault
}

func (p Phase) step() time.Duration {
	if p.Step == 0 {
		return DefaultStep
	}
	return p.Step
}

// validate checks the scenario against the fakes Run can start (names of
// the Single backends, lower-case).
func (s *Scenario) validate(backends map[string]bool) error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s", ErrScenario, fmt.Sprintf(format, args...)))
	}
	if !strings.HasPrefix(s.Path, "/") {
		bad("path %q must start with /", s.Path)
	}
	if len(s.Phases) == 0 {
		bad("no phases")
	}
	for i, p := range s.Phases {
		where := fmt.Sprintf("phase %d (%s)", i+1, p.Name)
		if p.Requests < 1 || p.Requests > MaxRequests {
			bad("%s: requests must be in 1..%d (got %d)", where, MaxRequests, p.Requests)
		}
		if p.Step < 0 || p.Advance < 0 {
			bad("%s: step and advance must not be negative", where)
		}
		for name, f := range p.Faults {
			if !backends[strings.ToLower(name)] {
				bad("%s: fault on %q: no Single backend with a URL has that name", where, name)
				continue
			}
			if err := validateFault(f); err != nil {
				errs = append(errs, fmt.Errorf("%s: fault on %q: %w", where, name, err))
			}
		}
	}
	return errors.Join(errs...)
}
