package lint_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/lint"
)

// findingsByService lints paths per service and returns, per service
// label, "file:line:col severity RULE message" lines with files relative
// to the corpus.
func findingsByService(t *testing.T, paths []string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, f := range lintServices(t, paths, load.Options{}).Findings {
		out[f.Service] = append(out[f.Service], corpusLine(f))
	}
	for k := range out {
		slices.Sort(out[k])
	}
	return out
}

func corpusLine(f lint.Finding) string {
	rel, err := filepath.Rel(sharedCorpus, f.Pos.File)
	if err != nil {
		rel = f.Pos.File
	}
	return fmt.Sprintf("%s:%d:%d %s %s %s", filepath.ToSlash(rel), f.Pos.Line, f.Pos.Col, f.Severity, f.Rule,
		strings.ReplaceAll(f.Message, sharedCorpus+"/", ""))
}

// TestCorpusSameFindingsPerService lints the shared corpus as one folder
// and each of its top-level folders (each a repository upstream) on its
// own: every service gets the same findings either way, so services found
// side by side never leak entities into one another. Then it lints every
// corpus file on its own: a file given alone may lack context (its
// dangling references become "not verifiable"), but it never draws an
// error the folder does not. Finally every error of the whole-corpus run
// must be a reviewed line of lint/rules/testdata/corpus.golden.
func TestCorpusSameFindingsPerService(t *testing.T) {
	inputs := corpusInputs(t) // [corpus], then its folders, then its files
	whole := findingsByService(t, inputs[0])
	alone := map[string][]string{}
	for _, in := range inputs[1:] {
		if st, err := os.Stat(in[0]); err != nil || !st.IsDir() {
			continue
		}
		if _, err := load.LoadServices(in, load.Options{}); err != nil {
			continue // arm-schemas: JSON schemas, no configuration
		}
		for svc, lines := range findingsByService(t, in) {
			if _, dup := alone[svc]; dup {
				t.Errorf("service %q found in two top-level folders", svc)
			}
			alone[svc] = lines
		}
	}
	if len(whole) < 5 {
		t.Fatalf("only %d services in the corpus: %v", len(whole), whole)
	}
	for svc, lines := range whole {
		if !slices.Equal(lines, alone[svc]) {
			t.Errorf("service %q: findings differ between the corpus as one folder and its own folder:\none folder:\n  %s\nown folder:\n  %s",
				svc, strings.Join(lines, "\n  "), strings.Join(alone[svc], "\n  "))
		}
	}
	for svc := range alone {
		if _, ok := whole[svc]; !ok {
			t.Errorf("service %q is found in its own folder but not in the corpus as one folder", svc)
		}
	}

	wholeErrors := map[string]bool{}
	for _, lines := range whole {
		for _, l := range lines {
			if strings.Contains(l, " error APIM") {
				wholeErrors[l] = true
			}
		}
	}
	for _, in := range inputs[1:] {
		if st, err := os.Stat(in[0]); err != nil || st.IsDir() {
			continue
		}
		if strings.Contains(filepath.ToSlash(in[0]), "/arm-schemas/") {
			continue // JSON schemas: given explicitly, "not a configuration" is the right error
		}
		if _, err := load.LoadServices(in, load.Options{}); err != nil {
			continue
		}
		for _, lines := range findingsByService(t, in) {
			for _, l := range lines {
				if strings.Contains(l, " error APIM") && !wholeErrors[l] {
					t.Errorf("%s alone draws an error the corpus folder does not: %s", in[0], l)
				}
			}
		}
	}

	reviewed := goldenLines(t, "rules/testdata/corpus.golden")
	for l := range wholeErrors {
		// corpus.golden lines are "file:line:col RULE message".
		loc, rest, _ := strings.Cut(l, " error ")
		if !reviewed[loc+" "+rest] {
			t.Errorf("error not reviewed in corpus.golden: %s", l)
		}
	}
}

// goldenLines reads the finding lines of corpus.golden.
func goldenLines(t *testing.T, path string) map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if l := sc.Text(); l != "" && !strings.HasPrefix(l, "#") {
			out[l] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
