package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGatewayOpenIDConfigFlag: `apimlab gateway --openid-config DIR` hands
// the directory to validate-jwt; an <openid-config url> with no file in it
// stops the gateway (exit 2) naming the element's position and the file.
// Without the flag the message says how to give one.
func TestGatewayOpenIDConfigFlag(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	if err := os.Mkdir(keys, 0o755); err != nil {
		t.Fatal(err)
	}
	policy := filepath.Join(dir, "policy.xml")
	xml := "<policies>\n<inbound>\n<validate-jwt header-name=\"Authorization\" require-scheme=\"Bearer\">\n" +
		"  <openid-config url=\"https://idp.example.test/.well-known/openid-configuration\" />\n" +
		"</validate-jwt>\n</inbound>\n<backend><forward-request /></backend>\n<outbound />\n<on-error />\n</policies>\n"
	if err := os.WriteFile(policy, []byte(xml), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		args []string
		want []string
	}{
		// <openid-config> is on line 4, column 3 of policy.xml.
		{"file missing from DIR", []string{"--openid-config", keys}, []string{"policy.xml:4:3", "has no file idp.example.test/.well-known/openid-configuration"}},
		{"no DIR", nil, []string{"policy.xml:4:3", "--openid-config DIR"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"gateway", "--listen", "127.0.0.1:0", "--admin", ""}, tt.args...)
			code, stdout, stderr := runCLI(t, append(args, policy)...)
			if code != 2 {
				t.Fatalf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}
