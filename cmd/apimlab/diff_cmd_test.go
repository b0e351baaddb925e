package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiffCmd(t *testing.T) {
	demo := filepath.Join("..", "..", "fixtures", "demo")
	scenario := filepath.Join("..", "..", "fixtures", "scenarios", "demo-failover.yaml")
	dir := t.TempDir()
	// A head that switches TLS validation off on east: a new error finding.
	data, err := os.ReadFile(filepath.Join(demo, "apim.json"))
	if err != nil {
		t.Fatal(err)
	}
	head := strings.Replace(string(data), `"protocol": "http",`, `"protocol": "http", "tls": {"validateCertificateChain": false},`, 1)
	if head == string(data) {
		t.Fatal("demo configuration changed: no protocol to anchor the edit")
	}
	if err := os.MkdirAll(filepath.Join(dir, "head"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "head", "apim.json"), []byte(head), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Run("no change passes", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, "diff", "--base", demo, "--head", demo, scenario)
		if code != 0 || !strings.Contains(stdout, "## apimlab impact: PASS") || !strings.Contains(stdout, "Configuration changes (0)") {
			t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
	})
	t.Run("a new error fails", func(t *testing.T) {
		out := filepath.Join(dir, "out")
		code, _, stderr := runCLI(t, "diff", "--base", demo, "--head", filepath.Join(dir, "head"), "--out", out, "--format", "markdown", "--format", "json", "--format", "junit")
		if code != 1 {
			t.Errorf("exit %d, want 1\nstderr:\n%s", code, stderr)
		}
		md, err := os.ReadFile(filepath.Join(out, "impact.md"))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"new error APIM001", "validateCertificateChain true → false"} {
			if !strings.Contains(string(md), want) {
				t.Errorf("impact.md lacks %q:\n%s", want, md)
			}
		}
		for _, f := range []string{"impact.json", "impact.xml"} {
			if _, err := os.Stat(filepath.Join(out, f)); err != nil {
				t.Error(err)
			}
		}
	})
	t.Run("bad input exits 2", func(t *testing.T) {
		if code, _, stderr := runCLI(t, "diff", "--base", demo, "--head", demo, "--format", "sarif"); code != 2 || !strings.Contains(stderr, "sarif") {
			t.Errorf("unknown format: exit %d, %s", code, stderr)
		}
		if code, _, stderr := runCLI(t, "diff", "--base", filepath.Join(dir, "nope"), "--head", demo); code != 2 || !strings.Contains(stderr, "base") {
			t.Errorf("missing base: exit %d, %s", code, stderr)
		}
	})
}
