// Package live is the live engine of apimlab's simulator: it runs a
// scenario of phases against the real gateway (package gateway) serving an
// unchanged *apim.Service, with fake backends on loopback listeners.
//
// Run starts one fake per Single backend (HTTP, or HTTPS with a certificate
// from a throw-away test PKI when the backend URL is https), builds the
// gateway with a dialer that maps every configured backend host to its
// fake (so the configuration runs as written and TLS names still match,
// with certificate validation on), and drives the gateway's frontend with
// vegeta, one phase after another. Each phase sets the faults of the fakes
// (status codes, Retry-After, latency), moves the injected clock and sends
// a bounded number of requests. The result records, per phase, the status
// codes clients saw, which backend served each response (the gateway's
// x-apimlab-backend header) and how many attempts each fake received
// (retries included), plus the breaker transition timeline read from the
// gateway's /events stream.
//
// # Time
//
// The gateway's breakers and retry waits run on a Clock that only the
// scenario moves: each request advances it by Phase.Step, each phase by
// Phase.Advance. A scenario that spans minutes of breaker time (trip
// durations, Retry-After) therefore runs in milliseconds of wall time and
// gives the same timeline on every run when Concurrency is 1.
//
// # Why vegeta with a counting pacer
//
// vegeta paces hits on the wall clock, which cannot follow an injected
// clock. The pacer here ignores elapsed time and only counts hits (stop
// after Phase.Requests); the targeter advances the fake clock before each
// hit. With one worker the hits are strictly sequential, so breaker and
// pool decisions are reproducible; more workers give light concurrency.
package live
