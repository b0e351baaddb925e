package live

import (
	"context"
	"testing"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/sim"
)

func TestPriorityFailoverScenario(t *testing.T) {
	sc, err := sim.Load("../../fixtures/scenarios/priority-failover.yaml")
	if err != nil {
		t.Fatal(err)
	}
	svc, err := load.Load(sc.ConfigPaths(), load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), svc, sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range res.Transitions {
		t.Logf("%s %s#%d %s -> %s %s %s", tr.At, tr.Backend, tr.Instance, tr.From, tr.To, tr.Reason, tr.Detail)
	}
	for _, p := range res.Phases {
		t.Logf("%s: %d requests %v served %v shares %+v p99 %s", p.Name, p.Requests, p.Status, p.Served, p.Shares, p.P99)
	}
	for _, a := range res.Assertions {
		t.Logf("%t %s: expected %s, observed %s", a.Passed, a.Name, a.Expected, a.Observed)
	}
	t.Logf("wall %s", res.Run.Wall)
}
