package rules

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/lint"
)

// TestFragmentUnknownComplete: a lone policy file said to be the whole
// service (--complete) has its include-fragment checked: no fragment is
// defined, so the include is an error (a review found it silent).
func TestFragmentUnknownComplete(t *testing.T) {
	dir := t.TempDir()
	policy := `<policies><inbound><base /><include-fragment fragment-id="usage-tracking" /></inbound></policies>`
	if err := os.WriteFile(filepath.Join(dir, "genai-policy.xml"), []byte(policy), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, complete := range []bool{false, true} {
		svcs, err := load.LoadServices([]string{filepath.Join(dir, "genai-policy.xml")}, load.Options{Complete: complete})
		if err != nil {
			t.Fatal(err)
		}
		res := lint.Run(svcs[0], []*lint.Rule{FragmentUnknown}, nil, lint.RunOptions{Now: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)})
		if got, want := len(res.Findings), map[bool]int{false: 0, true: 1}[complete]; got != want {
			t.Errorf("complete %v: %d findings, want %d: %v", complete, got, want, res.Findings)
		}
		if complete && len(res.Findings) == 1 && res.Findings[0].Severity != lint.Error {
			t.Errorf("complete: severity %v, want error", res.Findings[0].Severity)
		}
	}
}
