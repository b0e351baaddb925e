package pool

// WeightedPolicy is the default policy: smooth weighted round-robin inside
// each group, with the 0-weight rules of the package doc.
type WeightedPolicy struct{}

// NewSelector returns a SmoothWeighted selector for group.
func (WeightedPolicy) NewSelector(group []Member) Selector {
	return &SmoothWeighted{current: make([]int, len(group))}
}

// Shares returns weight/sum for each member, or equal shares when every
// weight is 0.
func (WeightedPolicy) Shares(group []Member) []float64 {
	out := make([]float64, len(group))
	sum := 0
	for _, m := range group {
		sum += m.Weight
	}
	for i, m := range group {
		if sum == 0 {
			out[i] = 1 / float64(len(group))
		} else {
			out[i] = float64(m.Weight) / float64(sum)
		}
	}
	return out
}

// SmoothWeighted is nginx's smooth weighted round-robin (ngx_http_upstream_
// get_peer): on each pick every available member's current weight grows by
// its weight, the member with the largest current weight is picked (the
// first one on ties) and its current weight drops by the total. Over any
// cycle of sum(weights) picks with stable availability each member gets
// exactly its weight's worth, spread out (weights 5,1,1 give a a b a c a a).
// Unavailable members are skipped and keep their current weight.
type SmoothWeighted struct {
	current []int
}

// Select implements Selector.
func (s *SmoothWeighted) Select(members []Member, up []bool) (int, bool) {
	if len(s.current) < len(members) {
		s.current = append(s.current, make([]int, len(members)-len(s.current))...)
	}
	weighted := false
	for i, m := range members {
		if up[i] && m.Weight > 0 {
			weighted = true
			break
		}
	}
	best, total := -1, 0
	for i, m := range members {
		if !up[i] {
			continue
		}
		w := 1
		if weighted {
			w = m.Weight
			if w <= 0 {
				continue
			}
		}
		s.current[i] += w
		total += w
		if best < 0 || s.current[i] > s.current[best] {
			best = i
		}
	}
	if best < 0 {
		return -1, false
	}
	s.current[best] -= total
	return best, true
}
