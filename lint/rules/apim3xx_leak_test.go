package rules

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/certmat"
	"github.com/apimlab/apimlab/lint/linttest"
	"github.com/apimlab/apimlab/reports"
	"golang.org/x/tools/txtar"
)

var b64Run = regexp.MustCompile(`[A-Za-z0-9+/]{120,}={0,2}`)

// TestNoSecretsInReports lints every APIM3xx fixture (they hold PFX
// passwords in literals, parameters files and wrong-password cases, keys
// in PFX data and PEM files) with the whole catalogue plus the certificate
// rules, renders the result in every lint output format, and greps the
// output for the fixture passwords, PEM markers and pieces of the base64
// certificate data. None may appear.
func TestNoSecretsInReports(t *testing.T) {
	var archives []*txtar.Archive
	for _, f := range genCertFixtures(t) {
		archives = append(archives, f.ar)
	}
	if len(archives) == 0 {
		t.Fatal("no APIM3xx fixtures generated")
	}
	rules := All
	forbidden := []string{fixturePassword, fixtureWrongPw, fixtureInlinePw, "PRIVATE KEY", "-----BEGIN"}
	findingsSeen := 0
	for _, ar := range archives {
		var err error
		root := t.TempDir()
		var inputs []string
		var cfg *lint.Config
		blobs := forbidden
		for _, f := range ar.Files {
			if f.Name == "want" {
				continue
			}
			if f.Name == "args" {
				for _, arg := range strings.Fields(string(f.Data)) {
					inputs = append(inputs, filepath.Join(root, arg))
				}
				continue
			}
			write(t, root, f.Name, f.Data)
			for _, m := range b64Run.FindAllString(string(f.Data), -1) {
				blobs = append(blobs, m[len(m)/2:len(m)/2+40]) // any 40 characters of key material
			}
			if f.Name == lint.DefaultConfigFile {
				if cfg, err = lint.LoadConfig(filepath.Join(root, f.Name)); err != nil {
					t.Fatal(err)
				}
			}
		}
		svc, err := load.Load(inputs, load.Options{})
		if err != nil {
			t.Fatalf("%s: %v", firstLine(ar.Comment), err)
		}
		if cfg == nil {
			cfg = &lint.Config{}
		}
		// The fixture of APIM315 expects this variable unset; setting a
		// variable through the injected environment covers passwordEnv too.
		certmat.Attach(cfg, certmat.Options{LookupEnv: func(k string) (string, bool) {
			if k == "APIMLAB_FIXTURE_UNSET_VARIABLE_315" {
				return fixtureWrongPw, true
			}
			return "", false
		}})
		res := lint.Run(svc, rules, cfg, lint.RunOptions{Now: linttest.Now})
		findingsSeen += len(res.Findings)
		for _, name := range reports.PrinterNames() {
			p, err := reports.NewPrinter(name, reports.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := p.Print(&out, res); err != nil {
				t.Fatalf("%s: %s: %v", firstLine(ar.Comment), name, err)
			}
			for _, s := range blobs {
				if i := strings.Index(out.String(), s); i >= 0 {
					t.Errorf("%s: %s output contains secret material %q: …%s…", firstLine(ar.Comment), name, s,
						strings.ReplaceAll(out.String()[max(0, i-80):min(out.Len(), i+len(s)+20)], s, "<HERE>"))
				}
			}
		}
	}
	if findingsSeen < len(archives) {
		t.Errorf("only %d findings over %d fixtures: the test would not notice a leak", findingsSeen, len(archives))
	}
}

// firstLine names a generated fixture by the first line of its comment.
func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\n")
	return s
}
