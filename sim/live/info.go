package live

import (
	"fmt"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/backends"
	"github.com/apimlab/apimlab/breaker"
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
			specs, _ := backends.PoolMembers(b) // problems stop the gateway itself
			members := make([]pool.Member, len(specs))
			for i, m := range specs {
				members[i] = m.Member
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

// breakerSummary renders the breaker rule a backend runs, as the shared
// translation reads it ("5 failures in 1m0s, open 30s").
func breakerSummary(b *apim.Backend) string {
	spec, _ := backends.BreakerSpecOf(b, backends.Options{})
	if spec == nil {
		return ""
	}
	s := spec.Settings
	cond := fmt.Sprintf("%d failures", s.Count)
	if s.Percentage > 0 {
		mr := s.MinRequests
		if mr == 0 {
			mr = breaker.DefaultMinRequests
		}
		cond = fmt.Sprintf("%d%% failures (min %d requests)", s.Percentage, mr)
	}
	out := fmt.Sprintf("%s in %s, open %s", cond, s.Interval, s.TripDuration)
	if s.AcceptRetryAfter {
		out += " or Retry-After"
	}
	return out
}
