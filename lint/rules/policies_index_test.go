package rules

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
)

// refWalk is the recursive walk that parsedPolicy.walk replaces: every
// element that is policy markup, not below free-form content or a
// prefixed element, nor below an element for which fn returns false.
func refWalk(d *policy.Document, fn func(e *policy.Element) bool) {
	d.Walk(func(e *policy.Element) bool {
		if strings.IndexByte(e.Name, ':') >= 0 {
			return false
		}
		return fn(e) && !isFreeForm(e.Name)
	})
}

// policyDocs returns every policy document written in the rule fixtures,
// cut out of the txtar bundles and XML files.
func policyDocs(t *testing.T) []*apim.PolicyDoc {
	t.Helper()
	files, err := filepath.Glob("testdata/*/*")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?s)<(policies|fragment)[\s>].*?</(policies|fragment)>`)
	var out []*apim.PolicyDoc
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue // a directory
		}
		for _, m := range re.FindAllString(string(data), -1) {
			out = append(out, &apim.PolicyDoc{Scope: apim.ScopeAPI, Owner: f, Format: "rawxml", XML: m,
				Pos: apim.Position{File: f, Line: 1, Col: 1}})
		}
	}
	return out
}

// TestWalkIndex checks that the walks over the parse's index visit what
// the recursive walk visits, in the same order, also when the callback
// prunes.
func TestWalkIndex(t *testing.T) {
	docs := policyDocs(t)
	set := parsePolicies(docs)
	parsed, elems := 0, 0
	prunes := map[string]func(e *policy.Element) bool{
		"none":    func(*policy.Element) bool { return true },
		"choose":  func(e *policy.Element) bool { return e.Name != "choose" && e.Name != "when" },
		"section": func(e *policy.Element) bool { return e.Parent == nil || e.Parent.Parent == nil },
		"odd":     func(e *policy.Element) bool { return e.Pos.Line%2 == 0 },
	}
	filters := [][]string{{"set-backend-service"}, {"retry", "forward-request"}, {"choose", "when", "set-header"}, {"nope"}}
	for _, p := range set.All {
		if p.Doc == nil {
			continue
		}
		parsed++
		for name, keep := range prunes {
			var want, got []*policy.Element
			refWalk(p.Doc, func(e *policy.Element) bool { want = append(want, e); return keep(e) })
			p.walk(func(e *policy.Element) bool { got = append(got, e); return keep(e) })
			if !slices.Equal(got, want) {
				t.Errorf("%s: walk with prune %s visited %d elements, want %d", p.Src.Owner, name, len(got), len(want))
			}
			if name == "none" {
				elems += len(got)
			}
			for _, names := range filters {
				var want, got []*policy.Element
				refWalk(p.Doc, func(e *policy.Element) bool {
					if !slices.Contains(names, e.Name) {
						return true
					}
					want = append(want, e)
					return keep(e)
				})
				p.walkNamed(names, func(e *policy.Element) bool { got = append(got, e); return keep(e) })
				if !slices.Equal(got, want) {
					t.Errorf("%s: walkNamed %v with prune %s visited %d elements, want %d", p.Src.Owner, names, name, len(got), len(want))
				}
			}
		}
		for _, name := range []string{"set-backend-service", "retry", "value", "nope"} {
			want := false
			p.Doc.Walk(func(e *policy.Element) bool { want = want || e.Name == name; return true })
			c := scopeChain{Layers: []*apim.PolicyDoc{p.Src}}
			if got := set.chainUses(c, name); got != want { // no fragments: only the document counts
				t.Errorf("%s: chainUses(%q) = %v, want %v", p.Src.Owner, name, got, want)
			}
		}
	}
	if parsed < 20 || elems < 200 {
		t.Fatalf("only %d documents with %d markup elements parsed from the fixtures", parsed, elems)
	}
}

// TestRouteLayerOf checks the scope layer a route gives each document: its
// place in the chain, outermost 1, the innermost place when it is there
// twice, and 0 for a document of no layer (or no document).
func TestRouteLayerOf(t *testing.T) {
	global, api, op, other := &apim.PolicyDoc{}, &apim.PolicyDoc{}, &apim.PolicyDoc{}, &apim.PolicyDoc{}
	r := newRoute(&apim.Service{}, scopeChain{Layers: []*apim.PolicyDoc{global, nil, api, op, api}}, nil)
	for _, tt := range []struct {
		doc  *apim.PolicyDoc
		want int
	}{{global, 1}, {api, 5}, {op, 4}, {other, 0}, {nil, 0}} {
		if got := r.layerOf(tt.doc); got != tt.want {
			t.Errorf("layerOf(%p) = %d, want %d", tt.doc, got, tt.want)
		}
	}
}
