package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/apimlab/apimlab/sim/hist"
)

// ResultVersion is the version of the Result JSON format. It changes when a
// field changes meaning or is removed; new fields do not change it.
const ResultVersion = 1

// Result is what a simulation run observed, the same for every engine. Times
// are offsets from the scenario's start ("at"), so results of runs that
// started at different wall times compare and merge directly.
type Result struct {
	// Version is ResultVersion.
	Version int `json:"version"`
	// Scenario echoes the scenario that ran.
	Scenario *Scenario `json:"scenario"`
	// Run says how it ran.
	Run RunInfo `json:"run"`
	// Backends describes the backends of the configuration and their fakes.
	Backends []BackendInfo `json:"backends"`
	// Phases are the per-phase aggregates, stream by stream in order.
	Phases []PhaseResult `json:"phases"`
	// Faults are the fault windows of the timeline.
	Faults []FaultWindow `json:"faults"`
	// Transitions are every breaker transition of every instance, in time
	// order.
	Transitions []Transition `json:"transitions"`
	// Series are per-bucket counts of the attempts each instance sent to
	// each backend (retries included), by status class, with latency.
	Series []Series `json:"series"`
	// Clients are per-bucket counts of what clients saw, per stream.
	Clients []Series `json:"clients"`
	// Assertions are the outcomes of the scenario's expectations.
	Assertions []AssertionResult `json:"assertions"`
	// OpenAttempts counts, per backend and instance, the attempts that
	// started while that instance's breaker was open (noTraffic
	// assertions); only non-zero counts are listed.
	OpenAttempts []OpenAttempt `json:"openAttempts,omitempty"`
	// Warnings note what makes the run less trustworthy (a rate not
	// achieved, requests cut short).
	Warnings []string `json:"warnings,omitempty"`
	// Passed reports whether every assertion held.
	Passed bool `json:"passed"`
}

// RunInfo describes how a run was made, so a reader can reproduce it.
type RunInfo struct {
	// Engine is "live" or "model".
	Engine string `json:"engine"`
	// Clock is "virtual" or "wall".
	Clock string `json:"clock"`
	// BreakerModel is "reset" (the default) or "halfOpen".
	BreakerModel string `json:"breakerModel"`
	// TransportErrors is "always" or "listed": when a transport error
	// counted against a breaker (gateway.transportErrors). Results saved
	// before the setting existed have none, which means always.
	TransportErrors string `json:"transportErrors,omitempty"`
	// Speed is the wall-clock compression factor (1 on a virtual clock).
	Speed float64 `json:"speed"`
	// Seed seeded every random choice.
	Seed uint64 `json:"seed"`
	// Instances is the number of gateway instances.
	Instances int `json:"instances"`
	// Start is scenario time 0 on the gateway's clock.
	Start time.Time `json:"start"`
	// Length is the scenario's length.
	Length Duration `json:"length"`
	// Bucket is the width of Series and Clients buckets.
	Bucket Duration `json:"bucket"`
	// Wall is how long the run took in wall time.
	Wall Duration `json:"wall"`
	// Version is apimlab's version.
	Version string `json:"version,omitempty"`
	// StartedAt is the wall-clock time the load started.
	StartedAt time.Time `json:"startedAt,omitzero"`
	// Shard is set for one shard of a sharded run (--shard i/N).
	Shard *Shard `json:"shard,omitempty"`
	// Shards lists the shards a merged result was made of, and Skew is
	// the largest difference between their start times.
	Shards []Shard  `json:"shards,omitempty"`
	Skew   Duration `json:"skew,omitempty"`
}

// Transport is TransportErrors, "always" when the result has none (saved
// before the setting existed).
func (ri RunInfo) Transport() string {
	if ri.TransportErrors == "" {
		return "always"
	}
	return ri.TransportErrors
}

