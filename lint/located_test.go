package lint_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/rules"
	"golang.org/x/tools/txtar"
)

// sharedCorpus is the corpus of real public configurations (read-only).
const sharedCorpus = "../../shared/corpus"

// corpusInputs lists every configuration file of the shared corpus, each
// of its top-level folders and the corpus as one folder.
func corpusInputs(t *testing.T) [][]string {
	t.Helper()
	if _, err := os.Stat(sharedCorpus); err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	inputs := [][]string{{sharedCorpus}}
	entries, err := os.ReadDir(sharedCorpus)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			inputs = append(inputs, []string{filepath.Join(sharedCorpus, e.Name())})
		}
	}
	err = filepath.WalkDir(sharedCorpus, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch ext := strings.ToLower(filepath.Ext(p)); {
		case d.IsDir(), strings.HasSuffix(p, ".parameters.json"):
		case ext == ".json" || ext == ".xml":
			inputs = append(inputs, []string{p})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return inputs
}

// fixtureInputs extracts every rule fixture (txtar) and returns its inputs:
// the files its "args" section names, else all its files.
func fixtureInputs(t *testing.T) [][]string {
	t.Helper()
	archives, err := filepath.Glob("rules/testdata/APIM*/*.txtar")
	if err != nil || len(archives) == 0 {
		t.Fatalf("no rule fixtures found (%v)", err)
	}
	var inputs [][]string
	for _, a := range archives {
		ar, err := txtar.ParseFile(a)
		if err != nil {
			t.Fatal(err)
		}
		root := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(a), ".txtar"))
		var files, args []string
		for _, f := range ar.Files {
			switch f.Name {
			case "want":
				continue
			case "args":
				for _, arg := range strings.Fields(string(f.Data)) {
					args = append(args, filepath.Join(root, filepath.FromSlash(arg)))
				}
				continue
			}
			p := filepath.Join(root, filepath.FromSlash(f.Name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			if f.Name != lint.DefaultConfigFile && !strings.HasSuffix(f.Name, ".parameters.json") && !strings.Contains(f.Name, "/") {
				files = append(files, p)
			}
		}
		switch {
		case len(args) > 0:
			inputs = append(inputs, args)
		case len(files) > 0:
			inputs = append(inputs, []string{root})
		}
	}
	return inputs
}

// TestEveryFindingIsLocated lints every corpus file one by one, every
// corpus folder, the whole corpus, the service test corpus and every rule
// fixture, and fails on any finding without file:line:col: a finding
// without one has no SARIF physical location and no annotation on a pull
// request.
func TestEveryFindingIsLocated(t *testing.T) {
	inputs := corpusInputs(t)
	for _, d := range []string{"two-services", "apiops-envs", "unresolved", "partial"} {
		inputs = append(inputs, []string{svcDir + d})
	}
	inputs = append(inputs, fixtureInputs(t)...)
	checked := 0
	for _, in := range inputs {
		for _, env := range []string{"", "all"} {
			svcs, err := load.LoadServices(in, load.Options{Environment: env})
			if err != nil {
				continue // nothing to lint (a folder of JSON schemas, a parameters file)
			}
			for _, s := range svcs {
				for _, f := range lint.Run(s, rules.All, nil, lint.RunOptions{Now: testNow}).Findings {
					checked++
					if f.Pos.File == "" || f.Pos.Line < 1 || f.Pos.Col < 1 {
						t.Errorf("%v: finding without file:line:col: %s %s %q (at %q)", in, f.Rule, f.Severity, f.Message, f.Pos.String())
					}
				}
			}
		}
	}
	t.Logf("%d inputs, %d findings checked", len(inputs), checked)
	if checked < 100 {
		t.Errorf("only %d findings checked: the test would not notice a finding without position", checked)
	}
}
