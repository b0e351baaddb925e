package pool

// Share is a member's static expected share of traffic, for lint (APIM106)
// and reports.
type Share struct {
	// Index is the member's index in the pool.
	Index int
	// Name, Priority and Weight are the member's.
	Name     string
	Priority int
	Weight   int
	// Group is the rank of the member's priority group: 0 for the highest
	// priority, 1 for the next, and so on.
	Group int
	// InGroup is the member's fraction of its group's traffic when every
	// member of the group is available.
	InGroup float64
	// Share is the member's fraction of the pool's traffic when every member
	// is available: InGroup in group 0, 0 elsewhere.
	Share float64
}

// Shares returns one Share per member, in member order. The slice is a copy.
func (p *Pool) Shares() []Share {
	out := make([]Share, len(p.shares))
	copy(out, p.shares)
	return out
}

// computeShares builds the static shares once, at New.
func computeShares(p *Pool, policy Policy) []Share {
	out := make([]Share, len(p.members))
	for gi, g := range p.groups {
		in := policy.Shares(g.members)
		for j, i := range g.index {
			m := p.members[i]
			s := Share{Index: i, Name: m.Name, Priority: m.Priority, Weight: m.Weight, Group: gi}
			if j < len(in) {
				s.InGroup = in[j]
			}
			if gi == 0 {
				s.Share = s.InGroup
			}
			out[i] = s
		}
	}
	return out
}
