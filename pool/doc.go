// Package pool selects the member of an APIM load-balanced backend pool that
// serves a request. It is pure (no I/O, no clock) and shared by the live
// gateway and the model simulation engine.
//
// # Semantics
//
// Members are grouped by Priority; a lower number is a higher priority (as on
// Microsoft Learn, "Send requests to higher priority groups first"). A request
// goes to the highest-priority group that has an available member; lower
// groups get traffic only while every member of every higher group is
// unavailable, and traffic returns to a higher group as soon as one of its
// members is available again. In APIM a member leaves rotation only through
// its own circuit breaker; here availability is whatever Member.Available
// reports (the gateway passes breaker.Breaker.Ready).
//
// Inside a group the Policy decides. The default, WeightedPolicy, is nginx's
// smooth weighted round-robin: deterministic, exact shares over every cycle
// of sum(weights) picks, interleaved rather than bursty. RoundRobinPolicy
// ignores weights.
//
// # Unset priority and weight (our choices; Azure documents neither)
//
// ARM allows priority and weight to be null. Callers map an unset priority
// to DefaultPriority (0), the numeric default of the nullable field: an
// unset priority is the highest priority, in the same group as an explicit
// 0. A pool that mixes set and unset priorities is ambiguous and is a lint
// finding, not a runtime error.
//
// The pool sees numbers only: callers map an unset weight to 1
// (backends.DefaultWeight, as nginx, Envoy and HAProxy do), so an all-unset
// group is plain round-robin (Learn's default "Requests are distributed
// evenly") and an unset member of a weighted group counts as weight 1.
// Among a group's available members, if any has a weight > 0, traffic is
// split by weight and 0-weight members get none (their share is 0/sum); if
// all available members have weight 0, they share equally. A 0-weight
// member is thus a standby inside its group: it is used, before any
// lower-priority group, when all weighted members of its group are
// unavailable, because Learn says lower groups are used "only when all
// backends in higher priority groups are unavailable".
//
// # Concurrency and cost
//
// A Pool is safe for concurrent use. Member.Available is called without the
// pool's lock held (so it may take other locks, and code it triggers may call
// back into the pool), for the members of one group at a time, highest group
// first. Select does not allocate for groups of up to 32 members (Azure caps
// a pool at 30).
package pool
