package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLintSKU: --sku and .apimlab.yaml's sku declare the tier over the
// service resource's (the demo is a Developer service with breakers), and
// a name that is no tier is a usage error listing the valid ones.
func TestLintSKU(t *testing.T) {
	demo := filepath.Join("..", "..", "fixtures", "demo")
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	consumption := write("consumption.yaml", "sku: Consumption\n")
	gold := write("gold.yaml", "sku: Gold\n")
	for _, tt := range []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantNot    string
		wantStderr string
	}{
		{"the service resource's tier (Developer) supports breakers",
			[]string{"lint", "--fail-on", "never", demo}, 0, "", "APIM210", ""},
		{"--sku overrides it", []string{"lint", "--fail-on", "never", "--sku", "consumption", demo}, 0,
			"service tier is Consumption (--sku)", "", ""},
		{"sku in .apimlab.yaml", []string{"lint", "--fail-on", "never", "--config", consumption, demo}, 0,
			"service tier is Consumption (sku at " + consumption + ":1:6)", "", ""},
		{"--sku wins over .apimlab.yaml", []string{"lint", "--fail-on", "never", "--config", consumption, "--sku", "PremiumV2", demo}, 0,
			"", "APIM210", ""},
		{"unknown --sku", []string{"lint", "--sku", "Standard v2", demo}, 2, "", "",
			`--sku: unknown tier "Standard v2" (valid: Consumption, Developer, Basic, Standard, Premium, Isolated, BasicV2, StandardV2, PremiumV2)`},
		{"unknown sku in .apimlab.yaml", []string{"lint", "--config", gold, demo}, 2, "", "",
			gold + `:1:6: sku: unknown tier "Gold" (valid: Consumption,`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, out, errOut)
			}
			if !strings.Contains(out, tt.wantStdout) {
				t.Errorf("stdout does not contain %q:\n%s", tt.wantStdout, out)
			}
			if tt.wantNot != "" && strings.Contains(out, tt.wantNot) {
				t.Errorf("stdout contains %q:\n%s", tt.wantNot, out)
			}
			if !strings.Contains(errOut, tt.wantStderr) {
				t.Errorf("stderr does not contain %q:\n%s", tt.wantStderr, errOut)
			}
		})
	}
}
