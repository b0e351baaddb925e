package rules

import (
	"fmt"
	"strings"

	"github.com/agnivade/levenshtein"
	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/backends"
	"github.com/apimlab/apimlab/lint"
)

// Helpers shared by the pool rules (APIM1xx).

// MaxPoolMembers is the most backends Azure accepts in one pool.
const MaxPoolMembers = 30

// poolBackends returns the backends whose type is known to be Pool.
// It is built once per lint run (Pass.Memo) for the dozen rules that ask.
// Read-only.
func poolBackends(pass *lint.Pass) []*apim.Backend {
	return pass.Memo(poolBackendsKey{}, func() any { return listPoolBackends(pass.Service) }).([]*apim.Backend)
}

// poolBackendsKey is the Pass.Memo key of poolBackends.
type poolBackendsKey struct{}

func listPoolBackends(svc *apim.Service) []*apim.Backend {
	var out []*apim.Backend
	for _, b := range svc.Backends {
		if b.Type.Unknown() == "" && b.IsPool() {
			out = append(out, b)
		}
	}
	return out
}

// memberPools maps the lower-case name of every backend that is a member
// of a pool to the name of a pool that holds it with at least one other
// backend, or to "" when every pool holding it holds it alone: that other
// member is where its traffic goes while its breaker is open. It is built
// once per lint run (Pass.Memo). Read-only.
func memberPools(pass *lint.Pass) map[string]string {
	return pass.Memo(memberPoolsKey{}, func() any { return listMemberPools(pass) }).(map[string]string)
}

// memberPoolsKey is the Pass.Memo key of memberPools.
type memberPoolsKey struct{}

func listMemberPools(pass *lint.Pass) map[string]string {
	out := map[string]string{}
	for _, p := range poolBackends(pass) {
		names := map[string]bool{}
		for _, m := range poolMembers(p) {
			if m.Name != "" {
				names[strings.ToLower(m.Name)] = true
			}
		}
		for n := range names {
			if len(names) > 1 {
				out[n] = p.Name
			} else if _, ok := out[n]; !ok {
				out[n] = ""
			}
		}
	}
	return out
}

// poolMembers returns the members of a pool backend (nil when it has none).
func poolMembers(b *apim.Backend) []*apim.PoolMember {
	if b.PoolConfig == nil {
		return nil
	}
	return b.PoolConfig.Services
}

// memberLabel names a member by the backend it resolves to, else by its id.
func memberLabel(m *apim.PoolMember) string {
	if m.Name != "" {
		return m.Name
	}
	return m.ID.Value
}

// memberPos is where a member's id is written, else the member object.
func memberPos(m *apim.PoolMember) apim.Position { return m.ID.At(m.Pos) }

// priorityGroup is the members of a pool that share a priority. Lower
// numbers are tried first. Members without a priority are in group 0,
// the highest, as in the gateway (backends.Priority; APIM109 reports
// mixing set and unset priorities).
type priorityGroup struct {
	priority int
	members  []*apim.PoolMember
}

// priorityGroups splits the members into groups, highest priority first.
// ok is false when a priority could not be resolved.
func priorityGroups(members []*apim.PoolMember) (groups []priorityGroup, ok bool) {
	idx := map[int]int{}
	for _, m := range members {
		if m.Priority.Unknown() != "" {
			return nil, false
		}
		p := backends.Priority(m.Priority)
		i, seen := idx[p]
		if !seen {
			i = len(groups)
			idx[p] = i
			groups = append(groups, priorityGroup{priority: p})
		}
		groups[i].members = append(groups[i].members, m)
	}
	for i := 1; i < len(groups); i++ {
		for j := i; j > 0 && groups[j].priority < groups[j-1].priority; j-- {
			groups[j], groups[j-1] = groups[j-1], groups[j]
		}
	}
	return groups, true
}

// nameList renders up to five names as `"a", "b" and 3 more`.
func nameList(names []string) string {
	var b strings.Builder
	for i, n := range names {
		if i == 5 {
			fmt.Fprintf(&b, " and %d more", len(names)-5)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", n)
	}
	return b.String()
}

// closestBackendName returns the backend name nearest to name (edit
// distance at most 2, ignoring case), or "".
func closestBackendName(backends []*apim.Backend, name string) string {
	best, bestD := "", 3
	for _, b := range backends {
		if d := levenshtein.ComputeDistance(strings.ToLower(b.Name), strings.ToLower(name)); d < bestD {
			best, bestD = b.Name, d
		}
	}
	return best
}
