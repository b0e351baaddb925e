package rules

import (
	"time"

	"github.com/apimlab/apimlab/lint"
)

// BreakerTripTooLong reports trip durations far beyond any plausible
// recovery.
var BreakerTripTooLong = &lint.Rule{
	ID:       "APIM209",
	Name:     "breaker-trip-too-long",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "A circuit breaker stays open far longer than any recovery",
		Why: "While the circuit is open, API Management \"stops sending requests to the backend " +
			"service for a defined time, and returns a 503 Service Unavailable response to the " +
			"client\" (Learn, \"Backends in API Management\"), and the trip duration is that time. A " +
			"duration of days (`P7D`) turns one burst of errors into a week-long outage of the API, " +
			"long after the backend recovered: the circuit resets only \"after the configured trip " +
			"duration\" (or a Retry-After the breaker accepts). " +
			"Learn's example uses PT1H.\n\n" +
			"Options: `maxTripDuration` (default P1D: longer durations are flagged).",
		Fix:   "Keep tripDuration to seconds or minutes (the time the backend needs to recover), at most hours.",
		Bad:   `"tripDuration": "P7D"`,
		Good:  `"tripDuration": "PT1M"`,
		Since: "0.2.0",
	},
	Check: checkBreakerTripTooLong,
}

func checkBreakerTripTooLong(pass *lint.Pass) {
	maxTrip := pass.Duration("maxTripDuration", 24*time.Hour)
	for _, br := range breakerRules(pass) {
		d := br.rule.TripDuration
		if !durationOK(d) || d.D <= maxTrip {
			continue
		}
		pass.ReportFixf(d.Pos, backendSubject(br.b), "keep tripDuration to minutes, at most hours",
			"%s stays open for %s after a trip (over %s): every request to backend %q gets 503 that long, however fast it recovers",
			br.label(), d.Value, maxTrip, br.b.Name)
	}
}
