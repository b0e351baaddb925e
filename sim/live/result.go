package live

import (
	"slices"
	"time"
)

// Result is what a scenario run observed.
type Result struct {
	// Scenario is Scenario.Name.
	Scenario string
	// Model is the breaker recovery model the gateway ran with.
	Model string
	// Start is the clock's time when the first phase began.
	Start time.Time
	// Fakes are the fake backends, in the service's declaration order.
	Fakes []FakeInfo
	// Phases are the phase results, in order.
	Phases []PhaseResult
}

// FakeInfo describes one fake backend of a run.
type FakeInfo struct {
	// Name is the fake's name (its first backend).
	Name string
	// Backends are the backends it stood in for.
	Backends []string
	// Target is the configured host:port.
	Target string
	// TLS reports whether it served HTTPS.
	TLS bool
}

// PhaseResult is what one phase observed.
type PhaseResult struct {
	// Name and Note are the phase's.
	Name, Note string
	// Faults describes the active faults by backend name.
	Faults map[string]string
	// Start and End are the clock's times at the first and last request.
	Start, End time.Time
	// Requests is the number of requests sent.
	Requests int
	// Status counts responses by status code; 0 counts requests that got
	// no response (transport error).
	Status map[int]int
	// Served counts responses by the backend that served them (the
	// gateway's x-apimlab-backend header; "none" for responses the gateway
	// generated itself, such as a 503 with every member's breaker open).
	Served map[string]int
	// Attempts counts the requests each fake received (by fake name),
	// retries included.
	Attempts map[string]int
	// Breakers is each breaker's state when the phase ended, by backend.
	Breakers map[string]string
	// Events are the breaker transitions that happened during the phase.
	Events []Event
	// Errors holds the first few transport errors, for diagnosis.
	Errors []string
}

// Share returns the fraction of the phase's requests that backend served.
func (p *PhaseResult) Share(backend string) float64 {
	if p.Requests == 0 {
		return 0
	}
	return float64(p.Served[backend]) / float64(p.Requests)
}

// Events returns every transition of the run, in order.
func (r *Result) Events() []Event {
	var all []Event
	for _, p := range r.Phases {
		all = append(all, p.Events...)
	}
	return all
}

// Phase returns the phase result with the given name, or nil.
func (r *Result) Phase(name string) *PhaseResult {
	i := slices.IndexFunc(r.Phases, func(p PhaseResult) bool { return p.Name == name })
	if i < 0 {
		return nil
	}
	return &r.Phases[i]
}

// maxErrors is how many transport errors a phase keeps.
const maxErrors = 5
