// Package sim holds what both simulation engines share: the scenario a user
// writes (Scenario, decoded strictly from YAML or JSON with file:line:col on
// every error), the arrival process of each load phase, the streamed
// aggregation of what happened (Recorder) and the versioned Result with its
// assertion outcomes. sim/live runs a scenario against the real gateway with
// fake backends on loopback; sim/model runs the same scenario without
// sockets. Both return the same Result, so every report and assertion works
// on either.
package sim

import (
	"time"

	"github.com/apimlab/apimlab/apim"
)

// Scenario is a simulation: the configuration under test, fake backends with
// fault timelines, load streams with phases, and expectations.
type Scenario struct {
	// Schema is the optional "$schema" key editors use; ignored.
	Schema string `yaml:"$schema,omitempty" json:"$schema,omitempty"`
	// Name names the scenario in reports.
	Name string `yaml:"name" json:"name" jsonschema:"required"`
	// Description is free text shown in reports.
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Config lists the APIM configuration files or folders, relative to the
	// scenario file.
	Config StringList `yaml:"config" json:"config" jsonschema:"required"`
	// Parameters lists ARM parameters files, relative to the scenario file.
	Parameters StringList `yaml:"parameters,omitempty" json:"parameters,omitempty"`
	// Seed makes every random choice reproducible (fault rates, jitter,
	// arrivals, session ids). 0 means 1.
	Seed uint64 `yaml:"seed,omitempty" json:"seed,omitempty"`
	// Gateway configures the gateway instances.
	Gateway GatewaySpec `yaml:"gateway,omitempty" json:"gateway,omitempty"`
	// Backends configures the fake backend of each backend entity, by name.
	// Backends not listed answer 200 with the default latency.
	Backends map[string]*BackendSpec `yaml:"backends,omitempty" json:"backends,omitempty"`
	// Load lists the load streams; they run concurrently, each through its
	// phases in order.
	Load []*Stream `yaml:"load" json:"load" jsonschema:"required"`
	// Expect lists the assertions checked on the result.
	Expect []*Expectation `yaml:"expect,omitempty" json:"expect,omitempty"`

	// File is the scenario file's path ("" when parsed from memory).
	File string `yaml:"-" json:"-"`
	// Pos is where each element was written, by its YAML path
	// ("$.load[0].phases[1]").
	Pos map[string]apim.Position `yaml:"-" json:"-"`
}

// GatewaySpec configures the gateway under test.
type GatewaySpec struct {
	// Instances is the number of unsynchronised gateway instances behind a
	// round-robin front (Azure's units do not share breaker state). 0 means 1.
	Instances int `yaml:"instances,omitempty" json:"instances,omitempty" jsonschema:"minimum=0,maximum=16"`
	// BreakerModel is what a breaker does once its trip duration is over:
	// "reset" (Azure's documented behaviour: closed with fresh counters, all
	// traffic resumes) or "halfOpen" (one trial request; success closes,
	// failure re-opens). "" means the default, reset.
	BreakerModel string `yaml:"breakerModel,omitempty" json:"breakerModel,omitempty" jsonschema:"enum=,enum=reset,enum=halfOpen"`
	// TransportErrors says when a connection or TLS failure or a
	// forward-request timeout counts against a breaker: "always" (every
	// one, the default) or "listed" (only when its error reason,
	// BackendConnectionFailure or Timeout, is in the rule's errorReasons).
	// Azure does not document which; "" means always.
	TransportErrors string `yaml:"transportErrors,omitempty" json:"transportErrors,omitempty" jsonschema:"enum=,enum=always,enum=listed"`
	// MinRequests is the minimum number of requests in the window before a
	// percentage breaker condition is evaluated. 0 means the default (10).
	MinRequests int `yaml:"minRequests,omitempty" json:"minRequests,omitempty" jsonschema:"minimum=0"`
	// AllowUnemulated skips policies the gateway does not emulate instead of
	// refusing the configuration.
	AllowUnemulated bool `yaml:"allowUnemulated,omitempty" json:"allowUnemulated,omitempty"`
}

