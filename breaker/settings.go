package breaker

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// DefaultMinRequests is the minimum number of requests in the window before a
// percentage condition is evaluated when Settings.MinRequests is 0. Azure
// documents no minimum for failureCondition.percentage; 10 is the seed
// model's choice (and the figure the product's study text quotes).
const DefaultMinRequests = 10

// ErrInvalidSettings is wrapped by every error New returns for bad settings.
var ErrInvalidSettings = errors.New("breaker: invalid settings")

// Settings configures a Breaker. The zero value is not valid: Interval,
// TripDuration and one of Count or Percentage must be set.
type Settings struct {
	// Name is the backend name, copied into every Event.
	Name string
	// Count, when > 0, trips the breaker when the failures in the window
	// reach Count: it trips on exactly the Count-th failure. Exactly one of
	// Count and Percentage must be set.
	Count int
	// Percentage, when in 1..100, trips the breaker when
	// failures*100 >= Percentage*requests over the window and the window
	// holds at least MinRequests requests. It is evaluated when a failure is
	// recorded (a success never trips the breaker). 0 means unset.
	Percentage int
	// MinRequests is the number of requests the window must hold before a
	// Percentage condition is evaluated. 0 means DefaultMinRequests (10);
	// ignored for Count conditions.
	MinRequests int
	// Interval is the sliding window's length; it must be > 0.
	Interval time.Duration
	// TripDuration is how long the breaker stays open after tripping; it
	// must be >= 0 (0 makes the open state last until the next call).
	TripDuration time.Duration
	// AcceptRetryAfter, when true, lets a valid Retry-After on the tripping
	// response (or on a failed half-open trial) replace TripDuration, in
	// its delay-seconds or HTTP-date form. An invalid header is ignored.
	AcceptRetryAfter bool
	// MaxRetryAfter, when > 0, caps a Retry-After delay. 0 means no cap:
	// Azure documents none, and Azure OpenAI backends are known to send
	// delays of a day.
	MaxRetryAfter time.Duration
	// Model is what happens after the trip duration; the zero value is
	// ModelReset (Azure's documented behaviour).
	Model Model
	// Now is the clock. If nil, time.Now is used. The model engine passes its
	// virtual clock; tests pass a fake.
	Now func() time.Time
	// OnTransition, if non-nil, receives every state transition (see the
	// package doc for delivery guarantees).
	OnTransition func(Event)
	// IsFailure, if non-nil, decides whether an outcome is a failure and
	// replaces the StatusRanges/ErrorReasons/TransportErrors rules.
	IsFailure func(Outcome) bool
	// StatusRanges lists inclusive status code ranges that are failures
	// (failureCondition.statusCodeRanges). Bounds must be in 100..599 with
	// min <= max. Empty means no status code is a failure.
	StatusRanges [][2]int
	// ErrorReasons lists error reasons that are failures
	// (failureCondition.errorReasons), matched case-insensitively against
	// Outcome.ErrReason, whether or not a response was received.
	ErrorReasons []string
	// TransportErrors says when a transport error (Outcome.Err != nil:
	// connection refused or reset, TLS failure, timeout) is a failure:
	// always (the zero value, TransportAlways), whatever ErrorReasons says,
	// or only when its ErrReason is listed in ErrorReasons
	// (TransportListed). A Canceled outcome is never a failure through
	// this rule (the backend did nothing wrong).
	TransportErrors TransportErrors
}

// Outcome is the result of one request admitted by Allow.
type Outcome struct {
	// StatusCode is the backend's response status; 0 when no response was
	// received.
	StatusCode int
	// Err is the transport error, nil when a response was received.
	Err error
	// ErrReason is the APIM error reason ("BackendConnectionFailure",
	// "Timeout", ...), empty when there is none.
	ErrReason string
	// RetryAfter is the raw Retry-After response header, empty when absent.
	RetryAfter string
	// Canceled reports that the caller abandoned the request (the client
	// went away) before the backend answered. Such an outcome says nothing
	// about the backend: it is neither a success nor a failure and is not
	// counted, unless its ErrReason is listed in ErrorReasons (or a custom
	// IsFailure says it is a failure). An uncounted canceled half-open
	// trial releases the trial slot, so the next caller becomes the trial
	// and the breaker does not stay half-open forever.
	Canceled bool
}

// Validate reports whether New would accept s: nil, or an error wrapping
// ErrInvalidSettings that names the field. Translators (package backends)
// call it to report a bad rule without building a breaker.
func (s Settings) Validate() error {
	_, err := s.validate()
	return err
}

// validate checks s and returns it normalised (defaults applied).
func (s Settings) validate() (Settings, error) {
	bad := func(format string, args ...any) (Settings, error) {
		return s, fmt.Errorf("%w: backend %q: %s", ErrInvalidSettings, s.Name, fmt.Sprintf(format, args...))
	}
	switch {
	case s.Count < 0:
		return bad("Count must be >= 0 (got %d)", s.Count)
	case s.Percentage < 0 || s.Percentage > 100:
		return bad("Percentage must be in 0..100 (got %d)", s.Percentage)
	case s.Count > 0 && s.Percentage > 0:
		return bad("Count (%d) and Percentage (%d) are exclusive: set one", s.Count, s.Percentage)
	case s.Count == 0 && s.Percentage == 0:
		return bad("one of Count or Percentage must be > 0")
	case s.MinRequests < 0:
		return bad("MinRequests must be >= 0 (got %d)", s.MinRequests)
	case s.Interval <= 0:
		return bad("Interval must be > 0 (got %s)", s.Interval)
	case s.TripDuration < 0:
		return bad("TripDuration must be >= 0 (got %s)", s.TripDuration)
	case s.MaxRetryAfter < 0:
		return bad("MaxRetryAfter must be >= 0 (got %s)", s.MaxRetryAfter)
	case s.Model != ModelReset && s.Model != ModelHalfOpen:
		return bad("Model %d is not ModelReset or ModelHalfOpen", int(s.Model))
	case s.TransportErrors != TransportAlways && s.TransportErrors != TransportListed:
		return bad("TransportErrors %d is not TransportAlways or TransportListed", int(s.TransportErrors))
	}
	for i, r := range s.StatusRanges {
		if r[0] < 100 || r[1] > 599 || r[0] > r[1] {
			return bad("StatusRanges[%d] = %d-%d: bounds must be in 100..599 with min <= max", i, r[0], r[1])
		}
	}
	for i, r := range s.ErrorReasons {
		if strings.TrimSpace(r) == "" {
			return bad("ErrorReasons[%d] is empty", i)
		}
	}
	if s.MinRequests == 0 {
		s.MinRequests = DefaultMinRequests
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	// Copy the slices so later changes by the caller cannot race with us.
	s.StatusRanges = append([][2]int(nil), s.StatusRanges...)
	s.ErrorReasons = append([]string(nil), s.ErrorReasons...)
	return s, nil
}

// classifier is the default failure rule built from Settings.
type classifier struct {
	ranges    [][2]int
	reasons   []string
	transport TransportErrors
}

// isFailure reports whether o is a failure under c's rules.
func (c *classifier) isFailure(o Outcome) bool {
	if o.Err != nil && c.transport == TransportAlways && !o.Canceled {
		return true
	}
	if o.StatusCode != 0 {
		for _, r := range c.ranges {
			if o.StatusCode >= r[0] && o.StatusCode <= r[1] {
				return true
			}
		}
	}
	if o.ErrReason != "" {
		for _, r := range c.reasons {
			if strings.EqualFold(r, o.ErrReason) {
				return true
			}
		}
	}
	return false
}
