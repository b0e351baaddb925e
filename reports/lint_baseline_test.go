package reports

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

func TestReadBaselineErrors(t *testing.T) {
	tests := []struct {
		file, want string
	}{
		{"not-json.txt", "not a JSON or SARIF lint report"},
		{"array.json", "not a JSON or SARIF lint report"},
		{"neither.json", `no "findings"`},
		{"other-tool.sarif", `tool "checkov"`},
		{"no-fingerprint.sarif", "apimlabFinding/v1"},
		{"json-v2.json", "version 2, want 1"},
		{"no-rule.json", "findings[0] has no rule"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := LoadBaseline(filepath.Join("testdata", "baseline", tt.file), "")
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrBaseline) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.file) {
				t.Errorf("error %q: want ErrBaseline naming the file and containing %q", err, tt.want)
			}
		})
	}
	if _, err := LoadBaseline(filepath.Join("testdata", "baseline", "missing.json"), ""); !errors.Is(err, ErrBaseline) {
		t.Errorf("missing file: error %v, want ErrBaseline", err)
	}
}

// baselineResult is a result with three findings (one with a space in
// its path and no resource) and one suppressed finding.
func baselineResult() *lint.Result {
	return &lint.Result{
		Findings: []lint.Finding{
			{Rule: "APIM001", Severity: lint.Error, Message: `backend "orders": chain off`, Service: "apim-a",
				Pos: apim.Position{File: "infra/apim.json", Line: 12, Col: 5}, Subject: lint.Subject{Kind: "backend", Name: "orders"}},
			{Rule: "APIM002", Severity: lint.Warning, Message: `backend "legacy": plain HTTP`,
				Pos: apim.Position{File: "infra/apim.json", Line: 30, Col: 9}, Subject: lint.Subject{Kind: "backend", Name: "legacy"}},
			{Rule: "APIM901", Severity: lint.Error, Message: "not a configuration",
				Pos: apim.Position{File: "./my policies/x.xml", Line: 1, Col: 1}},
		},
		Suppressed: []lint.Finding{
			{Rule: "APIM002", Severity: lint.Warning, Message: `backend "mock": plain HTTP`, Suppressed: true,
				Suppression: &lint.SuppressionInfo{Kind: "config", Justification: "test double"},
				Pos:         apim.Position{File: "infra/apim.json", Line: 50, Col: 9}, Subject: lint.Subject{Kind: "backend", Name: "mock"}},
		},
		Stats: lint.Stats{Errors: 2, Warnings: 1, Suppressed: 1, Files: 2, Rules: 3},
	}
}

// moved returns r's findings shifted down by n lines and right by one
// column.
func moved(r *lint.Result, n int) *lint.Result {
	out := *r
	out.Findings = nil
	for _, f := range r.Findings {
		f.Pos.Line += n
		f.Pos.Col++
		out.Findings = append(out.Findings, f)
	}
	return &out
}

