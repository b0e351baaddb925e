package demo

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	var out strings.Builder
	dir := t.TempDir()
	rep, err := Run(context.Background(), &out, Options{Dir: dir, Now: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	text := out.String()

	// 1. load: the pool with its priorities and weights.
	for _, want := range []string{
		"service contoso-apim: 4 backends, 1 API",
		"pool    orders-pool    orders-eastus priority=1 weight=3; orders-westus priority=1 weight=1; orders-onprem priority=2 weight=1",
		"breaker regional-breaker: 5 failures in PT1M",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}

	// 2. lint: the deliberate mistakes are found and printed.
	found := map[string]bool{}
	for _, f := range rep.Lint.Findings {
		found[f.Rule] = true
	}
	for _, id := range []string{"APIM002", "APIM501"} {
		if !found[id] {
			t.Errorf("lint did not report %s (found %v)", id, found)
		}
		if !strings.Contains(text, id) {
			t.Errorf("lint report does not print %s", id)
		}
	}
	// Never print secrets: the inline API key is reported, not shown.
	if strings.Contains(text, "s3cr3t-demo-key") {
		t.Error("the demo printed the inline credential value")
	}

	// 3. the scenario file is shown, and every assertion of it holds.
	if !strings.Contains(text, "name: demo failover rehearsal") {
		t.Error("the scenario file is not shown")
	}
	if rep.Result == nil || !rep.Result.Passed {
		for _, a := range rep.Result.Assertions {
			t.Logf("%t %s: %s / %s", a.Passed, a.Name, a.Expected, a.Observed)
		}
		t.Fatal("the demo scenario's assertions do not hold")
	}
	// East trips on its 5th failure: east gets 3 of every 4 requests at
	// 10 rps from 20 s, each east request fails and is retried (2 retries,
	// re-selecting the pool, so some retries land on east too). Without
	// depending on the retry interleaving, the 5th failure comes within the
	// first 5 requests after 20 s, i.e. before 20.5 s.
	var eastOpen time.Duration
	for _, tr := range rep.Result.Transitions {
		if tr.Backend == "orders-eastus" && tr.To == "open" {
			eastOpen = tr.At.D()
			break
		}
	}
	if eastOpen < 20*time.Second || eastOpen > 20500*time.Millisecond {
		t.Errorf("east opened at %s, want within [20s, 20.5s]", eastOpen)
	}

	// 4. the reports are written and named.
	for _, f := range rep.Files {
		st, err := os.Stat(f)
		if err != nil || st.Size() == 0 {
			t.Errorf("report %s missing or empty (%v)", f, err)
		}
		if !strings.Contains(text, f) {
			t.Errorf("output does not say where %s is", f)
		}
	}
}
