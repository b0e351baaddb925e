package parity

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ledgerPath and moduleRoot are relative to this package's directory, where
// go test runs.
const (
	ledgerPath = "../../docs/parity.md"
	moduleRoot = "../.."
)

// TestLedger checks docs/parity.md: every row has a known status, every
// implemented or deliberately different row names a test, and every named
// test function exists in the named package.
func TestLedger(t *testing.T) {
	f, err := os.Open(ledgerPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, parseErr := parseLedger("docs/parity.md", f)
	// Check the proofs of the rows that parsed even when others did not, so
	// one run lists every problem.
	if err := errors.Join(parseErr, checkProofs("docs/parity.md", moduleRoot, rows)); err != nil {
		t.Fatal(err)
	}
	if len(rows) < 50 {
		t.Fatalf("docs/parity.md has %d ledger rows; the ledger is expected to list every emulated behaviour", len(rows))
	}
	// Every status is used, and no row is listed twice.
	seen := map[string]int{}
	statuses := map[string]bool{}
	for _, r := range rows {
		statuses[r.Status] = true
		if prev, dup := seen[r.Behaviour]; dup {
			t.Errorf("docs/parity.md:%d: behaviour %q is already listed on line %d", r.Line, r.Behaviour, prev)
		}
		seen[r.Behaviour] = r.Line
	}
	for s := range validStatus {
		if !statuses[s] {
			t.Errorf("no row has status %q", s)
		}
	}
}

// writePkg creates dir/pkg with one test file holding src.
func writePkg(t *testing.T, root, pkg, src string) {
	t.Helper()
	dir := filepath.Join(root, filepath.FromSlash(pkg))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "x_test.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCheck runs parseLedger and checkProofs on small ledgers against a
// fake module: a row that lies must fail with its line number.
func TestCheck(t *testing.T) {
	root := t.TempDir()
	writePkg(t, root, "a", "package a\n\nimport \"testing\"\n\nfunc TestReal(t *testing.T) {}\n\nfunc FuzzReal(f *testing.F) {}\n\ntype s struct{}\n\nfunc (s) TestMethod() {}\n")
	writePkg(t, root, "b/c", "package c_test\n\nimport \"testing\"\n\nfunc TestOther(t *testing.T) { t.Run(\"x y\", nil) }\n")
	if err := os.MkdirAll(filepath.Join(root, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	const head = "# L\n\n| behaviour | source | status | proof | notes |\n|---|---|---|---|---|\n"
	tests := []struct {
		name  string
		doc   string
		rows  int
		want  string // substring of the error; "" means no error
		where string // "parse" or "proofs"
	}{
		{"good rows", head +
			"| a | s | implemented | `a.TestReal`, `b/c.TestOther/x_y` | |\n" +
			"| fuzz | s | partial | `a.FuzzReal` | |\n" +
			"| later | s | not yet | — | |\n" +
			"| ours | s | **deliberately different** | `a.TestReal` | pipe \\| inside |\n", 4, "", ""},
		{"implemented without proof", head + "| a | s | implemented | — | |\n", 1, "docs.md:5: \"a\" is implemented but names no test", "parse"},
		{"different without proof", head + "| a | s | deliberately different | | |\n", 1, "names no test", "parse"},
		{"unknown status", head + "| a | s | done | `a.TestReal` | |\n", 1, `docs.md:5: status "done"`, "parse"},
		{"malformed proof", head + "| a | s | partial | `TestReal` | |\n", 1, `"TestReal" is not a pkg/path.TestName reference`, "parse"},
		{"proof escaping the module", head + "| a | s | partial | `../x.TestReal` | |\n", 1, "not a pkg/path.TestName", "parse"},
		{"bare Test", head + "| a | s | partial | `a.Test` | |\n", 1, "names no test function", "parse"},
		{"wrong cell count", head + "| a | s | implemented | `a.TestReal` |\n", 0, "row has 4 cells", "parse"},
		{"missing proof column", "| behaviour | status |\n|---|---|\n| a | implemented |\n", 0, "needs behaviour and proof columns", "parse"},
		{"no ledger table", "# nothing\n\n| x | y |\n|---|---|\n| 1 | 2 |\n", 0, "no table with a status column", "parse"},
		{"missing function", head + "| a | s | implemented | `a.TestGone` | |\n", 1, "docs.md:5: proof `a.TestGone`: no func TestGone in a/*_test.go", "proofs"},
		{"method is not a test", head + "| a | s | implemented | `a.TestMethod` | |\n", 1, "no func TestMethod", "proofs"},
		{"missing package", head + "| a | s | implemented | `nope.TestReal` | |\n", 1, "no package directory", "proofs"},
		{"package without tests", head + "| a | s | implemented | `empty.TestReal` | |\n", 1, "has no _test.go files", "proofs"},
		{"tables in code fences are ignored", "```\n| behaviour | status | proof |\n|---|---|---|\n| a | bogus | |\n```\n" + head + "| a | s | partial | | |\n", 1, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := parseLedger("docs.md", strings.NewReader(tt.doc))
			if err == nil {
				err = checkProofs("docs.md", root, rows)
				if err != nil && tt.where == "parse" {
					t.Fatalf("parse passed and proofs failed (%v), want a parse error", err)
				}
			} else if tt.where != "parse" {
				t.Fatalf("parse error %v, want it to pass", err)
			}
			if len(rows) != tt.rows {
				t.Errorf("rows = %d, want %d", len(rows), tt.rows)
			}
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && err == nil:
				t.Fatalf("no error, want one mentioning %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("error %q does not mention %q", err, tt.want)
			case err != nil && !errors.Is(err, errLedger):
				t.Errorf("error %v does not wrap errLedger", err)
			}
		})
	}
}

func TestParseRef(t *testing.T) {
	tests := []struct {
		in                 string
		pkg, fn, sub, fail string
	}{
		{in: "gateway.TestPolicies", pkg: "gateway", fn: "TestPolicies"},
		{in: "breaker.TestRetryAfter/http-date_honoured", pkg: "breaker", fn: "TestRetryAfter", sub: "/http-date_honoured"},
		{in: "apim/policyexpr.TestEval/context.Request.Url.Path", pkg: "apim/policyexpr", fn: "TestEval", sub: "/context.Request.Url.Path"},
		{in: "lint/rules.TestFixtures/APIM103", pkg: "lint/rules", fn: "TestFixtures", sub: "/APIM103"},
		{in: "apim/load.FuzzLoad", pkg: "apim/load", fn: "FuzzLoad"},
		{in: "gateway.BenchmarkX", fail: "not a pkg/path.TestName"},
		{in: "Gateway.TestX", fail: "not a pkg/path.TestName"},
		{in: "a//b.TestX", fail: "not a pkg/path.TestName"},
		{in: "a/./b.TestX", fail: "not a pkg/path.TestName"},
		{in: "/abs.TestX", fail: "not a pkg/path.TestName"},
	}
	for _, tt := range tests {
		r, err := parseRef(tt.in)
		if tt.fail != "" {
			if err == nil || !strings.Contains(err.Error(), tt.fail) {
				t.Errorf("parseRef(%q) err = %v, want %q", tt.in, err, tt.fail)
			}
			continue
		}
		if err != nil || r.Pkg != tt.pkg || r.Func != tt.fn || r.Subtest != tt.sub {
			t.Errorf("parseRef(%q) = %+v, %v; want %s %s %s", tt.in, r, err, tt.pkg, tt.fn, tt.sub)
		}
	}
}
