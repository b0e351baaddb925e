package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{\n  \"type\": \"Microsoft.ApiManagement/service/backends\",\n  \"name\": oops\n}"), 0o644); err != nil {
		t.Fatal(err)
	}
	clean := filepath.Join("..", "..", "fixtures", "forms", "rest")
	demo := filepath.Join("..", "..", "fixtures", "demo")
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"version", []string{"version"}, 0, "apimlab ", ""},
		{"inspect a clean config", []string{"inspect", clean}, 0, "backend inventory-pool (Pool)", ""},
		{"inspect malformed JSON names file:line:col", []string{"inspect", bad}, 2, "bad.json:3:11: APIM901", "load problem"},
		{"inspect a missing path", []string{"inspect", filepath.Join(dir, "nope.json")}, 2, "", "cannot read"},
		{"lint findings at error", []string{"lint", demo}, 1, "APIM501", ""},
		{"lint fail-on never", []string{"lint", "--fail-on", "never", demo}, 0, "APIM501", ""},
		{"lint clean at error", []string{"lint", clean}, 0, "", ""},
		{"lint malformed input", []string{"lint", bad}, 1, "bad.json:3:11 error APIM901", ""},
		{"lint unknown format", []string{"lint", "--format", "yaml", demo}, 2, "", "yaml"},
		{"lint unknown rule", []string{"lint", "--disable", "APIM999", demo}, 2, "", "APIM999"},
		{"lint empty folder", []string{"lint", dir + "/empty"}, 2, "", "cannot read"},
		{"explain a rule", []string{"explain", "APIM001"}, 0, "tls-validation-disabled", ""},
		{"explain by name", []string{"explain", "pool-weight-starved"}, 0, "APIM106", ""},
		{"explain unknown", []string{"explain", "APIM999"}, 2, "", "unknown rule"},
		{"explain list", []string{"explain", "--list"}, 0, "APIM203", ""},
		{"unknown command", []string{"frobnicate"}, 2, "", "unexpected argument"},
		{"gateway refuses malformed input", []string{"gateway", "--listen", "127.0.0.1:0", "--admin", "", bad}, 2, "", "bad.json:3:11"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, out, errOut)
			}
			if !strings.Contains(out, tt.wantStdout) {
				t.Errorf("stdout does not contain %q:\n%s", tt.wantStdout, out)
			}
			if !strings.Contains(errOut, tt.wantStderr) {
				t.Errorf("stderr does not contain %q:\n%s", tt.wantStderr, errOut)
			}
		})
	}
}

func TestLintOutputFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.json")
	code, stdout, stderr := runCLI(t, "lint", "--format", "json", "-o", out, filepath.Join("..", "..", "fixtures", "demo"))
	if code != 1 || stdout != "" {
		t.Fatalf("code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		Version  int `json:"version"`
		Findings []struct {
			Rule string `json:"rule"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(data, &report); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, data)
	}
	if report.Version != 1 || len(report.Findings) == 0 {
		t.Errorf("report = %+v", report)
	}
}

func TestDemo(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCLI(t, "demo", "--dir", dir)
	if code != 0 {
		t.Fatalf("demo exit %d\n%s\n%s", code, out, errOut)
	}
	// Load, lint, the scenario shown and simulated, the reports; lint
	// errors do not fail the demo.
	steps := []string{
		"orders-eastus priority=1 weight=3; orders-westus priority=1 weight=1; orders-onprem priority=2 weight=1",
		"error APIM501 backend \"orders-onprem\": credentials header \"x-api-key\" has a literal value",
		"== 3. simulate:",
		"name: demo failover rehearsal",
		"phase healthy",
		"orders-eastus  closed → open",
		"== 4. reports ==",
		filepath.Join(dir, "report.html"),
	}
	at := 0
	for _, want := range steps {
		i := strings.Index(out[at:], want)
		if i < 0 {
			t.Fatalf("demo output lacks %q after offset %d:\n%s", want, at, out)
		}
		at += i + len(want)
	}
	// East trips on its fifth failure; west is held open by Retry-After.
	for _, want := range []string{
		"failure-count: 5 failures in 1m0s >= count 5",
		"open for Retry-After 2m0s",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	for _, f := range []string{"report.html", "report.md", "result.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if strings.Contains(out, "s3cr3t-demo-key") {
		t.Error("demo printed the inline credential value")
	}
}

func TestInspectJSONHidesSecrets(t *testing.T) {
	code, out, _ := runCLI(t, "inspect", "--format", "json", filepath.Join("..", "..", "fixtures", "demo"))
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if strings.Contains(out, "s3cr3t-demo-key") {
		t.Errorf("inspect printed a credential value:\n%s", out)
	}
	if !strings.Contains(out, `"credentialHeaders": [`) {
		t.Errorf("inspect does not list the credential header names:\n%s", out)
	}
}

// TestLintNeverPrintsInlineSecrets lints a backend with literal credential
// values in every output format: the findings point at those values, but
// no report quotes them (text shows no source line for such findings).
func TestLintNeverPrintsInlineSecrets(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "backend.json")
	if err := os.WriteFile(cfg, []byte(`{
  "type": "Microsoft.ApiManagement/service/backends",
  "name": "orders",
  "properties": {
    "url": "https://orders.example.com", "protocol": "http",
    "credentials": {
      "header": { "x-api-key": [ "hdr-S3cret-1" ] },
      "query": { "code": [ "qry-S3cret-2" ] },
      "authorization": { "scheme": "Bearer", "parameter": "auth-S3cret-3" }
    },
    "proxy": { "url": "http://proxy.example.com:8080", "username": "u", "password": "pxy-S3cret-4" }
  }
}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"text", "json", "sarif", "junit", "github", "markdown"} {
		code, out, errOut := runCLI(t, "lint", "--format", format, cfg)
		if code != 1 || !strings.Contains(out, "APIM501") {
			t.Fatalf("%s: exit %d, want APIM501 findings:\n%s%s", format, code, out, errOut)
		}
		for _, secret := range []string{"hdr-S3cret-1", "qry-S3cret-2", "auth-S3cret-3", "pxy-S3cret-4"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s output contains the secret %q:\n%s", format, secret, out)
			}
		}
	}
}

// TestLintMasksSecretsWrittenWithCharacterReferences lints a policy whose
// credential values are written in part as XML character references
// (&#x37;…, &#x50;…) on lines that other findings quote: the text format
// masks them there, and no format prints any piece of them.
func TestLintMasksSecretsWrittenWithCharacterReferences(t *testing.T) {
	file := filepath.Join("testdata", "secret-charrefs", "policy.xml")
	// The values' tails, as written in the file after the reference.
	pieces := []string{"f3c9a2b1d4e5f60718293a4b5c6d7e8f", "0718293a4b5c6d7e8f", "assw0rd!Secret", "&#x50;"}
	for _, format := range []string{"text", "json", "sarif", "junit", "github", "markdown"} {
		code, out, errOut := runCLI(t, "lint", "--format", format, "--fail-on", "never", file)
		if code != 0 || !strings.Contains(out, "APIM501") || !strings.Contains(out, "APIM005") {
			t.Fatalf("%s: exit %d, want APIM501 and APIM005 findings:\n%s%s", format, code, out, errOut)
		}
		for _, p := range pieces {
			if strings.Contains(out, p) {
				t.Errorf("%s output contains %q, a piece of a secret:\n%s", format, p, out)
			}
		}
		if format == "text" && strings.Count(out, `password="****"`) != 2 {
			t.Errorf("text output: want the quoted line with the masked password under both findings on it:\n%s", out)
		}
	}
}
