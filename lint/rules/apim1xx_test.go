package rules

import (
	"slices"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// healthy is a breaker that no pool rule should care about.
func healthy(line int) *apim.BreakerRule { return tRule(line, 0, 50, "PT1M", "PT1M", serverErrors) }

func TestPoolMemberUnknown(t *testing.T) {
	notBackend := tMember("", 13, unset, unset)
	notBackend.ID = tStr("/subscriptions/0/providers/Microsoft.Web/sites/orders", 13)
	unknownID := &apim.PoolMember{Pos: tpos(14), ID: apim.Field[string]{Set: true, Pos: tpos(14)}.WithUnknown("parameter id")}
	runRuleCases(t, PoolMemberUnknown, []ruleCase{
		{"all members exist", svcOf(tSingle("a", 1), tSingle("b", 2), tPool("p", 10, tMember("a", 11, unset, unset), tMember("B", 12, unset, unset))), nil, nil},
		{"typo with suggestion", svcOf(tSingle("orders-west", 1), tPool("p", 10, tMember("orders-wset", 11, unset, unset))), nil,
			[]want{{11, `pool "p": member "orders-wset" is not a backend of this service`}}},
		{"id names no backend", svcOf(tPool("p", 10, notBackend)), nil, []want{{13, `member id ".*Microsoft.Web/sites/orders" does not name a backend`}}},
		{"unknown id skipped", svcOf(tPool("p", 10, unknownID)), nil, nil},
		{"single backends ignored", svcOf(tSingle("a", 1)), nil, nil},
	})
}

func TestClosestBackendName(t *testing.T) {
	bs := []*apim.Backend{{Name: "orders-west"}, {Name: "payments"}}
	for _, tc := range []struct{ in, want string }{
		{"orders-wset", "orders-west"}, {"ORDERS-WEST1", "orders-west"}, {"inventory", ""}, {"payment", "payments"},
	} {
		if got := closestBackendName(bs, tc.in); got != tc.want {
			t.Errorf("closestBackendName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPoolNested(t *testing.T) {
	inner := tPool("inner", 20, tMember("a", 21, unset, unset), tMember("b", 22, unset, unset))
	runRuleCases(t, PoolNested, []ruleCase{
		{"nested", svcOf(tSingle("a", 1), tSingle("b", 2), inner, tPool("outer", 30, tMember("inner", 31, unset, unset), tMember("a", 32, unset, unset))), nil,
			[]want{{31, `pool "outer": member "inner" is itself a pool \(2 members\)`}}},
		{"flat", svcOf(tSingle("a", 1), tSingle("b", 2), tPool("outer", 30, tMember("a", 31, unset, unset), tMember("b", 32, unset, unset))), nil, nil},
		{"missing member is APIM101's", svcOf(tPool("outer", 30, tMember("ghost", 31, unset, unset))), nil, nil},
	})
}

func TestPoolHasURL(t *testing.T) {
	withURL := tPool("p", 10, tMember("a", 11, unset, unset))
	withURL.URL, withURL.Protocol = tStr("http://localhost", 12), tStr("http", 13)
	nulls := tPool("p", 10, tMember("a", 11, unset, unset))
	nulls.URL = apim.Field[string]{Set: true, Null: true, Pos: tpos(12)}
	nulls.Protocol = apim.Field[string]{Set: true, Null: true, Pos: tpos(13)}
	unknown := tPool("p", 10, tMember("a", 11, unset, unset))
	unknown.URL = apim.Field[string]{Set: true, Pos: tpos(12)}.WithUnknown("parameter url")
	runRuleCases(t, PoolHasURL, []ruleCase{
		{"url and protocol", svcOf(tSingle("a", 1), withURL), nil, []want{{12, `sets url "http://localhost"`}, {13, `sets protocol "http"`}}},
		{"nulls as in REST output", svcOf(tSingle("a", 1), nulls), nil, nil},
		{"unknown skipped", svcOf(tSingle("a", 1), unknown), nil, nil},
		{"single backends may", svcOf(tSingle("a", 1)), nil, nil},
	})
}

func TestPoolSize(t *testing.T) {
	var members []*apim.PoolMember
	var singles []*apim.Backend
	for i := range 31 {
		name := "b" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		members = append(members, tMember(name, 100+i, unset, unset))
		singles = append(singles, tSingle(name, 1))
	}
	noConfig := tPool("noconfig", 40)
	noConfig.PoolConfig = nil
	runRuleCases(t, PoolSize, []ruleCase{
		{"empty", svcOf(tPool("p", 10)), nil, []want{{10, `pool "p" has no members`}}},
		{"no pool object", svcOf(noConfig), nil, []want{{40, `pool "noconfig" has no members`}}},
		{"31", svcOf(append(slices.Clone(singles), tPool("big", 10, members...))...), nil, []want{{130, `has 31 members; Azure allows at most 30`}}},
		{"30", svcOf(append(slices.Clone(singles), tPool("big", 10, members[:30]...))...), nil, nil},
	})
}

func TestPoolValueOutOfRange(t *testing.T) {
	frac := tInt(2, 12)
	frac.SetRaw("2.5")
	runRuleCases(t, PoolValueOutOfRange, []ruleCase{
		{"bad values", svcOf(tSingle("a", 1), tSingle("b", 2), tSingle("c", 3), tPool("p", 10,
			tMember("a", 11, tInt(1, 11), tInt(750, 11)),
			tMember("b", 12, tInt(1, 12), frac),
			tMember("c", 13, tInt(-1, 13), unset))), nil,
			[]want{{11, `"a" has weight 750, outside 0–100`}, {12, `"b" has weight 2.5, which is not an integer`}, {13, `"c" has priority -1`}}},
		{"bounds inclusive", svcOf(tSingle("a", 1), tSingle("b", 2), tPool("p", 10,
			tMember("a", 11, tInt(0, 11), tInt(100, 11)), tMember("b", 12, tInt(100, 12), tInt(0, 12)))), nil, nil},
		{"unknown and null skipped", svcOf(tSingle("a", 1), tPool("p", 10, tMember("a", 11, tNullInt(11), tUnknownInt(11)))), nil, nil},
	})
}

func TestPoolWeightStarved(t *testing.T) {
	three := svcOf(tSingle("a", 1), tSingle("b", 2), tSingle("c", 3))
	withPool := func(s *apim.Service, p *apim.Backend) *apim.Service {
		return &apim.Service{Backends: append(append([]*apim.Backend{}, s.Backends...), p)}
	}
	runRuleCases(t, PoolWeightStarved, []ruleCase{
		{"zero weight", withPool(three, tPool("p", 10, tMember("a", 11, tInt(1, 11), tInt(100, 11)), tMember("b", 12, tInt(1, 12), tInt(0, 12)))), nil,
			[]want{{12, `member "b" gets 0% of priority group 1 \("a" weight 100 = 100%, "b" weight 0 = 0%\)`}}},
		{"under one percent", withPool(three, tPool("p", 10, tMember("a", 11, unset, tInt(100, 11)), tMember("b", 12, unset, tInt(100, 12)), tMember("c", 13, unset, tInt(1, 13)))), nil,
			[]want{{13, `member "c" gets 0.5% of priority group 0 \("a" weight 100 = 49.8%, "b" weight 100 = 49.8%, "c" weight 1 = 0.5%\)`}}},
		{"unset counts as one", withPool(three, tPool("p", 10, tMember("a", 11, unset, tInt(100, 11)), tMember("b", 12, unset, unset))), nil,
			[]want{{12, `member "b" gets 0.99% .*"b" weight unset=1 = 0.99%`}}},
		{"groups are separate", withPool(three, tPool("p", 10, tMember("a", 11, tInt(1, 11), tInt(100, 11)), tMember("b", 12, tInt(2, 12), tInt(0, 12)))), nil, nil},
		{"75/25", withPool(three, tPool("p", 10, tMember("a", 11, unset, tInt(75, 11)), tMember("b", 12, unset, tInt(25, 12)))), nil, nil},
		{"round robin", withPool(three, tPool("p", 10, tMember("a", 11, unset, unset), tMember("b", 12, unset, unset))), nil, nil},
		{"unknown weight skipped", withPool(three, tPool("p", 10, tMember("a", 11, unset, tInt(100, 11)), tMember("b", 12, unset, tUnknownInt(12)))), nil, nil},
		{"threshold option", withPool(three, tPool("p", 10, tMember("a", 11, unset, tInt(90, 11)), tMember("b", 12, unset, tInt(5, 12)))),
			cfgWith("APIM106", "minShare", 0.1), []want{{12, `gets 5.26% of priority group 0`}}},
	})
}

func TestPoolNoFailover(t *testing.T) {
	runRuleCases(t, PoolNoFailover, []ruleCase{
		{"no breakers", svcOf(tSingle("a", 1), tSingle("b", 2), tPool("p", 10, tMember("a", 11, unset, unset), tMember("b", 12, unset, unset))), nil,
			[]want{{10, `pool "p" cannot fail over: none of its members \("a", "b"\) has a circuit breaker`}}},
		{"single member", svcOf(tSingle("a", 1, healthy(1)), tPool("p", 10, tMember("a", 11, unset, unset))), nil,
			[]want{{11, `pool "p" routes everything to "a" and has no other member`}}},
		{"duplicate of one member", svcOf(tSingle("a", 1, healthy(1)), tPool("p", 10, tMember("a", 11, unset, unset), tMember("A", 12, unset, unset))), nil,
			[]want{{11, `routes everything to "a"`}}},
		{"one breaker is enough", svcOf(tSingle("a", 1, healthy(1)), tSingle("b", 2), tPool("p", 10, tMember("a", 11, unset, unset), tMember("b", 12, unset, unset))), nil, nil},
		{"single primary with standby", svcOf(tSingle("a", 1, healthy(1)), tSingle("b", 2, healthy(2)), tPool("p", 10, tMember("a", 11, tInt(1, 11), unset), tMember("b", 12, tInt(2, 12), unset))), nil, nil},
		{"unresolved member skipped", svcOf(tSingle("a", 1), tPool("p", 10, tMember("a", 11, unset, unset), tMember("ghost", 12, unset, unset))), nil, nil},
	})
}

func TestPoolDuplicateMember(t *testing.T) {
	runRuleCases(t, PoolDuplicateMember, []ruleCase{
		{"case-insensitive", svcOf(tSingle("a", 1), tSingle("b", 2), tPool("p", 10, tMember("a", 11, unset, unset), tMember("b", 12, unset, unset), tMember("A", 13, unset, unset))), nil,
			[]want{{13, `pool "p" lists backend "A" twice \(members 1 and 3\)`}}},
		{"distinct", svcOf(tSingle("a", 1), tSingle("b", 2), tPool("p", 10, tMember("a", 11, unset, unset), tMember("b", 12, unset, unset))), nil, nil},
	})
}

func TestPoolMixedPriority(t *testing.T) {
	runRuleCases(t, PoolMixedPriority, []ruleCase{
		{"mixed", svcOf(tSingle("a", 1), tSingle("b", 2), tSingle("c", 3), tPool("p", 10, tMember("a", 11, tInt(1, 11), unset), tMember("b", 12, unset, unset), tMember("c", 13, tNullInt(13), unset))), nil,
			[]want{{12, `priority is set on "a" but not on "b", "c"`}}},
		{"all set", svcOf(tSingle("a", 1), tSingle("b", 2), tPool("p", 10, tMember("a", 11, tInt(1, 11), unset), tMember("b", 12, tInt(2, 12), unset))), nil, nil},
		{"none set", svcOf(tSingle("a", 1), tSingle("b", 2), tPool("p", 10, tMember("a", 11, unset, unset), tMember("b", 12, unset, unset))), nil, nil},
		{"expression counts as set", svcOf(tSingle("a", 1), tSingle("b", 2), tPool("p", 10, tMember("a", 11, tUnknownInt(11), unset), tMember("b", 12, tInt(2, 12), unset))), nil, nil},
	})
}