// BackendSpec is the fake that stands in for one backend entity.
type BackendSpec struct {
	// Latency is the base response latency (fixed or a distribution). Zero
	// means answer at once.
	Latency Latency `yaml:"latency,omitempty" json:"latency,omitempty"`
	// BodySize is the size in bytes of a healthy response body. 0 means a
	// small JSON document naming the backend.
	BodySize int `yaml:"bodySize,omitempty" json:"bodySize,omitempty" jsonschema:"minimum=0"`
	// TLS is the certificate an HTTPS fake presents: "auto" (default: valid
	// for the configured host, from the scenario's test CA, which the
	// gateway trusts), "expired", "wrong-host", "self-signed" or
	// "untrusted-ca".
	TLS string `yaml:"tls,omitempty" json:"tls,omitempty" jsonschema:"enum=,enum=auto,enum=expired,enum=wrong-host,enum=self-signed,enum=untrusted-ca"`
	// RequireClientCert makes the fake demand a client certificate issued by
	// the scenario's test CA during the TLS handshake.
	RequireClientCert bool `yaml:"requireClientCert,omitempty" json:"requireClientCert,omitempty"`
	// Faults is the backend's fault timeline.
	Faults []*Fault `yaml:"faults,omitempty" json:"faults,omitempty"`
}

// Fault kinds.
const (
	FaultStatus   = "status"
	FaultLatency  = "latency"
	FaultTimeout  = "timeout"
	FaultReset    = "reset"
	FaultRefuse   = "refuse"
	FaultTLSFail  = "tls-fail"
	FaultSlowBody = "slow-body"
	FaultTruncate = "truncate"
)

// FaultKinds lists the fault kinds in documentation order.
var FaultKinds = []string{FaultStatus, FaultLatency, FaultTimeout, FaultReset, FaultRefuse, FaultTLSFail, FaultSlowBody, FaultTruncate}

// Fault is one entry of a backend's fault timeline: from From to To
// (scenario time), a share Rate of the requests (or connections) meets the
// fault. Faults act on the fake's real listener, at the network or HTTP
// level, never inside the gateway.
type Fault struct {
	// From is when the fault starts; 0 means the scenario's start.
	From Duration `yaml:"from,omitempty" json:"from,omitempty"`
	// To is when it ends; 0 means the scenario's end.
	To Duration `yaml:"to,omitempty" json:"to,omitempty"`
	// Kind is one of FaultKinds.
	Kind string `yaml:"kind" json:"kind" jsonschema:"required,enum=status,enum=latency,enum=timeout,enum=reset,enum=refuse,enum=tls-fail,enum=slow-body,enum=truncate"`
	// Rate is the share of requests affected, 0..1. Unset means 1 (every
	// request). Not allowed for refuse (the listener is closed).
	Rate *float64 `yaml:"rate,omitempty" json:"rate,omitempty" jsonschema:"minimum=0,maximum=1"`
	// Code is the status code of a status fault, 100..599.
	Code int `yaml:"code,omitempty" json:"code,omitempty" jsonschema:"minimum=100,maximum=599"`
	// RetryAfter, for a status fault, adds a Retry-After header of that many
	// whole seconds.
	RetryAfter Duration `yaml:"retryAfter,omitempty" json:"retryAfter,omitempty"`
	// Add is the latency a latency fault adds.
	Add Duration `yaml:"add,omitempty" json:"add,omitempty"`
	// Jitter, for a latency fault, adds a further uniform 0..Jitter.
	Jitter Duration `yaml:"jitter,omitempty" json:"jitter,omitempty"`
	// BytesPerSecond is the pace of a slow-body fault's response body. 0
	// means 100 bytes per second.
	BytesPerSecond int `yaml:"bytesPerSecond,omitempty" json:"bytesPerSecond,omitempty" jsonschema:"minimum=0"`
}

// Fails reports whether the fault makes requests fail (an error status,
// a timeout, a reset, a refused connection, a failed handshake, a
// truncated body) rather than only slowing them (latency, slow-body).
func (f *Fault) Fails() bool {
	switch f.Kind {
	case FaultLatency, FaultSlowBody:
		return false
	case FaultStatus:
		return f.Code >= 400
	}
	return true
}

// Share returns the fault's rate (1 when unset).
func (f *Fault) Share() float64 {
	if f.Rate == nil {
		return 1
	}
	return *f.Rate
}

// Active reports whether the fault applies at scenario time t (end is the
// scenario's length, used when To is unset).
func (f *Fault) Active(t, end time.Duration) bool {
	to := f.To.D()
	if to == 0 {
		to = end
	}
	return t >= f.From.D() && t < to
}

// Stream is a sequence of load phases sent to the gateway; streams run
// concurrently from the scenario's start.
type Stream struct {
	// Name names the stream in reports. "" means "load" (or "load-N" when
	// there are several).
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	// Request is the default request of every phase.
	Request `yaml:",inline" json:",inline"`
	// Phases run in order.
	Phases []*Phase `yaml:"phases" json:"phases" jsonschema:"required"`
}

