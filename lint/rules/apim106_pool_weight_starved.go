package rules

import (
	"fmt"
	"strings"

	"github.com/apimlab/apimlab/lint"
)

// PoolWeightStarved reports pool members whose weight gives them (almost)
// no share of their priority group.
var PoolWeightStarved = &lint.Rule{
	ID:       "APIM106",
	Name:     "pool-weight-starved",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "A pool member gets almost no traffic from its weight",
		Why: "Inside a priority group, traffic is split by relative weight. A member with weight 0, " +
			"or with a share under 1% of its group, is effectively out of rotation: it stays cold, " +
			"its breaker never sees enough traffic to judge it, and it is not the standby you think " +
			"it is (standbys belong in a lower priority group). When some members of a group set a " +
			"weight and others do not, the unset ones are counted as weight 1 here.\n\n" +
			"Options: `minShare` (default 0.01) is the smallest acceptable share of the group.",
		Fix: "Give the member a meaningful weight, or move it to its own priority group if it is " +
			"meant as a failover target.",
		Bad: `{ "name": "orders-pool", "properties": { "type": "Pool", "pool": { "services": [
    { "id": "/backends/orders-1", "priority": 1, "weight": 100 },
    { "id": "/backends/orders-2", "priority": 1, "weight": 0 } ] } } }`,
		Good: `{ "name": "orders-pool", "properties": { "type": "Pool", "pool": { "services": [
    { "id": "/backends/orders-1", "priority": 1, "weight": 100 },
    { "id": "/backends/orders-2", "priority": 2 } ] } } }`,
		Since: "0.1.0",
	},
	Check: checkPoolWeightStarved,
}

func checkPoolWeightStarved(pass *lint.Pass) {
	minShare := pass.Float("minShare", 0.01)
	for _, b := range poolBackends(pass.Service) {
		groups, ok := priorityGroups(poolMembers(b))
		if !ok {
			continue
		}
		for _, g := range groups {
			if len(g.members) < 2 {
				continue
			}
			weights, total, ok := groupWeights(g)
			if !ok || total == 0 {
				continue
			}
			for i, m := range g.members {
				share := float64(weights[i]) / float64(total)
				if share >= minShare && weights[i] > 0 {
					continue
				}
				pass.ReportFixf(m.Weight.At(m.Pos), backendSubject(b),
					"raise its weight, or give it its own (higher-numbered) priority as a standby",
					"pool %q: member %q gets %s of priority group %d (%s)",
					b.Name, memberLabel(m), percent(share), g.priority, shareList(g, weights, total))
			}
		}
	}
}

// groupWeights returns each member's effective weight (unset = 1) and the
// total. ok is false when no member sets a weight (plain round-robin), a
// weight is unresolved, or a weight is out of range (APIM105's business).
func groupWeights(g priorityGroup) (weights []int, total int, ok bool) {
	anySet := false
	for _, m := range g.members {
		w := m.Weight
		switch {
		case w.Unknown != "":
			return nil, 0, false
		case w.Known():
			if w.Value < 0 || w.Value > 100 {
				return nil, 0, false
			}
			anySet = true
			weights = append(weights, w.Value)
		default:
			weights = append(weights, 1)
		}
		total += weights[len(weights)-1]
	}
	return weights, total, anySet
}

func shareList(g priorityGroup, weights []int, total int) string {
	parts := make([]string, len(g.members))
	for i, m := range g.members {
		w := fmt.Sprint(weights[i])
		if !m.Weight.Known() {
			w = "unset=1"
		}
		parts[i] = fmt.Sprintf("%q weight %s = %s", memberLabel(m), w, percent(float64(weights[i])/float64(total)))
	}
	return strings.Join(parts, ", ")
}

// percent formats a share as "74.3%", keeping small shares readable ("0.99%").
func percent(share float64) string {
	switch p := share * 100; {
	case p == 0:
		return "0%"
	case p < 1:
		return fmt.Sprintf("%.2g%%", p)
	default:
		return fmt.Sprintf("%.3g%%", p)
	}
}
