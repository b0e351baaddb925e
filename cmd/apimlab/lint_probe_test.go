package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/certs"
	"software.sslmate.com/src/go-pkcs12"
)

// TestLintProbeCAMismatch is the certificates issue's end-to-end check
// through the CLI: a local HTTPS backend requires client certificates from
// CA A; the configured client certificate comes from CA B. APIM304 fires
// from --probe, and from configured trust in .apimlab.yaml; with a CA A
// certificate both are clean.
func TestLintProbeCAMismatch(t *testing.T) {
	pki, err := certs.NewPKI(certs.InitOptions{Now: time.Now(), Hosts: []string{"127.0.0.1", "localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	// The backend trusts client certificates from CA A (our Root and its
	// intermediate), not from CA B (WrongRoot).
	clientCAs := x509.NewCertPool()
	clientCAs.AddCert(pki.Root.Cert)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{pki.Server.TLSCertificate()},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    clientCAs,
	})
	if err != nil {
		t.Fatal(err)
	}
	// The probe's handshake presents no client certificate on purpose; keep
	// the server's complaint about it out of the test log.
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), ReadHeaderTimeout: time.Second,
		ErrorLog: log.New(io.Discard, "", 0)}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	port := ln.Addr().(*net.TCPAddr).Port

	for _, tt := range []struct {
		name   string
		client *certs.Issued
		want   bool
	}{
		{"client certificate from CA B", pki.ClientWrongCA, true},
		{"client certificate from CA A", pki.Client, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			pfx, err := tt.client.PFXWithChain(pkcs12.Modern, "pfx-pass", tt.client.Chain)
			if err != nil {
				t.Fatal(err)
			}
			config := fmt.Sprintf(`{"value": [
  {"type": "Microsoft.ApiManagement/service/certificates", "name": "client",
   "properties": {"data": %q, "password": "pfx-pass"}},
  {"type": "Microsoft.ApiManagement/service/backends", "name": "orders",
   "properties": {"url": "https://127.0.0.1:%d/api", "protocol": "http",
                  "credentials": {"certificateIds": ["/certificates/client"]}}}
]}`, base64.StdEncoding.EncodeToString(pfx), port)
			write := func(name string, data []byte) string {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, data, 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			}
			cfgPath := write("apim.json", []byte(config))
			rootPEM := write("root.pem", pki.Root.CertPEM())
			caA := write("ca-a.pem", pki.Root.CertPEM())
			yaml := write("apimlab.yaml", []byte("backends:\n  orders:\n    trustedClientCAs: ["+caA+"]\n"))

			code, out, errOut := runCLI(t, "lint", "--probe", "--ca", rootPEM, "--fail-on", "never", "--enable", "APIM304", cfgPath)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			t.Logf("--probe output:\n%s", out)
			if got := strings.Contains(out, "APIM304") && strings.Contains(out, "(probe)"); got != tt.want {
				t.Errorf("--probe: APIM304 (probe) reported = %v, want %v\n%s", got, tt.want, out)
			}
			if strings.Contains(out, "APIM313") {
				t.Errorf("the server chain is trusted through --ca, yet APIM313 fired:\n%s", out)
			}
			code, out, errOut = runCLI(t, "lint", "--config", yaml, "--fail-on", "never", cfgPath)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if got := strings.Contains(out, "APIM304"); got != tt.want {
				t.Errorf("configured trust: APIM304 reported = %v, want %v\n%s", got, tt.want, out)
			}
			if strings.Contains(out, "pfx-pass") {
				t.Errorf("the PFX password appears in the report:\n%s", out)
			}
		})
	}
}
