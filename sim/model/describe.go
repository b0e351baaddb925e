package model

import (
	"fmt"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/backends"
	"github.com/apimlab/apimlab/pool"
	"github.com/apimlab/apimlab/sim"
)

// describe returns the result's backend descriptions and the expected
// share function the recorder uses for pools.
func describe(svc *apim.Service, sc *sim.Scenario) ([]sim.BackendInfo, sim.ExpectedShares, error) {
	var infos []sim.BackendInfo
	pools := map[string]*poolShares{}
	for _, b := range svc.Backends {
		info := sim.BackendInfo{Name: b.Name, Kind: string(apim.Single)}
		if b.IsPool() {
			info.Kind = string(apim.Pool)
			ps := &poolShares{cache: map[uint64][]float64{}}
			// The members as the gateway runs them (unset weight 1, unset
			// priority the highest): the shared translation.
			specs, _ := backends.PoolMembers(b)
			for _, m := range specs {
				info.Members = append(info.Members, sim.MemberInfo{Backend: m.Name, Priority: m.Priority, Weight: m.Weight})
				ps.members = append(ps.members, pool.Member{Name: m.Name, Priority: m.Priority, Weight: m.Weight})
			}
			if len(ps.members) > 0 {
				p, err := pool.New(ps.members)
				if err != nil {
					return nil, nil, fmt.Errorf("%w: backend %q: %w", ErrConfig, b.Name, err)
				}
				ps.p = p
			}
			pools[strings.ToLower(b.Name)] = ps
		} else {
			info.URL = b.URL.Value
			info.Breaker = breakerSummary(b)
			info.Fake = "model"
			if spec := specFor(sc, b.Name); spec != nil && !spec.Latency.IsZero() {
				info.Fake += fmt.Sprintf(", latency mean %s", spec.Latency.MeanD())
			}
		}
		infos = append(infos, info)
	}
	expected := func(name string, open func(member string) bool) []float64 {
		ps := pools[lowerKey(name)]
		if ps == nil {
			return nil
		}
		return ps.shares(open)
	}
	return infos, expected, nil
}

func specFor(sc *sim.Scenario, name string) *sim.BackendSpec {
	for k, s := range sc.Backends {
		if strings.EqualFold(k, name) {
			return s
		}
	}
	return nil
}

// breakerSummary renders a backend's first breaker rule ("5 failures in
// 1m0s, trip 1m0s").
func breakerSummary(b *apim.Backend) string {
	cb := b.CircuitBreaker
	if cb == nil || len(cb.Rules) == 0 || cb.Rules[0].FailureCondition == nil {
		return ""
	}
	r := cb.Rules[0]
	fc := r.FailureCondition
	var cond string
	if fc.Count.Known() && fc.Count.Value > 0 {
		cond = fmt.Sprintf("%d failures", fc.Count.Value)
	} else {
		cond = fmt.Sprintf("%d%% failures", fc.Percentage.Or(0))
	}
	return fmt.Sprintf("%s in %s, trip %s", cond, fc.Interval.D, r.TripDuration.D)
}

// poolShares gives a pool's expected shares given which members are out
// of rotation, from the pool package's own rule (pool.SharesWhen). Results
// are cached by the set of open members, so the recorder's calls do not
// allocate after the first.
type poolShares struct {
	members []pool.Member
	p       *pool.Pool
	cache   map[uint64][]float64
}

func (p *poolShares) shares(open func(string) bool) []float64 {
	var mask uint64
	for i, m := range p.members {
		if i < 64 && open(m.Name) {
			mask |= 1 << i
		}
	}
	if s, ok := p.cache[mask]; ok {
		return s
	}
	if p.p == nil {
		return nil
	}
	up := make([]bool, len(p.members))
	for i := range up {
		up[i] = mask&(1<<i) == 0
	}
	s := p.p.SharesWhen(up)
	p.cache[mask] = s
	return s
}
