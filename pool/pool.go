package pool

import (
	"errors"
	"fmt"
	"slices"
	"sync"
)

// DefaultPriority is the priority callers give a member whose priority is
// unset (see the package doc).
const DefaultPriority = 0

// MaxPriority and MaxWeight are the upper bounds Azure accepts (both are 0..100).
const (
	MaxPriority = 100
	MaxWeight   = 100
)

// stackGroup is the largest group whose availability Select gathers on the
// stack (no allocation).
const stackGroup = 32

// ErrInvalidPool is wrapped by every error New returns.
var ErrInvalidPool = errors.New("pool: invalid")

// Member is one backend of a pool.
type Member struct {
	// Name is the backend name, used in Shares and errors; it must not be
	// empty. Duplicates are allowed (they are distinct members).
	Name string
	// Priority is 0..100; lower is higher priority. Map an unset priority to
	// DefaultPriority.
	Priority int
	// Weight is 0..100, relative to the other members of the same priority
	// group. 0 follows the rules in the package doc; map an unset weight
	// to 1 (backends.DefaultWeight).
	Weight int
	// Available reports whether the member can take a request now. If nil the
	// member is always available. It is called without the pool's lock held.
	Available func() bool
}

// up reports whether m is available.
func (m *Member) up() bool { return m.Available == nil || m.Available() }

// group is one priority group.
type group struct {
	priority int
	index    []int    // pool member indices, in pool order
	members  []Member // the same members, in the same order
	sel      Selector // guarded by Pool.mu
	up       []bool   // scratch passed to sel; guarded by Pool.mu
}

// Pool selects pool members; see the package doc. It is safe for concurrent
// use.
type Pool struct {
	members []Member
	groups  []group // by priority, highest (lowest number) first
	shares  []Share
	policy  Policy
	mu      sync.Mutex
	aff     affinity // guarded by mu
}

// Options tunes a Pool. The zero value is the default.
type Options struct {
	// Policy is the selection policy inside each priority group. If nil,
	// WeightedPolicy{} is used.
	Policy Policy
	// MaxSessions bounds the session-affinity table of SelectFor. 0 means
	// DefaultMaxSessions; a negative value is an error.
	MaxSessions int
}

// New builds a pool of members with the default options.
func New(members []Member) (*Pool, error) { return NewWith(members, Options{}) }

// NewWith builds a pool of members. Members keep their index: Select returns
// an index into members. It returns an error wrapping ErrInvalidPool, naming
// the member and field, for an empty pool, an empty name, or a priority or
// weight outside 0..100.
func NewWith(members []Member, o Options) (*Pool, error) {
	if len(members) == 0 {
		return nil, fmt.Errorf("%w: no members", ErrInvalidPool)
	}
	if o.MaxSessions < 0 {
		return nil, fmt.Errorf("%w: MaxSessions must be >= 0 (got %d)", ErrInvalidPool, o.MaxSessions)
	}
	if o.Policy == nil {
		o.Policy = WeightedPolicy{}
	}
	for i, m := range members {
		switch {
		case m.Name == "":
			return nil, fmt.Errorf("%w: members[%d]: Name is empty", ErrInvalidPool, i)
		case m.Priority < 0 || m.Priority > MaxPriority:
			return nil, fmt.Errorf("%w: members[%d] (%q): Priority %d not in 0..%d", ErrInvalidPool, i, m.Name, m.Priority, MaxPriority)
		case m.Weight < 0 || m.Weight > MaxWeight:
			return nil, fmt.Errorf("%w: members[%d] (%q): Weight %d not in 0..%d", ErrInvalidPool, i, m.Name, m.Weight, MaxWeight)
		}
	}
	p := &Pool{members: slices.Clone(members), policy: o.Policy}
	prios := make([]int, 0, len(members))
	for _, m := range members {
		prios = append(prios, m.Priority)
	}
	slices.Sort(prios)
	for _, prio := range slices.Compact(prios) {
		g := group{priority: prio}
		for i, m := range p.members {
			if m.Priority == prio {
				g.index = append(g.index, i)
				g.members = append(g.members, m)
			}
		}
		g.sel = o.Policy.NewSelector(g.members)
		g.up = make([]bool, len(g.members))
		p.groups = append(p.groups, g)
	}
	p.shares = computeShares(p, o.Policy)
	maxSessions := o.MaxSessions
	if maxSessions == 0 {
		maxSessions = DefaultMaxSessions
	}
	p.aff = newAffinity(maxSessions)
	return p, nil
}

// Len returns the number of members.
func (p *Pool) Len() int { return len(p.members) }

// Member returns member i as given to New.
func (p *Pool) Member(i int) Member { return p.members[i] }

// Select returns the index of the member to use, or -1 and false when no
// member is available (the gateway then answers 503 or
// pool.failureResponse).
func (p *Pool) Select() (idx int, ok bool) {
	for gi := range p.groups {
		g := &p.groups[gi]
		if idx, ok := p.selectIn(g); ok {
			return idx, true
		}
	}
	return -1, false
}

// selectIn gathers the availability of g's members without the lock, then
// runs g's selector under it.
func (p *Pool) selectIn(g *group) (int, bool) {
	var buf [stackGroup]bool
	var up []bool
	if len(g.members) <= stackGroup {
		up = buf[:len(g.members)]
	} else {
		up = make([]bool, len(g.members))
	}
	someUp := false
	for i := range g.members {
		up[i] = g.members[i].up()
		someUp = someUp || up[i]
	}
	if !someUp {
		return -1, false
	}
	p.mu.Lock()
	copy(g.up, up)
	j, ok := g.sel.Select(g.members, g.up)
	p.mu.Unlock()
	if !ok || j < 0 || j >= len(g.index) {
		return -1, false
	}
	return g.index[j], true
}