// A baseline written in either format knows the findings it was written
// from wherever they move, and reports exactly the findings it has not
// seen.
func TestBaselineFilter(t *testing.T) {
	base := baselineResult()
	extra := lint.Finding{Rule: "APIM001", Severity: lint.Error, Message: `backend "audit": chain off`,
		Pos: apim.Position{File: "infra/apim.json", Line: 3, Col: 5}, Subject: lint.Subject{Kind: "backend", Name: "audit"}}
	otherFile := base.Findings[0]
	otherFile.Pos.File = "infra/other.json"
	otherRule := base.Findings[0]
	otherRule.Rule = "APIM003"
	otherService := base.Findings[0]
	otherService.Service = "apim-b"
	suppressedNowOpen := base.Suppressed[0]
	suppressedNowOpen.Suppressed, suppressedNowOpen.Suppression = false, nil

	tests := []struct {
		name      string
		add       []lint.Finding
		shift     int
		wantNew   []string // messages of the findings left, in order
		wantKnown int
		wantStats [3]int // errors, warnings, infos after filtering
	}{
		{"same run", nil, 0, nil, 3, [3]int{}},
		{"lines moved", nil, 7, nil, 3, [3]int{}},
		{"one new finding", []lint.Finding{extra}, 2, []string{`backend "audit": chain off`}, 3, [3]int{1, 0, 0}},
		{"same problem in another file", []lint.Finding{otherFile}, 0, []string{`backend "orders": chain off`}, 3, [3]int{1, 0, 0}},
		{"same problem under another rule", []lint.Finding{otherRule}, 0, []string{`backend "orders": chain off`}, 3, [3]int{1, 0, 0}},
		{"same problem in another service", []lint.Finding{otherService}, 0, []string{`backend "orders": chain off`}, 3, [3]int{1, 0, 0}},
		{"the same finding twice", []lint.Finding{base.Findings[1]}, 4, []string{`backend "legacy": plain HTTP`}, 3, [3]int{0, 1, 0}},
		{"suppressed findings are not in the baseline", []lint.Finding{suppressedNowOpen}, 0, []string{`backend "mock": plain HTTP`}, 3, [3]int{0, 1, 0}},
	}
	for _, format := range []string{"json", "sarif"} {
		var buf bytes.Buffer
		p, err := NewPrinter(format, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Print(&buf, base); err != nil {
			t.Fatal(err)
		}
		b, err := ReadBaseline(&buf, "")
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if b.Len() != 3 {
			t.Errorf("%s: baseline has %d findings, want 3", format, b.Len())
		}
		for _, tt := range tests {
			t.Run(format+"/"+tt.name, func(t *testing.T) {
				cur := moved(base, tt.shift)
				cur.Findings = append(cur.Findings, tt.add...)
				before := len(cur.Findings)
				got, known := b.Filter(cur)
				var msgs []string
				for _, f := range got.Findings {
					msgs = append(msgs, f.Message)
				}
				if strings.Join(msgs, "|") != strings.Join(tt.wantNew, "|") {
					t.Errorf("new findings %q, want %q", msgs, tt.wantNew)
				}
				if known != tt.wantKnown {
					t.Errorf("known = %d, want %d", known, tt.wantKnown)
				}
				if s := got.Stats; [3]int{s.Errors, s.Warnings, s.Infos} != tt.wantStats || s.Suppressed != 1 || s.Files != 2 {
					t.Errorf("stats = %+v, want errors/warnings/infos %v, suppressed 1, files 2", s, tt.wantStats)
				}
				if len(cur.Findings) != before || len(got.Suppressed) != 1 {
					t.Error("Filter modified its input or dropped suppressed findings")
				}
			})
		}
	}
}

func TestEmptyBaselineKnowsNothing(t *testing.T) {
	var b Baseline
	got, known := b.Filter(baselineResult())
	if known != 0 || len(got.Findings) != 3 || got.Stats.Errors != 2 || got.Stats.Warnings != 1 {
		t.Errorf("known %d, %d findings, stats %+v; want 0, 3, 2 errors 1 warning", known, len(got.Findings), got.Stats)
	}
}

func TestWriteBaseline(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ name, wantPrefix string }{
		{"b.json", `{
  "version": 1,`},
		{"b.SARIF", `{
  "$schema": "https://json.schemastore.org/sarif-2.1.0.json",`},
	} {
		path := filepath.Join(dir, tt.name)
		if err := WriteBaseline(path, baselineResult(), "1.2.3"); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(data), tt.wantPrefix) {
			t.Errorf("%s starts %.60q, want %q", tt.name, data, tt.wantPrefix)
		}
		b, err := LoadBaseline(path, dir)
		if err != nil || b.Len() != 3 {
			t.Errorf("%s: reading back: %v, %d findings (want 3)", tt.name, err, b.Len())
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("%d files in the folder, want the 2 baselines (no temporary files left)", len(entries))
	}
	if err := WriteBaseline(filepath.Join(dir, "missing", "b.json"), baselineResult(), ""); err == nil {
		t.Error("writing into a missing folder: no error")
	}
}

// A baseline matches the same file however the run named it: relative,
// with "./", or absolute under the root folder.
func TestBaselinePathsRelativeToRoot(t *testing.T) {
	root := filepath.Join(t.TempDir(), "repo")
	abs := filepath.Join(root, "infra", "apim.json")
	tests := []struct {
		name, written, current string
		wantKnown              int
	}{
		{"relative both times", "infra/apim.json", "infra/apim.json", 1},
		{"dot-slash then plain", "./infra/apim.json", "infra/apim.json", 1},
		{"absolute then relative", abs, "infra/apim.json", 1},
		{"relative then absolute", "infra/apim.json", abs, 1},
		{"another file", "infra/apim.json", "infra/other.json", 0},
		{"outside the root stays absolute", filepath.Join(root, "..", "elsewhere", "apim.json"), "elsewhere/apim.json", 0},
	}
	for _, format := range []string{"json", "sarif"} {
		for _, tt := range tests {
			t.Run(format+"/"+tt.name, func(t *testing.T) {
				f := lint.Finding{Rule: "APIM001", Severity: lint.Error, Message: "chain off",
					Pos: apim.Position{File: tt.written, Line: 4, Col: 2}, Subject: lint.Subject{Kind: "backend", Name: "orders"}}
				p, err := NewPrinter(format, Options{})
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := p.Print(&buf, &lint.Result{Findings: []lint.Finding{f}}); err != nil {
					t.Fatal(err)
				}
				b, err := ReadBaseline(&buf, root)
				if err != nil {
					t.Fatal(err)
				}
				f.Pos.File = tt.current
				if _, known := b.Filter(&lint.Result{Findings: []lint.Finding{f}}); known != tt.wantKnown {
					t.Errorf("known = %d, want %d", known, tt.wantKnown)
				}
			})
		}
	}
}
