package apim

// DurationErrors lists the circuit-breaker durations of svc that are not ISO-8601, as positioned errors.
func (svc *Service) DurationErrors() []*Error {
	var out []*Error
	for _, b := range svc.Backends {
		if b.CircuitBreaker == nil {
			continue
		}
		for _, r := range b.CircuitBreaker.Rules {
			if r.TripDuration.Err != nil {
				out = append(out, Errorf(r.TripDuration.Pos, "APIM201", "backend %q: tripDuration: %v", b.Name, r.TripDuration.Err))
			}
			if fc := r.FailureCondition; fc != nil && fc.Interval.Err != nil {
				out = append(out, Errorf(fc.Interval.Pos, "APIM201", "backend %q: failureCondition.interval: %v", b.Name, fc.Interval.Err))
			}
		}
	}
	return out
}
