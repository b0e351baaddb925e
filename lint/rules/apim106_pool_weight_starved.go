package rules

import (
	"fmt"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/backends"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/pool"
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
			"it is (standbys belong in a lower priority group). An unset weight counts as 1, as in the " +
			"gateway (Azure documents no default; see docs/semantics.md), so a group without weights is " +
			"round-robin and an unset member of a weighted group gets a weight of 1.\n\n" +
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
	for _, b := range poolBackends(pass) {
		members, shares, ok := poolShares(b)
		if !ok {
			continue
		}
		groupSize := map[int]int{}
		for _, sh := range shares {
			groupSize[sh.Group]++
		}
		for i, sh := range shares {
			if groupSize[sh.Group] < 2 || (sh.InGroup >= minShare && sh.Weight > 0) || allZero(shares, sh.Group) {
				continue
			}
			m := members[i].Source
			pass.ReportFixf(m.Weight.At(m.Pos), backendSubject(b),
				"raise its weight, or give it its own (higher-numbered) priority as a standby",
				"pool %q: member %q gets %s of priority group %d (%s)",
				b.Name, memberLabel(m), percent(sh.InGroup), sh.Priority, shareList(members, shares, sh.Group))
		}
	}
}

// poolShares returns pool b's members and each one's share of traffic when
// every member is available. The shares are the gateway's own (package
// backends maps unset values, package pool splits the traffic), so lint and
// the gateway cannot disagree (TestPoolSharesMatchGateway). ok is false
// when a value is unresolved or out of range (APIM105's and APIM902's
// business).
func poolShares(b *apim.Backend) ([]backends.MemberSpec, []pool.Share, bool) {
	members, probs := backends.PoolMembers(b)
	if len(probs) > 0 {
		return nil, nil, false
	}
	shares, err := backends.Shares(members)
	if err != nil {
		return nil, nil, false
	}
	return members, shares, true
}

// allZero reports whether every member of group g has weight 0 (they then
// share equally: nobody is starved).
func allZero(shares []pool.Share, g int) bool {
	for _, sh := range shares {
		if sh.Group == g && sh.Weight > 0 {
			return false
		}
	}
	return true
}

// shareList renders the shares of group g: `"a" weight 3 = 75%, "b" weight
// unset=1 = 25%`.
func shareList(members []backends.MemberSpec, shares []pool.Share, g int) string {
	var parts []string
	for i, sh := range shares {
		if sh.Group != g {
			continue
		}
		m := members[i].Source
		w := fmt.Sprint(sh.Weight)
		if !m.Weight.Known() {
			w = fmt.Sprintf("unset=%d", backends.DefaultWeight)
		}
		parts = append(parts, fmt.Sprintf("%q weight %s = %s", memberLabel(m), w, percent(sh.InGroup)))
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
