package demo

import (
	"time"

	"github.com/apimlab/apimlab/sim/live"
)

// Names of the demo configuration's backends the rehearsal acts on.
const (
	East   = "orders-eastus"
	West   = "orders-westus"
	OnPrem = "orders-onprem"
)

// Phase names of the rehearsal, in order.
const (
	PhaseHealthy   = "healthy"
	PhaseEastFails = "east-fails"
	PhaseWestFails = "west-throttled"
	PhaseEastBack  = "east-recovers"
	PhaseAllBack   = "west-recovers"
)

// Scenario is the failover rehearsal of the demo configuration: the orders
// API's pool (east weight 3 and west weight 1 at priority 1, on-premises
// at priority 2) loses east, then west, then gets both back. The clock
// moves 100ms per request and jumps a minute before each recovery phase,
// so minutes of breaker time pass in milliseconds.
//
// West is throttled with 429 and Retry-After: 120 rather than failing with
// 5xx so the rehearsal shows what lint rule APIM207 warns about: with
// acceptRetryAfter, the backend, not tripDuration (1 minute), decides how
// long its circuit stays open.
func Scenario() *live.Scenario {
	return &live.Scenario{
		Name: "demo failover rehearsal",
		Path: "/orders/42",
		Phases: []live.Phase{
			{
				Name:     PhaseHealthy,
				Note:     "every backend answers 200; priority 1 is split by weight 3:1",
				Requests: 40,
			},
			{
				Name:     PhaseEastFails,
				Note:     "east answers 500; retry re-sends, east's breaker trips at 5 failures, west takes over",
				Requests: 20,
				Faults:   map[string]live.Fault{East: live.Status{Code: 500}},
			},
			{
				Name:     PhaseWestFails,
				Note:     "west answers 429 with Retry-After: 120 too; its breaker trips and priority 2 (on-premises, plain http) serves",
				Requests: 20,
				Faults: map[string]live.Fault{
					East: live.Status{Code: 500},
					West: live.RetryAfter{Code: 429, After: 2 * time.Minute},
				},
			},
			{
				Name:     PhaseEastBack,
				Note:     "faults cleared, 1 minute later: east's trip duration is over, its half-open trial succeeds; Retry-After still holds west open",
				Advance:  time.Minute,
				Requests: 20,
			},
			{
				Name:     PhaseAllBack,
				Note:     "1 more minute: west's Retry-After has passed, its trial succeeds and the 3:1 split is back",
				Advance:  time.Minute,
				Requests: 40,
			},
		},
	}
}
