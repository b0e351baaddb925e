package backends

import (
	"fmt"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/clock"
	"github.com/apimlab/apimlab/pool"
)

// Set is the runtime state of a service's backends: one Backend per Single
// backend (with its breaker) and per Pool. It is safe for concurrent use;
// build one per gateway instance.
type Set struct {
	list   []*Backend          // declaration order, pools last
	byName map[string]*Backend // by lower-case name
}

// Backend is one backend entity at run time: a Single backend with an
// optional circuit breaker, or a Pool of Single backends.
type Backend struct {
	name   string
	entity *apim.Backend
	index  int

	breaker *breaker.Breaker // Single; nil without a rule
	pool    *pool.Pool       // Pool
	members []*Backend       // Pool: by pool member index
	cookie  string           // Pool: session-affinity cookie name

	failureStatus int
	reject        *Unavailable // the one error Acquire returns, prebuilt
}

// New builds the Set of svc's backends. Backends with problems are left
// out, or built without the part that failed (see each Kind); every
// problem is returned, notes (Kind.IsNote) included. Service Fabric
// backends are Unsupported and left out.
func New(svc *apim.Service, o Options) (*Set, []Problem) {
	s := &Set{byName: map[string]*Backend{}}
	var probs []Problem
	now := clock.Or(o.Clock).Now
	for _, b := range svc.Backends {
		if b.IsPool() {
			continue
		}
		if b.ServiceFabric != nil {
			probs = append(probs, Problem{Kind: Unsupported, Backend: b.Name, Field: "serviceFabricCluster", Pos: b.Pos,
				Msg: "Service Fabric backends are not emulated"})
			continue
		}
		rb := &Backend{name: b.Name, entity: b, failureStatus: DefaultFailureStatus}
		spec, ps := BreakerSpecOf(b, o)
		probs = append(probs, ps...)
		if spec != nil {
			st := spec.Settings
			st.Now, st.OnTransition = now, o.OnTransition
			br, err := breaker.New(st)
			if err != nil { // Validate passed in RuleSpec; kept for safety
				probs = append(probs, Problem{Kind: Invalid, Backend: b.Name, Field: "circuitBreaker", Pos: spec.Rule.Pos, Msg: err.Error(), Err: err})
			} else {
				rb.breaker = br
				rb.failureStatus = spec.FailureStatus
			}
		}
		s.add(rb, ErrBreakerOpen)
	}
	for _, b := range svc.Backends {
		if !b.IsPool() {
			continue
		}
		rb, ps := s.buildPool(b, o)
		probs = append(probs, ps...)
		if rb != nil {
			s.add(rb, ErrNoMember)
		}
	}
	return s, probs
}

func (s *Set) add(b *Backend, why error) {
	b.index = len(s.list)
	b.reject = &Unavailable{Backend: b.name, Status: b.failureStatus, Err: why}
	s.list = append(s.list, b)
	s.byName[strings.ToLower(b.name)] = b
}

// buildPool builds pool backend b over the Single backends already in s.
func (s *Set) buildPool(b *apim.Backend, o Options) (*Backend, []Problem) {
	specs, probs := PoolMembers(b)
	ps := &problems{backend: b.Name, list: probs}
	rb := &Backend{name: b.Name, entity: b, failureStatus: DefaultFailureStatus}
	pc := b.PoolConfig
	if pc != nil && pc.FailureResponse != nil && pc.FailureResponse.StatusCode.Known() {
		rb.failureStatus = pc.FailureResponse.StatusCode.Value
	}
	members := make([]pool.Member, 0, len(specs))
	for _, sp := range specs {
		mb := s.byName[strings.ToLower(strings.TrimSpace(sp.Name))]
		if mb == nil || mb.pool != nil {
			ps.add(UnknownMember, fmt.Sprintf("pool.services[%d].id", sp.Index), sp.Source.ID.At(sp.Source.Pos), nil,
				"pool member %q is not a Single backend of the service", sp.Source.ID.Value)
			continue
		}
		m := sp.Member
		m.Name = mb.name
		if mb.breaker != nil {
			m.Available = mb.breaker.Ready
		}
		members = append(members, m)
		rb.members = append(rb.members, mb)
	}
	if len(members) == 0 {
		return nil, ps.list
	}
	p, err := pool.NewWith(members, pool.Options{MaxSessions: o.MaxSessions})
	if err != nil {
		ps.add(Invalid, "pool", b.Pos, err, "%v", err)
		return nil, ps.list
	}
	rb.pool = p
	if pc != nil && pc.SessionAffinity != nil {
		sa := pc.SessionAffinity
		name := strings.TrimSpace(sa.SessionIDName.Value)
		switch {
		case !strings.EqualFold(strings.TrimSpace(sa.Source.Value), "cookie"):
			ps.add(Unsupported, "pool.sessionAffinity.sessionId.source", sa.Source.At(sa.Pos), nil,
				"pool.sessionAffinity.sessionId.source %q is not emulated (valid: Cookie); the pool balances without affinity", sa.Source.Value)
		case !sa.SessionIDName.Known() || name == "":
			k := Missing
			if sa.SessionIDName.Unknown() != "" {
				k = Unresolved
			}
			ps.add(k, "pool.sessionAffinity.sessionId.name", sa.SessionIDName.At(sa.Pos), nil, "pool.sessionAffinity.sessionId.name is unset or unresolved")
		default:
			rb.cookie = name
		}
	}
	return rb, ps.list
}

// Lookup returns the backend named name (case-insensitive, surrounding
// space ignored), or nil.
func (s *Set) Lookup(name string) *Backend {
	if b, ok := s.byName[name]; ok {
		return b
	}
	return s.byName[strings.ToLower(strings.TrimSpace(name))]
}

// Backends returns the Set's backends in declaration order, Singles first
// then Pools; Backend.Index is the position in this list.
func (s *Set) Backends() []*Backend { return append([]*Backend(nil), s.list...) }

// Len returns the number of backends.
func (s *Set) Len() int { return len(s.list) }

// Name returns the backend entity's name.
func (b *Backend) Name() string { return b.name }

// Entity returns the backend entity as loaded.
func (b *Backend) Entity() *apim.Backend { return b.entity }

// Index returns the backend's position in Set.Backends, so callers can keep
// their own per-backend state in a slice.
func (b *Backend) Index() int { return b.index }

// IsPool reports whether b is a Pool.
func (b *Backend) IsPool() bool { return b.pool != nil }

// Breaker returns a Single backend's breaker, nil for a Pool or a backend
// without a rule.
func (b *Backend) Breaker() *breaker.Breaker { return b.breaker }

// Pool returns a Pool's selector, nil for a Single backend.
func (b *Backend) Pool() *pool.Pool { return b.pool }

// Members returns a Pool's member backends, indexed as in Pool(); nil for
// a Single backend. The slice must not be modified.
func (b *Backend) Members() []*Backend { return b.members }

// SessionCookie is the session-affinity cookie name of a Pool
// (pool.sessionAffinity with source Cookie), "" when none.
func (b *Backend) SessionCookie() string { return b.cookie }

// FailureStatus is what the gateway answers, without calling a backend,
// while b's breaker is open (Single) or no member is available (Pool):
// failureResponse.statusCode, else DefaultFailureStatus.
func (b *Backend) FailureStatus() int { return b.failureStatus }

// Available reports whether b can take a request now: its breaker is ready
// (or it has none), or, for a Pool, one of its members is available.
func (b *Backend) Available() bool {
	if b.pool != nil {
		for _, m := range b.members {
			if m.Available() {
				return true
			}
		}
		return false
	}
	return b.breaker == nil || b.breaker.Ready()
}
