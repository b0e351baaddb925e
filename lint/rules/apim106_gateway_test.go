package rules

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/gateway"
	"github.com/apimlab/apimlab/lint"
)

// TestPoolSharesMatchGateway proves that the share lint computes for each
// pool member (APIM106's figures) is what a real gateway delivers over a
// full weight cycle, unset weights included, and that both equal the shares
// worked out by hand from the documented rule (unset weight = 1, an
// explicit 0 gets nothing beside a weighted member, all-zero is equal).
func TestPoolSharesMatchGateway(t *testing.T) {
	const unset = -1
	type m struct{ prio, weight int }
	tests := []struct {
		name    string
		members []m
		want    []float64 // by hand
		cycle   int       // requests in one full weight cycle
	}{
		{"weights 3, unset, 0", []m{{0, 3}, {0, unset}, {0, 0}}, []float64{3.0 / 4, 1.0 / 4, 0}, 4},
		{"all unset is round-robin", []m{{unset, unset}, {unset, unset}, {unset, unset}}, []float64{1.0 / 3, 1.0 / 3, 1.0 / 3}, 3},
		{"all zero share equally", []m{{1, 0}, {1, 0}}, []float64{1.0 / 2, 1.0 / 2}, 2},
		{"unset beside 99", []m{{0, 99}, {0, unset}}, []float64{99.0 / 100, 1.0 / 100}, 100},
		{"lower group idle", []m{{0, 2}, {0, unset}, {1, 5}}, []float64{2.0 / 3, 1.0 / 3, 0}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := &apim.Service{}
			hits := make([]atomic.Int64, len(tt.members))
			var members []*apim.PoolMember
			for i, mm := range tt.members {
				name := fmt.Sprintf("m%d", i)
				fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					hits[i].Add(1)
				}))
				t.Cleanup(fake.Close)
				svc.Backends = append(svc.Backends, &apim.Backend{Name: name, Type: apim.Field[apim.BackendType]{Value: apim.Single, Set: true},
					URL: tStr(fake.URL, 1), Protocol: tStr("http", 1), Pos: tpos(1)})
				pm := &apim.PoolMember{ID: tStr("/backends/"+name, 20+i), Name: name, Pos: tpos(20 + i)}
				if mm.prio != unset {
					pm.Priority = tInt(mm.prio, 20+i)
				}
				if mm.weight != unset {
					pm.Weight = tInt(mm.weight, 20+i)
				}
				members = append(members, pm)
			}
			p := tPool("pool", 10, members...)
			svc.Backends = append(svc.Backends, p)
			svc.APIs = []*apim.API{{Name: "api", Path: tStr("api", 30), Policy: &apim.PolicyDoc{Scope: apim.ScopeAPI, Format: "rawxml", Pos: tpos(30),
				XML: `<policies><inbound><base /><set-backend-service backend-id="pool" /></inbound><backend><forward-request /></backend><outbound /><on-error /></policies>`}}}

			// Lint's shares.
			_, shares, ok := poolShares(p)
			if !ok {
				t.Fatal("poolShares: not ok")
			}
			// The gateway's traffic over ten full cycles.
			g, err := gateway.New(svc, gateway.Options{Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			front := httptest.NewServer(g)
			t.Cleanup(func() { front.Close(); g.Close() })
			n := 10 * tt.cycle
			for range n {
				resp, err := front.Client().Get(front.URL + "/api/x")
				if err != nil {
					t.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("gateway answered %d", resp.StatusCode)
				}
			}
			for i, want := range tt.want {
				got := float64(hits[i].Load()) / float64(n)
				if math.Abs(got-want) > 1e-9 {
					t.Errorf("m%d: gateway delivered %d/%d = %.4f, want %.4f", i, hits[i].Load(), n, got, want)
				}
				if math.Abs(shares[i].Share-want) > 1e-9 {
					t.Errorf("m%d: lint's share %.4f, want %.4f", i, shares[i].Share, want)
				}
			}
		})
	}
}

// TestPoolWeightStarvedNamesUnsetAsOne checks APIM106's message for the
// pool above: the figures it prints are the gateway's.
func TestPoolWeightStarvedNamesUnsetAsOne(t *testing.T) {
	svc := svcOf(tSingle("a", 1), tSingle("b", 2), tSingle("c", 3),
		tPool("p", 10, tMember("a", 11, unset, tInt(3, 11)), tMember("b", 12, unset, unset), tMember("c", 13, unset, tInt(0, 13))))
	res := lint.Run(svc, []*lint.Rule{PoolWeightStarved}, nil, lint.RunOptions{})
	want := regexp.MustCompile(`member "c" gets 0% of priority group 0 \("a" weight 3 = 75%, "b" weight unset=1 = 25%, "c" weight 0 = 0%\)`)
	var msgs []string
	for _, f := range res.Findings {
		msgs = append(msgs, f.Message)
	}
	if len(msgs) != 1 || !want.MatchString(msgs[0]) {
		t.Errorf("findings %q, want one matching %s", strings.Join(msgs, " | "), want)
	}
}
