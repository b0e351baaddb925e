package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/impact"
	"github.com/apimlab/apimlab/sim"
	"github.com/apimlab/apimlab/sim/model"
)

// demoImpact compares the demo configuration with a one-line change (west
// weight 1 → 3) under the demo's failover scenario on the model engine.
func demoImpact(t *testing.T) *impact.Report {
	t.Helper()
	dir := t.TempDir()
	data, err := os.ReadFile("../fixtures/demo/apim.json")
	if err != nil {
		t.Fatal(err)
	}
	// The weight of orders-westus is the first "weight": 1 of the file
	// (east has 3, on-premises comes after west).
	i := bytes.Index(data, []byte(`"weight": 1`))
	if i < 0 || !bytes.Contains(data[:i], []byte("orders-westus")) {
		t.Fatal("demo configuration changed: west's weight 1 not found")
	}
	head := append(append(append([]byte{}, data[:i]...), []byte(`"weight": 3`)...), data[i+len(`"weight": 1`):]...)
	if err := os.MkdirAll(filepath.Join(dir, "demo"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "demo", "apim.json"), head, 0o644); err != nil {
		t.Fatal(err)
	}
	base, err := impact.Open("base", "../fixtures/demo", nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := impact.Open("head", filepath.Join(dir, "demo"), nil)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := sim.Load("../fixtures/scenarios/demo-failover.yaml")
	if err != nil {
		t.Fatal(err)
	}
	engine := func(ctx context.Context, svc *apim.Service, sc *sim.Scenario) (*sim.Result, error) {
		return model.Run(ctx, svc, sc, model.Options{})
	}
	r, err := impact.Compare(context.Background(), base, h, []*sim.Scenario{sc}, impact.Options{Engine: engine, EngineName: "model"})
	if err != nil {
		t.Fatal(err)
	}
	r.Head = "demo-with-west-weight-3" // the temporary folder's name varies
	return r
}

func TestImpactMarkdownGolden(t *testing.T) {
	r := demoImpact(t)
	var buf bytes.Buffer
	if err := (ImpactMarkdown{}).Print(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "impact", "demo-weight.md")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != string(want) {
		t.Errorf("impact markdown differs from %s (run go test ./reports -run Impact -update):\n%s", golden, got)
	}
	// It fits a pull-request comment, and says what the change does: west's
	// share of priority 1 goes from 1/4 to 3/6.
	if buf.Len() >= 65536 {
		t.Errorf("markdown is %d characters, over GitHub's comment limit", buf.Len())
	}
	for _, want := range []string{"orders-pool: weight of orders-westus 1 → 3 (share 25% → 50%)", "| healthy | orders-westus | 25.0% → 50.0% |", "## apimlab impact: PASS"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}

func TestImpactFormats(t *testing.T) {
	r := demoImpact(t)
	// A flipped assertion fails the JUnit report.
	r.Scenarios[0].Flips = append(r.Scenarios[0].Flips, impact.AssertionFlip{Name: r.Scenarios[0].Head.Assertions[0].Name, Passed: [2]bool{true, false}, Observed: [2]string{"ok", "opened at 99s"}})
	r.Reasons = append(r.Reasons, "demo: assertion now fails")
	r.Failed = true
	for _, f := range ImpactFormats() {
		p, err := NewImpactPrinter(f, RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := p.Print(&buf, r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		switch f {
		case "json":
			var back impact.Report
			if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back.Version != impact.ReportVersion || !back.Failed {
				t.Errorf("json: %v %+v", err, back.Version)
			}
		case "junit":
			var s impactSuite
			if err := xml.Unmarshal(buf.Bytes(), &s); err != nil {
				t.Fatal(err)
			}
			if s.Failures != 1 || s.Tests != len(r.Scenarios[0].Head.Assertions) {
				t.Errorf("junit: %d failures of %d tests, want 1 of %d", s.Failures, s.Tests, len(r.Scenarios[0].Head.Assertions))
			}
		case "html":
			if !strings.Contains(buf.String(), "<svg") || strings.Count(buf.String(), `class="chart timeline"`) != 2 {
				t.Errorf("html: want two timelines (base and head)")
			}
		}
	}
	if _, err := NewImpactPrinter("sarif", RunOptions{}); err == nil {
		t.Error("unknown format accepted")
	}
}