// Request describes the requests a phase sends.
type Request struct {
	// Method is the HTTP method; "" means GET.
	Method string `yaml:"method,omitempty" json:"method,omitempty"`
	// Path is the request path sent to the gateway ("/orders/42"); it must
	// start with "/".
	Path string `yaml:"path,omitempty" json:"path,omitempty"`
	// Headers are added to every request.
	Headers map[string]string `yaml:"headers,omitempty" json:"headers,omitempty"`
	// Body is the request body.
	Body string `yaml:"body,omitempty" json:"body,omitempty"`
	// Session, when set, sends a cookie with this name and one of Sessions
	// session ids per request (pools with session affinity).
	Session string `yaml:"session,omitempty" json:"session,omitempty"`
	// Sessions is the number of distinct session ids; 0 means 100.
	Sessions int `yaml:"sessions,omitempty" json:"sessions,omitempty" jsonschema:"minimum=0"`
}

// Phase is one stage of a stream: a duration and a rate shape.
type Phase struct {
	// Name names the phase in reports and assertions; unique in its stream.
	Name string `yaml:"name" json:"name" jsonschema:"required"`
	// Duration is the phase's length in scenario time.
	Duration Duration `yaml:"duration" json:"duration" jsonschema:"required"`
	// Rate is a constant rate in requests per second.
	Rate *float64 `yaml:"rate,omitempty" json:"rate,omitempty" jsonschema:"minimum=0"`
	// Ramp changes the rate linearly over the phase.
	Ramp *Ramp `yaml:"ramp,omitempty" json:"ramp,omitempty"`
	// Sine varies the rate as mean + amplitude*sin(2πt/period).
	Sine *Sine `yaml:"sine,omitempty" json:"sine,omitempty"`
	// Steps sets the rate from each step's offset in the phase on.
	Steps []*Step `yaml:"steps,omitempty" json:"steps,omitempty"`
	// Arrivals is "uniform" (default: evenly spaced) or "poisson" (seeded
	// exponential gaps with the same rate).
	Arrivals string `yaml:"arrivals,omitempty" json:"arrivals,omitempty" jsonschema:"enum=,enum=uniform,enum=poisson"`
	// MaxWorkers bounds the requests in flight; 0 means the engine's
	// default.
	MaxWorkers int `yaml:"maxWorkers,omitempty" json:"maxWorkers,omitempty" jsonschema:"minimum=0"`
	// Request overrides the stream's request fields that are set.
	Request `yaml:",inline" json:",inline"`
}

// Ramp is a linear rate change.
type Ramp struct {
	From float64 `yaml:"from" json:"from" jsonschema:"minimum=0"`
	To   float64 `yaml:"to" json:"to" jsonschema:"minimum=0"`
}

// Sine is a sinusoidal rate.
type Sine struct {
	Mean      float64  `yaml:"mean" json:"mean" jsonschema:"minimum=0"`
	Amplitude float64  `yaml:"amplitude" json:"amplitude" jsonschema:"minimum=0"`
	Period    Duration `yaml:"period" json:"period"`
}

// Step is one step of a stepped rate.
type Step struct {
	// After is the offset in the phase where the step starts.
	After Duration `yaml:"after" json:"after"`
	// Rate is the step's rate in requests per second.
	Rate float64 `yaml:"rate" json:"rate" jsonschema:"minimum=0"`
}

// Expectation is one assertion; exactly one of its fields is set.
type Expectation struct {
	// Name labels the assertion in reports; "" means a generated label.
	Name      string           `yaml:"name,omitempty" json:"name,omitempty"`
	Breaker   *BreakerExpect   `yaml:"breaker,omitempty" json:"breaker,omitempty"`
	Traffic   *TrafficExpect   `yaml:"traffic,omitempty" json:"traffic,omitempty"`
	Failover  *FailoverExpect  `yaml:"failover,omitempty" json:"failover,omitempty"`
	Clients   *ClientsExpect   `yaml:"clients,omitempty" json:"clients,omitempty"`
	Latency   *LatencyExpect   `yaml:"latency,omitempty" json:"latency,omitempty"`
	NoTraffic *NoTrafficExpect `yaml:"noTraffic,omitempty" json:"noTraffic,omitempty"`
	Rate      *RateExpect      `yaml:"rate,omitempty" json:"rate,omitempty"`
}

