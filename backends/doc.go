// Package backends is apimlab's one implementation of APIM backend
// semantics, free of HTTP and clock-injected: how a backend entity becomes a
// circuit breaker (breaker.Settings) and a pool becomes members
// (pool.Member), and the loop every request runs through a backend — select
// a pool member (with an optional session key), admit it through its
// breaker, record the outcome.
//
// The gateway, both simulation engines and lint (pool shares, breaker
// defaults) call this package, so they can never disagree about what a
// configuration means. It lives at the top of the module, beside breaker and
// pool, so lint and the simulators import it without the gateway.
//
// # Translation
//
// BreakerSpecOf and RuleSpec translate circuit breaker rules, PoolMembers
// and Weight/Priority translate pool members. Everything they cannot
// translate comes back as a Problem: a typed Kind, the backend, the field
// and its source position, never a message to be matched later.
//
// # Runtime
//
// New builds a Set for a service: one Backend per Single backend (with its
// breaker, if it has a rule) and per Pool (a pool.Pool whose member
// availability is the member's breaker's Ready). Backend.Acquire picks the
// Single backend that serves a request and admits it through its breaker;
// the returned Lease records the outcome with Done. A Set is safe for
// concurrent use, and Acquire and Done do not allocate in steady state
// (a new session key pins an affinity entry once).
//
// Breaker and pool state are per Set: build one Set per gateway instance,
// as Azure does not synchronise instances.
package backends