// Shard identifies one shard of a sharded run: it sent every Count-th
// arrival of every phase, starting with arrival Index, so the shards'
// arrivals interleave.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
	// StartAt is the agreed start instant (--start-at); zero when none.
	StartAt time.Time `json:"startAt,omitzero"`
	// StartedAt is when the shard really started.
	StartedAt time.Time `json:"startedAt,omitzero"`
	// Late is set when the shard started more than a second after
	// StartAt: its arrivals are shifted and its rate is still requested
	// from the agreed instants.
	Late bool `json:"late,omitempty"`
}

// OpenAttempt counts attempts that started while a breaker was open.
type OpenAttempt struct {
	Backend  string `json:"backend"`
	Instance int    `json:"instance"`
	Count    uint64 `json:"count"`
}

// BackendInfo describes one backend entity of the configuration.
type BackendInfo struct {
	Name string `json:"name"`
	// Kind is "Single" or "Pool".
	Kind string `json:"kind"`
	// URL is a Single backend's URL.
	URL string `json:"url,omitempty"`
	// Members are a pool's members.
	Members []MemberInfo `json:"members,omitempty"`
	// Breaker summarises a Single backend's circuit breaker ("5 failures
	// in 1m0s, trip 1m0s"), "" when it has none.
	Breaker string `json:"breaker,omitempty"`
	// Fake describes the fake that stood in for it ("https auto", "http").
	Fake string `json:"fake,omitempty"`
}

// MemberInfo is one pool member as the shared backend semantics read it.
type MemberInfo struct {
	Backend  string `json:"backend"`
	Priority int    `json:"priority"`
	Weight   int    `json:"weight"`
}

// FaultWindow is one fault of the timeline.
type FaultWindow struct {
	Backend string   `json:"backend"`
	Kind    string   `json:"kind"`
	From    Duration `json:"from"`
	To      Duration `json:"to"`
	// Detail describes the fault ("503 at 100%, Retry-After 10s").
	Detail string `json:"detail"`
}

// Counts are a breaker's window counts at a transition.
type Counts struct {
	Requests int `json:"requests"`
	Failures int `json:"failures"`
}

// Transition is one breaker state change.
type Transition struct {
	At       Duration `json:"at"`
	Instance int      `json:"instance"`
	Backend  string   `json:"backend"`
	From     string   `json:"from"`
	To       string   `json:"to"`
	Reason   string   `json:"reason"`
	Detail   string   `json:"detail,omitempty"`
	Counts   Counts   `json:"counts"`
	// OpenFor is how long an opened breaker stays open (0 unless To is
	// "open").
	OpenFor Duration `json:"openFor,omitempty"`
	// RetryAfter is set when a Retry-After decided OpenFor.
	RetryAfter Duration `json:"retryAfter,omitempty"`
}

// Status classes of Point.Status.
const (
	Class2xx = iota
	Class3xx
	Class4xx
	Class5xx
	ClassError // no response (connection, TLS, timeout)
	numClasses
)

// ClassNames names the status classes in order.
var ClassNames = [numClasses]string{"2xx", "3xx", "4xx", "5xx", "error"}

// ClassOf returns the status class of a status code (0: no response).
func ClassOf(code int) int {
	switch {
	case code >= 200 && code < 300:
		return Class2xx
	case code >= 300 && code < 400:
		return Class3xx
	case code >= 400 && code < 500:
		return Class4xx
	case code >= 500:
		return Class5xx
	case code > 0: // 1xx
		return Class2xx
	default:
		return ClassError
	}
}

// Series is a sequence of buckets for one backend and instance (attempts)
// or one stream (clients; Instance is -1).
type Series struct {
	// Backend is the backend (attempt series) or the stream (client
	// series).
	Backend  string  `json:"backend,omitempty"`
	Stream   string  `json:"stream,omitempty"`
	Instance int     `json:"instance"`
	Points   []Point `json:"points"`
}

