package pool

// SharesWhen returns each member's expected fraction of the pool's traffic
// (in member order) when up reports which members are available: the
// highest-priority group with an available member takes everything, split
// among its available members by the pool's policy (weights, with the
// 0-weight rules of the package doc). All zeros when no member is up.
// Reports and the simulators' expected-share checks use it, so the
// expectation follows the same rules as Select.
func (p *Pool) SharesWhen(up []bool) []float64 {
	out := make([]float64, len(p.members))
	for _, g := range p.groups {
		var avail []Member
		var idx []int
		for j, i := range g.index {
			if i < len(up) && up[i] {
				avail = append(avail, g.members[j])
				idx = append(idx, i)
			}
		}
		if len(avail) == 0 {
			continue
		}
		for k, share := range p.policy.Shares(avail) {
			out[idx[k]] = share
		}
		return out
	}
	return out
}
