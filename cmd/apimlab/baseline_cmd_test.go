package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// lintJSONFinding is the part of a json-format finding the baseline tests
// look at.
type lintJSONFinding struct {
	Rule     string `json:"rule"`
	Line     int    `json:"line"`
	Resource struct {
		Name string `json:"name"`
	} `json:"resource"`
}

func lintJSONFindings(t *testing.T, out string) []lintJSONFinding {
	t.Helper()
	var rep struct {
		Findings []lintJSONFinding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("lint output is not a json report: %v\n%s", err, out)
	}
	return rep.Findings
}

// editFile replaces the first occurrence of old in path with new.
func editFile(t *testing.T, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The round trip of issue 17: lint → baseline → a line inserted above
// the findings → nothing new; a new mistake → exactly that one finding.
// The template (testdata/baseline/template.json) has five findings:
// APIM001 on backends orders, billing and legacy (twice) and APIM903 on
// billing's misspelt property.
func TestBaselineRoundTrip(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "baseline", "template.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, baseName := range []string{"baseline.json", "baseline.sarif"} {
		t.Run(baseName, func(t *testing.T) {
			dir := t.TempDir()
			tmpl := filepath.Join(dir, "template.json")
			base := filepath.Join(dir, baseName)
			if err := os.WriteFile(tmpl, src, 0o644); err != nil {
				t.Fatal(err)
			}

			code, out, errOut := runCLI(t, "lint", "--format", "json", "--write-baseline", base, tmpl)
			if code != 1 || len(lintJSONFindings(t, out)) != 5 {
				t.Fatalf("first lint: exit %d, want 1 with 5 findings\n%s\n%s", code, out, errOut)
			}

			// Same input against its own baseline: nothing to report.
			code, out, errOut = runCLI(t, "lint", "--format", "json", "--baseline", base, tmpl)
			if fs := lintJSONFindings(t, out); code != 0 || len(fs) != 0 {
				t.Fatalf("unchanged: exit %d, findings %+v, want 0 and none\n%s", code, fs, errOut)
			}
			if !strings.Contains(errOut, "5 known finding(s)") {
				t.Errorf("stderr does not count the known findings: %q", errOut)
			}

			// A line inserted above every finding moves them all down.
			editFile(t, tmpl, `"contentVersion": "1.0.0.0",`, "\"contentVersion\": \"1.0.0.0\",\n  \"parameters\": {},")
			code, out, errOut = runCLI(t, "lint", "--format", "json", tmpl)
			if fs := lintJSONFindings(t, out); code != 1 || len(fs) != 5 || fs[0].Line != 13 {
				t.Fatalf("moved, no baseline: exit %d, findings %+v, want 5 with the first on line 13\n%s", code, fs, errOut)
			}
			code, out, errOut = runCLI(t, "lint", "--format", "json", "--baseline", base, tmpl)
			if fs := lintJSONFindings(t, out); code != 0 || len(fs) != 0 {
				t.Fatalf("moved: exit %d, findings %+v, want 0 and none\n%s", code, fs, errOut)
			}

			// A new backend with chain validation off: one new finding.
			editFile(t, tmpl, `"resources": [`, `"resources": [
    {
      "type": "Microsoft.ApiManagement/service/backends",
      "apiVersion": "2024-05-01",
      "name": "contoso/audit",
      "properties": {
        "url": "https://audit.contoso.com",
        "protocol": "http",
        "tls": { "validateCertificateChain": false }
      }
    },`)
			code, out, errOut = runCLI(t, "lint", "--format", "json", "--baseline", base, tmpl)
			fs := lintJSONFindings(t, out)
			if code != 1 || len(fs) != 1 {
				t.Fatalf("new mistake: exit %d, findings %+v, want 1 and exactly one\n%s", code, fs, errOut)
			}
			if got := fs[0]; got.Rule != "APIM001" || got.Resource.Name != "audit" || got.Line != 13 {
				t.Errorf("new finding = %+v, want APIM001 on backend audit at line 13", got)
			}
		})
	}
}

// The same mistake in a second service of the same template is new:
// findings are matched per service. Both services get a backend
// "orders" with chain validation off, so the findings differ only in
// their service (and position).
func TestBaselineSeparatesServices(t *testing.T) {
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "template.json")
	base := filepath.Join(dir, "baseline.json")
	one := `{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "resources": [
  {"type": "Microsoft.ApiManagement/service/backends", "name": "contoso/orders",
   "properties": {"url": "https://orders.contoso.com", "protocol": "http", "tls": {"validateCertificateChain": false}}}
]}`
	if err := os.WriteFile(tmpl, []byte(one), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, "lint", "--write-baseline", base, tmpl); code != 1 {
		t.Fatalf("first lint: exit %d\n%s\n%s", code, out, errOut)
	}
	editFile(t, tmpl, "\n]}", `,
  {"type": "Microsoft.ApiManagement/service/backends", "name": "fabrikam/orders",
   "properties": {"url": "https://orders.contoso.com", "protocol": "http", "tls": {"validateCertificateChain": false}}}
]}`)
	code, out, errOut := runCLI(t, "lint", "--format", "json", "--baseline", base, tmpl)
	fs := lintJSONFindings(t, out)
	n := 0
	for _, f := range fs {
		if f.Rule == "APIM001" {
			n++
		}
	}
	if code != 1 || n != 1 {
		t.Fatalf("exit %d, %d APIM001 findings %+v, want 1 and 1\n%s", code, n, fs, errOut)
	}
}

func TestBaselineFlagErrors(t *testing.T) {
	dir := t.TempDir()
	tmpl := filepath.Join("testdata", "baseline", "template.json")
	notReport := filepath.Join(dir, "notes.json")
	if err := os.WriteFile(notReport, []byte(`{"hello": "world"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		wantStderr string
	}{
		{"missing baseline file", []string{"lint", "--baseline", filepath.Join(dir, "nope.json"), tmpl}, "nope.json"},
		{"not a report", []string{"lint", "--baseline", notReport, tmpl}, "neither an apimlab json report"},
		{"unwritable baseline", []string{"lint", "--write-baseline", filepath.Join(dir, "no", "such", "dir", "b.json"), tmpl}, "--write-baseline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tt.args...)
			if code == 0 || !strings.Contains(errOut, tt.wantStderr) {
				t.Errorf("exit %d, stderr %q; want non-zero and %q", code, errOut, tt.wantStderr)
			}
		})
	}
}

// --baseline and --write-baseline may name the same file: the old
// baseline filters this run, and the file then holds this run's findings.
func TestBaselineRefreshInPlace(t *testing.T) {
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "template.json")
	base := filepath.Join(dir, "baseline.json")
	src, err := os.ReadFile(filepath.Join("testdata", "baseline", "template.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmpl, src, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, "lint", "--write-baseline", base, tmpl); code != 1 {
		t.Fatalf("first lint: exit %d\n%s", code, errOut)
	}
	// Fix the orders backend: one finding fewer.
	editFile(t, tmpl, `"tls": { "validateCertificateChain": false }`, `"description": "fixed"`)
	code, out, errOut := runCLI(t, "lint", "--format", "json", "--baseline", base, "--write-baseline", base, tmpl)
	if fs := lintJSONFindings(t, out); code != 0 || len(fs) != 0 {
		t.Fatalf("refresh: exit %d, findings %+v, want 0 and none\n%s", code, fs, errOut)
	}
	data, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(lintJSONFindings(t, string(data))); n != 4 {
		t.Errorf("refreshed baseline holds %d findings, want the 4 left", n)
	}
}