// Point is one bucket.
type Point struct {
	// T is the bucket's index: it covers [T*bucket, (T+1)*bucket).
	T int64 `json:"t"`
	// Requests counts requests (client series) or attempts (backend
	// series).
	Requests uint64 `json:"requests"`
	// Status counts them by class (ClassNames).
	Status [numClasses]uint64 `json:"status"`
	// Latency is their latency.
	Latency hist.Histogram `json:"latency"`
}

// PhaseResult aggregates one phase of one stream.
type PhaseResult struct {
	Stream string   `json:"stream"`
	Name   string   `json:"name"`
	Start  Duration `json:"start"`
	End    Duration `json:"end"`
	// Method and Path are the phase's request.
	Method string `json:"method"`
	Path   string `json:"path"`
	// Requested is the number of requests the phase's shape asked for;
	// RequestedRate the mean requested rate.
	Requested     float64 `json:"requested"`
	RequestedRate float64 `json:"requestedRate"`
	// Requests is the number sent; AchievedRate is Requests per second of
	// phase time.
	Requests     uint64  `json:"requests"`
	AchievedRate float64 `json:"achievedRate"`
	// Status counts responses by status code ("0": no response).
	Status map[string]uint64 `json:"status"`
	// Errors counts requests without a response by error text (a few).
	Errors map[string]uint64 `json:"errors,omitempty"`
	// Reasons counts the responses the gateway generated itself by APIM
	// error reason ("BackendConnectionFailure": 12).
	Reasons map[string]uint64 `json:"reasons,omitempty"`
	// ErrorRate is the share of requests with a 5xx or no response.
	ErrorRate float64        `json:"errorRate"`
	Latency   hist.Histogram `json:"latency"`
	P50       Duration       `json:"p50"`
	P90       Duration       `json:"p90"`
	P99       Duration       `json:"p99"`
	Max       Duration       `json:"max"`
	// Served counts responses by the backend that served them ("none":
	// answered by the gateway itself).
	Served map[string]uint64 `json:"served"`
	// Shares compares each pool member's observed share with the share
	// expected from weights, priorities and breaker states.
	Shares []Share `json:"shares,omitempty"`
}

// Share is a pool member's share of the responses its pool served in a
// phase.
type Share struct {
	Pool     string  `json:"pool"`
	Backend  string  `json:"backend"`
	Served   uint64  `json:"served"`
	Observed float64 `json:"observed"`
	Expected float64 `json:"expected"`
}

// AssertionResult is the outcome of one expectation.
type AssertionResult struct {
	// Name is the expectation's name or a generated label.
	Name string `json:"name"`
	// Kind is the expectation's kind (breaker, traffic, …).
	Kind string `json:"kind"`
	// Passed reports whether it held.
	Passed bool `json:"passed"`
	// Expected and Observed describe the bound and the observed value.
	Expected string `json:"expected"`
	Observed string `json:"observed"`
}

// WriteJSON writes r as indented JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ReadResult reads a result written by WriteJSON, refusing other versions.
func ReadResult(path string) (*Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r Result
	dec := json.NewDecoder(f)
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%s: not a simulation result: %w", path, err)
	}
	if r.Version != ResultVersion {
		return nil, fmt.Errorf("%s: result version %d, this apimlab reads version %d", path, r.Version, ResultVersion)
	}
	return &r, nil
}

// Phase returns the phase result named by ref ("phase" or "stream/phase").
func (r *Result) Phase(ref string) (*PhaseResult, bool) {
	stream, name, qualified := stringsCut(ref)
	var found *PhaseResult
	for i := range r.Phases {
		p := &r.Phases[i]
		if p.Name == name && (!qualified || p.Stream == stream) {
			if found != nil {
				return nil, false
			}
			found = p
		}
	}
	return found, found != nil
}

func stringsCut(ref string) (stream, name string, qualified bool) {
	for i := 0; i < len(ref); i++ {
		if ref[i] == '/' {
			return ref[:i], ref[i+1:], true
		}
	}
	return "", ref, false
}

// Duration helpers for JSON: Duration marshals as a Go duration string.
var _ = time.Second
