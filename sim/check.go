package sim

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/agnivade/levenshtein"
)

// BackendKind is what the configuration says a backend is, for Check.
type BackendKind struct {
	// Pool reports a load-balanced pool (no fake of its own).
	Pool bool
	// Faked reports that the engine can stand a fake in for it (a Single
	// backend with an http(s) URL).
	Faked bool
}

// Check validates the scenario's backend names against the configuration:
// backends (names are case-insensitive, as in APIM) maps each backend
// entity's name to its kind. Unknown names (with the nearest known name),
// fakes and faults on pools, and expectations about unknown backends are
// errors at their positions.
func (s *Scenario) Check(backends map[string]BackendKind) error {
	p := &problems{s: s}
	lower := map[string]BackendKind{}
	names := slices.Sorted(maps.Keys(backends))
	for _, n := range names {
		lower[strings.ToLower(n)] = backends[n]
	}
	known := func(path, name string) (BackendKind, bool) {
		k, ok := lower[strings.ToLower(name)]
		if !ok {
			msg := fmt.Sprintf("no backend %q in the configuration", name)
			if near := nearest(names, name); near != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", near)
			} else if len(names) > 0 {
				msg += fmt.Sprintf(" (backends: %s)", strings.Join(names, ", "))
			}
			p.add(path, "%s", msg)
		}
		return k, ok
	}
	for _, name := range slices.Sorted(maps.Keys(s.Backends)) {
		path := "$.backends." + name
		k, ok := known(path+"#key", name)
		switch {
		case !ok:
		case k.Pool:
			p.add(path+"#key", "%q is a pool: faults and fakes belong to its member backends", name)
		case !k.Faked:
			p.add(path+"#key", "%q has no http(s) URL the simulator can stand a fake in for", name)
		}
	}
	for i, e := range s.Expect {
		if e == nil {
			continue
		}
		path := fmt.Sprintf("$.expect[%d]", i)
		switch {
		case e.Breaker != nil:
			known(path+".breaker.backend", e.Breaker.Backend)
		case e.Traffic != nil:
			known(path+".traffic.backend", e.Traffic.Backend)
		case e.Failover != nil:
			known(path+".failover.from", e.Failover.From)
			known(path+".failover.to", e.Failover.To)
		case e.NoTraffic != nil:
			known(path+".noTraffic.backend", e.NoTraffic.Backend)
		}
	}
	return p.err()
}

// nearest returns the name closest to s (edit distance at most 3, ignoring
// case), or "".
func nearest(names []string, s string) string {
	best, bestD := "", 4
	for _, n := range names {
		if d := levenshtein.ComputeDistance(strings.ToLower(n), strings.ToLower(s)); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}
