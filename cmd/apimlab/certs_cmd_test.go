package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
	"github.com/apimlab/apimlab/certs"
)

// certsCLI parses args against a tree holding only the certs command, so
// the test does not depend on main.go's CLI struct.
func runCerts(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var cli struct {
		Globals
		Certs CertsCmd `cmd:""`
	}
	var out, errb bytes.Buffer
	cli.Stdout, cli.Stderr = &out, &errb
	parser, err := kong.New(&cli, kong.Writers(&out, &errb), kong.Exit(func(int) { t.Fatal("kong exited") }))
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := parser.Parse(args)
	if err != nil {
		t.Fatal(err)
	}
	err = ctx.Run(&cli.Globals)
	return out.String(), err
}

func TestCertsInit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	const pw = "s3cret-cli-pw"
	out, err := runCerts(t, "certs", "init", dir, "--host", "orders.local", "--host", "10.0.0.7", "--password", pw)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"client.pfx", "root-ca.crt.pem", "client-expired.pfx", "README.md", "TEST-ONLY", "--password"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{pw, certs.DefaultPassword, "PRIVATE KEY", "-----BEGIN"} {
		if strings.Contains(out, secret) {
			t.Errorf("output contains %q", secret)
		}
	}
	m, err := certs.LoadFile(filepath.Join(dir, "server.pfx"), pw)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Leaf.VerifyHostname("orders.local"); err != nil {
		t.Errorf("server certificate: %v", err)
	}
	if err := m.Leaf.VerifyHostname("10.0.0.7"); err != nil {
		t.Errorf("server certificate: %v", err)
	}
	if st, err := os.Stat(filepath.Join(dir, "client.key.pem")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("client key: %v %v", st.Mode(), err)
	}

	// A second run refuses to overwrite (exit 2), --force overwrites.
	_, err = runCerts(t, "certs", "init", dir)
	var ee *exitError
	if err == nil || !errors.As(err, &ee) || ee.code != 2 || !strings.Contains(err.Error(), "--force") {
		t.Errorf("second init: %v", err)
	}
	out, err = runCerts(t, "certs", "init", dir, "--force")
	if err != nil || !strings.Contains(out, "default test password") || strings.Contains(out, certs.DefaultPassword) {
		t.Errorf("--force: %v\n%s", err, out)
	}
}
