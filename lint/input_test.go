package lint

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
)

// TestInputs: a rule reads the inputs it lists in Requires; each is
// computed once per run (shared by the rules of the run, built from other
// inputs), a provided value wins, and reading an undeclared input is a
// programming error reported as the rule's internal error.
func TestInputs(t *testing.T) {
	var computed atomic.Int32
	base := &Input[int]{Name: "base", Compute: func(*Pass) int { return 40 }}
	sum := &Input[int]{Name: "sum", Compute: func(p *Pass) int {
		computed.Add(1)
		return Get(p, base) + 2 // an input may read another without declaring it
	}}
	given := &Input[string]{Name: "given"}
	var mu sync.Mutex // rules run concurrently
	var seen []int
	reader := func(id string) *Rule {
		return &Rule{ID: id, Name: id, Requires: []Requirement{sum, given}, Check: func(p *Pass) {
			v := Get(p, sum)
			mu.Lock()
			seen = append(seen, v)
			mu.Unlock()
			if v := Get(p, given); v != "" {
				p.Reportf(apim.Position{File: "f", Line: 1, Col: 1}, Subject{}, "given %s", v)
			}
		}}
	}
	sneaky := &Rule{ID: "APIM998", Name: "sneaky", Check: func(p *Pass) { Get(p, sum) }}
	svc := &apim.Service{Sources: []string{"f"}}

	cfg := &Config{}
	res := Run(svc, []*Rule{reader("APIM990"), reader("APIM991")}, cfg, RunOptions{Now: time.Unix(0, 0)})
	if len(seen) != 2 || seen[0] != 42 || seen[1] != 42 || computed.Load() != 1 {
		t.Errorf("values %v computed %d times, want 42 twice and one computation", seen, computed.Load())
	}
	if len(res.Findings) != 0 {
		t.Errorf("findings without a provided value: %v", res.Findings)
	}
	Provide(cfg, given, "yes")
	res = Run(svc, []*Rule{reader("APIM990")}, cfg, RunOptions{Now: time.Unix(0, 0)})
	if len(res.Findings) != 1 || res.Findings[0].Message != "given yes" {
		t.Errorf("findings with a provided value: %v", res.Findings)
	}
	if computed.Load() != 2 {
		t.Errorf("computed %d times over two runs, want once per run", computed.Load())
	}
	res = Run(svc, []*Rule{sneaky}, &Config{}, RunOptions{Now: time.Unix(0, 0)})
	if len(res.Findings) != 1 || res.Findings[0].Rule != InternalError.ID || !strings.Contains(res.Findings[0].Message, `reads input "sum" without listing it in Requires`) {
		t.Errorf("undeclared input: %v", res.Findings)
	}
}

// TestInputNilInterface: an input of an interface type whose provided or
// computed value is nil reads as nil, not as the rule's internal error
// (a type assertion on a nil interface fails).
func TestInputNilInterface(t *testing.T) {
	provided := &Input[error]{Name: "provided"}
	computed := &Input[error]{Name: "computed", Compute: func(*Pass) error { return nil }}
	var got []error
	var mu sync.Mutex
	r := &Rule{ID: "APIM990", Name: "nil", Requires: []Requirement{provided, computed}, Check: func(p *Pass) {
		a, b := Get(p, provided), Get(p, computed)
		mu.Lock()
		got = append(got, a, b)
		mu.Unlock()
	}}
	cfg := &Config{}
	Provide(cfg, provided, nil)
	res := Run(&apim.Service{Sources: []string{"f"}}, []*Rule{r}, cfg, RunOptions{Now: time.Unix(0, 0)})
	if len(res.Findings) != 0 || len(got) != 2 || got[0] != nil || got[1] != nil {
		t.Errorf("findings %v, values %v; want none and two nils", res.Findings, got)
	}
}