// BreakerExpect asserts on a backend's circuit breaker; exactly one of
// Opens, StaysClosed, ClosesBy and Trips is set.
type BreakerExpect struct {
	// Backend is the backend entity whose breaker is checked.
	Backend string `yaml:"backend" json:"backend" jsonschema:"required"`
	// Instance is the gateway instance (0-based); unset means every one.
	Instance *int `yaml:"instance,omitempty" json:"instance,omitempty"`
	// Opens asserts that the breaker first opens within [from, to].
	Opens *Window `yaml:"opens,omitempty" json:"opens,omitempty"`
	// StaysClosed asserts that the breaker never opens.
	StaysClosed bool `yaml:"staysClosed,omitempty" json:"staysClosed,omitempty"`
	// ClosesBy asserts that the breaker is closed again at this time (and
	// stays closed from its last close on).
	ClosesBy Duration `yaml:"closesBy,omitempty" json:"closesBy,omitempty"`
	// Trips bounds how many times the breaker opens (a flapping breaker
	// opens many times).
	Trips *CountBounds `yaml:"trips,omitempty" json:"trips,omitempty"`
}

// CountBounds bounds a count; an unset bound is open.
type CountBounds struct {
	Min *int `yaml:"min,omitempty" json:"min,omitempty" jsonschema:"minimum=0"`
	Max *int `yaml:"max,omitempty" json:"max,omitempty" jsonschema:"minimum=0"`
}

// Window is a closed interval of scenario time, written [from, to].
type Window [2]Duration

// TrafficExpect asserts a backend's share of the responses in a phase.
type TrafficExpect struct {
	Backend string `yaml:"backend" json:"backend" jsonschema:"required"`
	Phase   string `yaml:"phase" json:"phase" jsonschema:"required"`
	// Share bounds the observed share. With Expected set, the bounds are
	// the expected share (from weights, priorities and open breakers) ±
	// Tolerance instead.
	Share Bounds `yaml:"share" json:"share"`
}

// Bounds bounds an observed value; Expected/Tolerance are for shares.
type Bounds struct {
	Min *float64 `yaml:"min,omitempty" json:"min,omitempty"`
	Max *float64 `yaml:"max,omitempty" json:"max,omitempty"`
	// Expected compares with the share computed from the configuration.
	Expected bool `yaml:"expected,omitempty" json:"expected,omitempty"`
	// Tolerance is the allowed absolute deviation from the expected share
	// (0.03 = 3 points). 0 means 0.03.
	Tolerance float64 `yaml:"tolerance,omitempty" json:"tolerance,omitempty" jsonschema:"minimum=0,maximum=1"`
}

// FailoverExpect asserts that once From's breaker opens, To serves within
// Within.
type FailoverExpect struct {
	From   string   `yaml:"from" json:"from" jsonschema:"required"`
	To     string   `yaml:"to" json:"to" jsonschema:"required"`
	Within Duration `yaml:"within" json:"within" jsonschema:"required"`
}

// ClientsExpect bounds what clients saw in a phase.
type ClientsExpect struct {
	Phase string `yaml:"phase" json:"phase" jsonschema:"required"`
	// ErrorRate bounds the share of requests that got a 5xx or no response.
	ErrorRate *Bounds `yaml:"errorRate,omitempty" json:"errorRate,omitempty"`
	// Status bounds the count of responses per status code ("503": 10 is a
	// maximum of 10); status 0 counts requests with no response.
	Status map[int]int `yaml:"status,omitempty" json:"status,omitempty"`
}

// LatencyExpect bounds a phase's client latency.
type LatencyExpect struct {
	Phase string `yaml:"phase" json:"phase" jsonschema:"required"`
	// P50, P99 and Max are upper bounds; at least one is set.
	P50 Duration `yaml:"p50,omitempty" json:"p50,omitempty"`
	P99 Duration `yaml:"p99,omitempty" json:"p99,omitempty"`
	Max Duration `yaml:"max,omitempty" json:"max,omitempty"`
}

// NoTrafficExpect asserts that a backend receives no request while its
// breaker is open (on the instance whose breaker is open).
type NoTrafficExpect struct {
	Backend   string `yaml:"backend" json:"backend" jsonschema:"required"`
	WhileOpen bool   `yaml:"whileOpen" json:"whileOpen"`
}

// RateExpect bounds the achieved request rate of a phase as a share of the
// requested rate.
type RateExpect struct {
	Phase    string  `yaml:"phase" json:"phase" jsonschema:"required"`
	Achieved float64 `yaml:"achieved" json:"achieved" jsonschema:"minimum=0,maximum=1"`
}
