package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/lint")

const (
	srcBackends = "testdata/lint/src/backends.json"
	srcPolicy   = "testdata/lint/src/policy.xml"
)

// fakeRule builds a rule that reports fixed findings.
func fakeRule(id, name string, sev lint.Severity, fs ...lint.Finding) *lint.Rule {
	return &lint.Rule{ID: id, Name: name, Severity: sev,
		Doc: lint.Doc{Title: "Title of " + id, Why: "Why " + id + " matters.", Fix: "Fix " + id + ". More detail.",
			Bad: "{}", Good: "{}"},
		Check: func(p *lint.Pass) {
			for _, f := range fs {
				p.Report(lint.Finding{Pos: f.Pos, Subject: f.Subject, Message: f.Message, Fix: f.Fix})
			}
		}}
}

func at(file string, line, col int) apim.Position {
	return apim.Position{File: file, Line: line, Col: col}
}

// goldenResult runs the engine over fixed findings: errors, a warning, an
// info without position, an inline and a config suppression, and a
// message with characters each format must escape.
func goldenResult() *lint.Result {
	orders := lint.Subject{Kind: "backend", Name: "orders"}
	rules := []*lint.Rule{
		fakeRule("APIM001", "tls-validation-disabled", lint.Error, lint.Finding{Pos: at(srcBackends, 5, 39), Subject: orders,
			Message: `backend "orders": tls.validateCertificateChain is false`, Fix: "set it to true"}),
		fakeRule("APIM002", "plain-http-backend", lint.Warning, lint.Finding{Pos: at(srcBackends, 4, 28), Subject: orders,
			Message: `backend "orders" is called over plain HTTP (host "orders.contoso.com")`}),
		fakeRule("APIM004", "invalid-protocol", lint.Error, lint.Finding{Pos: at(srcBackends, 4, 68), Subject: orders,
			Message: "protocol \"https\" is rejected: use http | soap, 100% sure,\nsee <docs>"}),
		fakeRule("APIM401", "backend-id-unknown", lint.Error, lint.Finding{Pos: at(srcPolicy, 6, 3),
			Subject: lint.Subject{Kind: "policy", Name: "global"}, Message: `backend-id "nope" names no backend`}),
		fakeRule("APIM402", "base-url-hardcoded", lint.Warning, lint.Finding{Pos: at(srcPolicy, 5, 3),
			Subject: lint.Subject{Kind: "policy", Name: "global"}, Message: "base-url is a literal"}),
		fakeRule("APIM902", "unresolved-value", lint.Info, lint.Finding{Pos: at("missing/template.json", 0, 0),
			Message: "a value could not be resolved"}),
	}
	svc := &apim.Service{
		Name:    "contoso",
		Sources: []string{srcBackends, srcPolicy, "missing/template.json"},
		Policy:  &apim.PolicyDoc{Scope: apim.ScopeGlobal, XML: mustRead(srcPolicy), Pos: at(srcPolicy, 1, 1)},
	}
	cfg := &lint.Config{File: ".apimlab.yaml", Suppressions: []lint.Suppression{{
		Rule: "APIM902", File: "missing/*", Reason: "parameters come from the pipeline", Pos: at(".apimlab.yaml", 3, 5)}}}
	return lint.Run(svc, rules, cfg, lint.RunOptions{Now: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)})
}

func mustRead(name string) string {
	data, err := os.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(data)
}

func TestLintGolden(t *testing.T) {
	res := goldenResult()
	if len(res.Suppressed) != 2 || len(res.Findings) != 4 {
		t.Fatalf("golden result: %d findings, %d suppressed; want 4 and 2", len(res.Findings), len(res.Suppressed))
	}
	for _, name := range PrinterNames() {
		for _, color := range []bool{false, true} {
			if color && name != "text" {
				continue
			}
			golden := filepath.Join("testdata", "lint", name+".golden")
			if color {
				golden = filepath.Join("testdata", "lint", name+"-color.golden")
			}
			t.Run(filepath.Base(golden), func(t *testing.T) {
				p, err := NewPrinter(name, Options{Color: color, Version: "test"})
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := p.Print(&buf, res); err != nil {
					t.Fatal(err)
				}
				if *update {
					if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./reports -run TestLintGolden -update)", err)
				}
				if got := buf.String(); got != string(want) {
					t.Errorf("%s differs from the golden file; got:\n%s", golden, got)
				}
			})
		}
	}
}

func TestPrinterRegistry(t *testing.T) {
	want := "github json junit markdown sarif text"
	if got := strings.Join(PrinterNames(), " "); got != want {
		t.Errorf("PrinterNames() = %s, want %s", got, want)
	}
	_, err := NewPrinter("xml", Options{})
	if !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), `"xml"`) || !strings.Contains(err.Error(), want[:6]) {
		t.Errorf("NewPrinter(xml) error = %v", err)
	}
}

// failAfter fails every write after n bytes.
type failAfter struct{ n int }

var errDiskFull = errors.New("disk full")

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		n := f.n
		f.n = 0
		return n, errDiskFull
	}
	f.n -= len(p)
	return len(p), nil
}

