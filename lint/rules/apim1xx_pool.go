package rules

import (
	"fmt"
	"strings"

	"github.com/apimlab/apimlab/apim"
)

// Helpers shared by the pool rules (APIM1xx).

// MaxPoolMembers is the most backends Azure accepts in one pool.
const MaxPoolMembers = 30

// poolBackends returns the backends whose type is known to be Pool.
func poolBackends(svc *apim.Service) []*apim.Backend {
	var out []*apim.Backend
	for _, b := range svc.Backends {
		if b.Type.Unknown == "" && b.IsPool() {
			out = append(out, b)
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
// the highest (APIM109 reports mixing set and unset priorities).
type priorityGroup struct {
	priority int
	members  []*apim.PoolMember
}

// priorityGroups splits the members into groups, highest priority first.
// ok is false when a priority could not be resolved.
func priorityGroups(members []*apim.PoolMember) (groups []priorityGroup, ok bool) {
	idx := map[int]int{}
	for _, m := range members {
		if m.Priority.Unknown != "" {
			return nil, false
		}
		p := m.Priority.Or(0)
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
		if d := poolEditDistance(strings.ToLower(b.Name), strings.ToLower(name)); d < bestD {
			best, bestD = b.Name, d
		}
	}
	return best
}

// poolEditDistance is the Levenshtein distance between a and b (bytes).
func poolEditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
