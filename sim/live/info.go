package live

import (
	"fmt"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/pool"
	"github.com/apimlab/apimlab/sim"
)

// backendInfo describes the configuration's backends for the result and
// computes expected pool shares with the shared pool semantics.
type backendInfo struct {
	infos []sim.BackendInfo
	pools map[string]*pool.Pool // by pool name
}

func newBackendInfo(svc *apim.Service, fakes []*fake) *backendInfo {
	bi := &backendInfo{pools: map[string]*pool.Pool{}}
	fakeOf := map[string]*fake{}
	for _, f := range fakes {
		for _, b := range f.backends {
			fakeOf[strings.ToLower(b)] = f
		}
	}
	for _, b := range svc.Backends {
		info := sim.BackendInfo{Name: b.Name, Kind: string(apim.Single)}
		if b.IsPool() {
			info.Kind = string(apim.Pool)
			members := poolMembers(b)
			for _, m := range members {
				info.Members = append(info.Members, sim.MemberInfo{Backend: m.Name, Priority: m.Priority, Weight: m.Weight})
			}
			if p, err := pool.New(members); err == nil {
				bi.pools[b.Name] = p
			}
		} else {
			info.URL = b.URL.Value
			info.Breaker = breakerSummary(b)
			if f := fakeOf[strings.ToLower(b.Name)]; f != nil {
				info.Fake = fakeSummary(f)
			}
		}
		bi.infos = append(bi.infos, info)
	}
	return bi
}

// expected implements sim.ExpectedShares.
func (bi *backendInfo) expected(name string, open func(string) bool) []float64 {
	p := bi.pools[name]
	if p == nil {
		return nil
	}
	up := make([]bool, p.Len())
	for i := range up {
		up[i] = !open(p.Member(i).Name)
	}
	return p.SharesWhen(up)
}

func fakeSummary(f *fake) string {
	if !f.tls {
		return "http"
	}
	s := "https"
	mode := "auto"
	if f.spec != nil && f.spec.TLS != "" {
		mode = f.spec.TLS
	}
	s += " " + mode
	if f.spec != nil && f.spec.RequireClientCert {
		s += ", requires a client certificate"
	}
	return s
}

// poolMembers reads a pool's members (TODO(lead): the shared backends
// package replaces this).
func poolMembers(b *apim.Backend) []pool.Member {
	if b.PoolConfig == nil {
		return nil
	}
	var out []pool.Member
	for _, m := range b.PoolConfig.Services {
		name := m.Name
		if name == "" && m.ID.Known() {
			name = m.ID.Value[strings.LastIndexByte(m.ID.Value, '/')+1:]
		}
		out = append(out, pool.Member{Name: name, Priority: m.Priority.Or(0), Weight: m.Weight.Or(1)})
	}
	return out
}

// breakerSummary renders a backend's first breaker rule.
func breakerSummary(b *apim.Backend) string {
	cb := b.CircuitBreaker
	if cb == nil || len(cb.Rules) == 0 || cb.Rules[0].FailureCondition == nil {
		return ""
	}
	r := cb.Rules[0]
	fc := r.FailureCondition
	cond := fmt.Sprintf("%d failures", fc.Count.Or(0))
	if fc.Percentage.Known() {
		cond = fmt.Sprintf("%d%% failures", fc.Percentage.Value)
	}
	return fmt.Sprintf("%s in %s, trip %s", cond, fc.Interval.Value, r.TripDuration.Value)
}