func TestPrintersReturnWriteErrors(t *testing.T) {
	res := goldenResult()
	for _, name := range PrinterNames() {
		for _, limit := range []int{0, 10, 200} {
			p, _ := NewPrinter(name, Options{})
			if err := p.Print(&failAfter{n: limit}, res); !errors.Is(err, errDiskFull) {
				t.Errorf("%s with a write failing after %d bytes: err = %v, want %v", name, limit, err, errDiskFull)
			}
		}
	}
}

func compileSchema(t *testing.T, file string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	sch, err := c.Compile(file)
	if err != nil {
		t.Fatalf("compile %s: %v", file, err)
	}
	return sch
}

func validate(t *testing.T, sch *jsonschema.Schema, data []byte) error {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	return sch.Validate(doc)
}

// TestSARIFValidatesAgainstSchema validates SARIF output against the
// official SARIF 2.1.0 JSON schema.
func TestSARIFValidatesAgainstSchema(t *testing.T) {
	sch := compileSchema(t, "testdata/sarif-schema-2.1.0.json")
	var buf bytes.Buffer
	if err := (&SARIF{Version: "test"}).Print(&buf, goldenResult()); err != nil {
		t.Fatal(err)
	}
	if err := validate(t, sch, buf.Bytes()); err != nil {
		t.Errorf("SARIF output does not validate: %v", err)
	}
	// The validator must reject what the schema forbids, or the test
	// above proves nothing.
	broken := bytes.Replace(buf.Bytes(), []byte(`"state": "accepted"`), []byte(`"status": "accepted"`), 1)
	if err := validate(t, sch, broken); err == nil {
		t.Error("schema accepted a suppression with an unknown property")
	}
	noVersion := bytes.Replace(buf.Bytes(), []byte(`"version": "2.1.0"`), []byte(`"version": "2.0.0"`), 1)
	if err := validate(t, sch, noVersion); err == nil {
		t.Error("schema accepted version 2.0.0")
	}
}

func TestSARIFShape(t *testing.T) {
	var buf bytes.Buffer
	if err := (&SARIF{Version: "test"}).Print(&buf, goldenResult()); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct{ ID, HelpURI string }
				}
			}
			Results []struct {
				RuleID       string
				RuleIndex    int
				Suppressions []struct{ Kind, Justification string }
			}
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	for _, res := range run.Results {
		if got := run.Tool.Driver.Rules[res.RuleIndex].ID; got != res.RuleID {
			t.Errorf("result %s has ruleIndex %d -> %s", res.RuleID, res.RuleIndex, got)
		}
	}
	if got, want := run.Tool.Driver.Rules[0].HelpURI, DocsURL+"#apim001"; got != want {
		t.Errorf("helpUri = %s, want %s", got, want)
	}
	kinds := map[string]string{}
	for _, res := range run.Results {
		for _, s := range res.Suppressions {
			kinds[res.RuleID] = s.Kind + ": " + s.Justification
		}
	}
	if kinds["APIM402"] != "inSource: legacy host until the Q3 cut-over" || kinds["APIM902"] != "external: parameters come from the pipeline" {
		t.Errorf("suppressions = %v", kinds)
	}
}

// TestJSONValidatesAgainstItsSchema checks the JSON report against the
// documented schema in reports/lint-json-v1.schema.json.
func TestJSONValidatesAgainstItsSchema(t *testing.T) {
	sch := compileSchema(t, "lint-json-v1.schema.json")
	var buf bytes.Buffer
	if err := (&JSON{Version: "test"}).Print(&buf, goldenResult()); err != nil {
		t.Fatal(err)
	}
	if err := validate(t, sch, buf.Bytes()); err != nil {
		t.Errorf("JSON output does not validate: %v", err)
	}
	var empty bytes.Buffer
	if err := (&JSON{}).Print(&empty, lint.Run(nil, nil, nil, lint.RunOptions{})); err != nil {
		t.Fatal(err)
	}
	if err := validate(t, sch, empty.Bytes()); err != nil {
		t.Errorf("empty JSON report does not validate: %v\n%s", err, empty.String())
	}
}

func TestExcerpt(t *testing.T) {
	for _, tt := range []struct {
		line       string
		col        int
		text, want string
	}{
		{"\t\t\"url\": 1", 3, "\t\t\"url\": 1", "\t\t^"},
		{"abc", 9, "abc", "   ^"},
		{"é=1", 3, "é=1", " ^"},
		{strings.Repeat("a", 200) + "X" + strings.Repeat("b", 200), 201,
			"…" + strings.Repeat("a", 60) + "X" + strings.Repeat("b", 59) + "…", " " + strings.Repeat(" ", 60) + "^"},
	} {
		text, caret := excerpt(tt.line, tt.col)
		if text != tt.text || caret != tt.want {
			t.Errorf("excerpt(%.20q, %d) = %q, %q; want %q, %q", tt.line, tt.col, text, caret, tt.text, tt.want)
		}
	}
}

func TestFileURI(t *testing.T) {
	for in, want := range map[string]string{
		"backends.json":                "backends.json",
		"./named values/x/info.json":   "named%20values/x/info.json",
		"/repo/apis/orders/policy.xml": "file:///repo/apis/orders/policy.xml",
	} {
		if got := fileURI(in); got != want {
			t.Errorf("fileURI(%q) = %q, want %q", in, got, want)
		}
	}
}
