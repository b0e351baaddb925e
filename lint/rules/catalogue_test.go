package rules

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/linttest"
)

// noFixtures lists rules that cannot have fixtures, with the reason. The
// engine's tests cover them instead.
var noFixtures = map[string]string{
	lint.InternalError.ID: "reported only when a rule panics (lint.TestRunRecoversFromPanic)",
}

var idRe = regexp.MustCompile(`^APIM\d{3}$`)
var nameRe = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// TestCatalogue checks the rule list: unique, well-formed, sorted IDs and
// names, complete documentation, a check (or an engine rule), fixtures.
func TestCatalogue(t *testing.T) {
	ids, names := map[string]bool{}, map[string]bool{}
	engine := map[*lint.Rule]bool{lint.InternalError: true, lint.SuppressionExpired: true, lint.SuppressionInvalid: true}
	for i, r := range All {
		if r == nil {
			t.Fatalf("All[%d] is nil", i)
		}
		if !idRe.MatchString(r.ID) {
			t.Errorf("%s: ID does not match %s", r.ID, idRe)
		}
		if !nameRe.MatchString(r.Name) {
			t.Errorf("%s: name %q is not kebab-case", r.ID, r.Name)
		}
		if ids[r.ID] {
			t.Errorf("%s: duplicate ID", r.ID)
		}
		if names[r.Name] {
			t.Errorf("%s: duplicate name %q", r.ID, r.Name)
		}
		ids[r.ID], names[r.Name] = true, true
		if i > 0 && All[i-1].ID >= r.ID {
			t.Errorf("All is not sorted: %s comes after %s", r.ID, All[i-1].ID)
		}
		if r.Severity > lint.Error {
			t.Errorf("%s: bad default severity %v", r.ID, r.Severity)
		}
		for field, v := range map[string]string{"Title": r.Doc.Title, "Why": r.Doc.Why, "Fix": r.Doc.Fix, "Bad": r.Doc.Bad, "Good": r.Doc.Good} {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: Doc.%s is empty", r.ID, field)
			}
		}
		if r.Doc.Bad == r.Doc.Good {
			t.Errorf("%s: Doc.Bad and Doc.Good are the same", r.ID)
		}
		if r.Check == nil && !engine[r] {
			t.Errorf("%s: no Check", r.ID)
		}
		if _, ok := noFixtures[r.ID]; ok || isCertRule(r) {
			continue // cert rules: TestCertFixtures generates and checks them
		}
		for _, f := range []string{"bad.txtar", "good.txtar"} {
			if _, err := os.Stat(filepath.Join("testdata", r.ID, f)); err != nil {
				t.Errorf("%s: missing fixture testdata/%s/%s", r.ID, r.ID, f)
			}
		}
	}
	for r := range engine {
		if !ids[r.ID] {
			t.Errorf("engine rule %s is not in All", r.ID)
		}
	}
}

// TestFixtures runs every rule of the catalogue on its fixtures.
func TestFixtures(t *testing.T) {
	for _, r := range All {
		if _, ok := noFixtures[r.ID]; ok || isCertRule(r) {
			continue
		}
		t.Run(r.ID, func(t *testing.T) {
			t.Parallel()
			linttest.Run(t, r)
		})
	}
}

func TestByID(t *testing.T) {
	for _, q := range []string{"APIM001", "apim001", "tls-validation-disabled"} {
		if r, ok := ByID(q); !ok || r != TLSValidationDisabled {
			t.Errorf("ByID(%q) = %v, %v", q, r, ok)
		}
	}
	if _, ok := ByID("APIM999"); ok {
		t.Error("ByID(APIM999) found a rule")
	}
}

// sharedCorpusDir holds real public APIM configurations (see its SOURCES.md).
const sharedCorpusDir = "../../../shared/corpus"

// TestCorpusNoCrash lints every file of the shared corpus with the whole
// catalogue: no rule may panic on real-world input.
func TestCorpusNoCrash(t *testing.T) {
	if _, err := os.Stat(sharedCorpusDir); err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	svc, err := load.Load([]string{sharedCorpusDir}, load.Options{})
	if err != nil {
		t.Fatalf("load corpus: %v", err)
	}
	res := lint.Run(svc, All, nil, lint.RunOptions{Now: linttest.Now})
	for _, f := range append(res.Findings, res.Suppressed...) {
		if f.Rule == lint.InternalError.ID {
			t.Errorf("%s: %s", f.Pos, f.Message)
		}
	}
	if testing.Verbose() {
		for _, f := range res.Findings {
			t.Logf("%s %s %s", f.Pos, f.Rule, f.Message)
		}
	}
}
