package pool

// RoundRobinPolicy rotates through each group's available members in order,
// ignoring weights.
type RoundRobinPolicy struct{}

// NewSelector returns a RoundRobin selector.
func (RoundRobinPolicy) NewSelector([]Member) Selector { return &RoundRobin{} }

// Shares returns equal shares.
func (RoundRobinPolicy) Shares(group []Member) []float64 {
	out := make([]float64, len(group))
	for i := range out {
		out[i] = 1 / float64(len(group))
	}
	return out
}

// RoundRobin picks the next available member after the previous pick.
type RoundRobin struct {
	next int
}

// Select implements Selector.
func (r *RoundRobin) Select(members []Member, up []bool) (int, bool) {
	n := len(members)
	for k := range n {
		i := (r.next + k) % n
		if up[i] {
			r.next = (i + 1) % n
			return i, true
		}
	}
	return -1, false
}

// Interface guards.
var (
	_ Policy   = WeightedPolicy{}
	_ Policy   = RoundRobinPolicy{}
	_ Selector = (*SmoothWeighted)(nil)
	_ Selector = (*RoundRobin)(nil)
)
