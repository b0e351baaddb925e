package apim

// DurationErrors lists the circuit-breaker durations of svc that are not
// ISO-8601, as positioned errors of code Malformed and kind
// IssueBadDuration (lint reports them under the breaker rule, not as
// parse errors).
func (svc *Service) DurationErrors() []*Error {
	var out []*Error
	for _, b := range svc.Backends {
		if b.CircuitBreaker == nil {
			continue
		}
		for _, r := range b.CircuitBreaker.Rules {
			if r.TripDuration.Err != nil {
				out = append(out, durationError(r.TripDuration.Pos, "backend %q: tripDuration: %v", b.Name, r.TripDuration.Err))
			}
			if fc := r.FailureCondition; fc != nil && fc.Interval.Err != nil {
				out = append(out, durationError(fc.Interval.Pos, "backend %q: failureCondition.interval: %v", b.Name, fc.Interval.Err))
			}
		}
	}
	return out
}

func durationError(pos Position, format string, args ...any) *Error {
	e := Errorf(pos, Malformed, format, args...)
	e.Kind = IssueBadDuration
	return e
}
