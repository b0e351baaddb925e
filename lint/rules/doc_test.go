package rules

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/lint"
)

const docsFile = "../../docs/rules.md"

// TestRulesDocUpToDate fails when docs/rules.md differs from what
// `go generate ./lint/...` would write.
func TestRulesDocUpToDate(t *testing.T) {
	var want bytes.Buffer
	if err := lint.WriteMarkdown(&want, All); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(docsFile)
	if err != nil {
		t.Fatalf("docs/rules.md is stale: run go generate ./lint/... (%v)", err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("docs/rules.md is stale: run go generate ./lint/...")
	}
}

// TestExplainMatchesDocs checks that `apimlab explain` prints the same
// sections as docs/rules.md.
func TestExplainMatchesDocs(t *testing.T) {
	var md bytes.Buffer
	if err := lint.WriteMarkdown(&md, All); err != nil {
		t.Fatal(err)
	}
	for _, r := range All {
		var ex bytes.Buffer
		if err := lint.Explain(&ex, r); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(md.String(), ex.String()) {
			t.Errorf("%s: explain output is not the section of docs/rules.md", r.ID)
		}
	}
}
