// Package model is apimlab's model simulation engine: it runs a scenario
// (sim.Scenario) against an unchanged configuration (*apim.Service) as
// discrete events on a virtual clock, without sockets, and returns the same
// sim.Result as the live engine (Run.Engine "model", Clock "virtual"), so
// assertions and reports work unchanged. A day of traffic takes seconds.
//
// # What runs, and what is modelled
//
// The backend semantics are the shared ones: each gateway instance has its
// own backends.Set (breakers via package breaker, pools via package pool,
// translated from the configuration by package backends), and every
// attempt is admitted with Backend.Acquire and recorded with Lease.Done, on
// a clock.Virtual the engine moves from event to event. Arrivals come from
// sim.NewArrivals, the process the live engine paces vegeta with.
//
// What the gateway does with a request is read statically from the
// effective policy of the API and operation the request's path matches
// (apim/policy.Merge of global, product, API and operation scopes):
// set-backend-service with a literal backend-id or base-url (a base-url
// that matches a backend entity's URL uses the entity), the API's
// serviceUrl, forward-request's timeout, and retry with literal count,
// interval, delta, max-interval and first-fast-retry and a condition that
// reads only context.Response.StatusCode and context.LastError (tabulated
// once over every status code and error reason by compiling it with
// apim/policyexpr). A <choose> in inbound whose conditions read only what
// every request of a phase carries (context.Request.Method, Headers,
// OriginalUrl, context.Api, context.Operation) is decided once per phase
// with the phase's request. An unconditional mock-response or
// return-response in
// inbound makes the gateway answer every request itself. Statements that
// change neither the backend, nor the number or timing of attempts, nor the
// client's status (set-header, rewrite-uri, authentication-*, …) are
// skipped.
//
// # Fidelity
//
// Anything else that can change traffic — a route decided by a policy
// expression, set-backend-service under a <choose> on variables, time or
// the body, retry under <choose>, rate-limit,
// quota, cache-lookup, return-response under <choose> or in on-error, a
// retry condition on headers — is
// an Issue with its source position. Issues lists them; Run refuses to run
// (*ApproximationError, ErrApproximation; the CLI exits 2) unless
// Options.AllowApproximation is set, in which case every issue is a
// warning of the result and the construct is ignored.
//
// # Faults
//
// Scenario faults become outcome draws with the live fakes' timeline
// semantics; see fake for the mapping (refuse, reset and tls-fail are
// BackendConnectionFailure and a 500, timeout is forward-request's timeout
// and a 504, latency adds to the base latency, slow-body and truncate are
// approximations). Every draw comes from streams seeded from the scenario's
// seed: one per load stream (Poisson arrivals), one per backend (faults
// and latency) and one for session ids, so a run is reproducible and
// changing one backend's faults does not move the other draws.
//
// # Sweeps and lint evidence
//
// Sweep runs a scenario once per value of one field (ParseSweep reads
// "backends.orders-east.faults[0].rate=0:0.2:0.01") and summarises each run
// in a SweepPoint (trips per day, minutes open per day, client error rate,
// share moved to another priority), written as CSV or JSON.
// BreakerEvidence simulates one backend's breaker under baseline traffic
// for lint's APIM203/204 findings.
package model
