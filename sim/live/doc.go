// Package live is the live engine of apimlab's simulator: it runs a
// sim.Scenario against the real gateway (package gateway) serving the
// unchanged configuration, with fake backends on 127.0.0.1 and load from
// vegeta's attacker, and returns a sim.Result.
//
// # Fakes and faults
//
// Run starts one fake per host:port among the configuration's Single
// backends and API serviceUrls: a real HTTP or HTTPS server (with a
// certificate from a throw-away test PKI that the gateway trusts, or the
// broken certificate the scenario asks for). The gateway's dialer maps each
// configured backend address to its fake, so the configuration runs as
// written and TLS names still match. Faults act on the fake's listener and
// connections, never inside the gateway: status codes (with Retry-After),
// latency, hanging until the client gives up, TCP resets, a closed listener
// (connection refused), TLS handshake failures, slow and truncated bodies.
// Every random choice is drawn from a generator seeded with the scenario's
// seed, the fake and the request's sequence number and attempt, so a run is
// reproducible whatever the goroutine scheduling.
//
// # Two clocks
//
// On the virtual clock (the default) the gateway, its breakers, retry waits
// and timeouts and the fakes' delays all run on a clock.Virtual that only
// the engine moves. The engine releases each arrival at its instant of
// scenario time, then waits until every request in flight is either done
// or waiting for time to pass (clock.Virtual.Blocked, by the request's tag),
// and only then moves the clock to the next arrival, timer or fault
// boundary. Minutes of breaker time run in milliseconds and the timeline is
// the same on every run.
//
// On the wall clock the run is a real load test: vegeta paces each phase
// with sim.Pacer at the requested rate, and --speed N compresses the
// timeline with a clock.Scaled, so breaker intervals, trip durations and
// Retry-After delays keep their configured values in scenario time.
package live
