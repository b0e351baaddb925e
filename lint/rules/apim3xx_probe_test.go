package rules

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/certs"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/probe"
)

// mtlsServer starts a local HTTPS server presenting serverCert that
// requires client certificates from the PKI's root (CA A).
func mtlsServer(t *testing.T, pki *certs.PKI, serverCert *certs.Issued, requireClient bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok"))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{serverCert.TLSCertificate()}}
	if requireClient {
		srv.TLS.ClientAuth = tls.RequireAndVerifyClientCert
		srv.TLS.ClientCAs = pki.RootPool()
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// writeMTLSSetup writes a REST backend pointing at url whose client
// certificate (certificates/orders-client, mapped in .apimlab.yaml to a
// PEM file) is client, and returns the service and the configuration.
// trustCA, when non-nil, is written as the backend's trustedClientCAs.
func writeMTLSSetup(t *testing.T, url string, client *certs.Issued, trustCA *certs.Issued) (*apim.Service, *lint.Config) {
	t.Helper()
	dir := t.TempDir()
	backend := fmt.Sprintf(`{
  "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/contoso/backends/orders",
  "type": "Microsoft.ApiManagement/service/backends",
  "name": "orders",
  "properties": {
    "url": %q,
    "protocol": "http",
    "credentials": { "certificateIds": [ "/certificates/orders-client" ] }
  }
}
`, url)
	key, err := client.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	cfgText := "certificates:\n  orders-client:\n    file: client.pem\n"
	if trustCA != nil {
		cfgText += "backends:\n  orders:\n    trustedClientCAs: [caA.pem]\n"
		write(t, dir, "caA.pem", trustCA.CertPEM())
	}
	write(t, dir, "backends/orders.json", []byte(backend))
	write(t, dir, "client.pem", append(client.ChainPEM(), key...))
	write(t, dir, ".apimlab.yaml", []byte(cfgText))
	svc, err := load.Load([]string{filepath.Join(dir, "backends/orders.json")}, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := lint.LoadConfig(filepath.Join(dir, ".apimlab.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return svc, cfg
}

func write(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// handshake reports whether the server accepts client as a client certificate.
func handshake(t *testing.T, srv *httptest.Server, pki *certs.PKI, client *certs.Issued) error {
	t.Helper()
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pki.RootPool(),
		Certificates: []tls.Certificate{client.TLSCertificate()}}}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Get(srv.URL)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

func probeService(t *testing.T, svc *apim.Service, cfg *lint.Config, pki *certs.PKI) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res := probe.Run(ctx, svc, probe.Options{Timeout: 5 * time.Second, Roots: []*x509.Certificate{pki.Root.Cert}, NoSystemRoots: true, Now: pki.Now})
	probe.Attach(cfg, res)
}

func findings(svc *apim.Service, cfg *lint.Config, now time.Time, rules ...*lint.Rule) []lint.Finding {
	return lint.Run(svc, rules, cfg, lint.RunOptions{Now: now}).Findings
}

// TestCertCAMismatchLive: a local server requires client certificates from
// CA A (the PKI's root). A backend presenting a certificate from CA B (the
// PKI's wrong root) fires APIM304 from configured trust and from probing;
// a CA A certificate is clean both ways. The server's own verdict is
// checked too, so the findings agree with a real handshake.
func TestCertCAMismatchLive(t *testing.T) {
	pki, err := certs.NewPKI(certs.InitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv := mtlsServer(t, pki, pki.Server, true)
	if err := handshake(t, srv, pki, pki.ClientWrongCA); err == nil {
		t.Fatal("the server accepted a CA B client certificate; the test setup is wrong")
	}
	if err := handshake(t, srv, pki, pki.Client); err != nil {
		t.Fatalf("the server refused a CA A client certificate: %v", err)
	}

	for _, tc := range []struct {
		name   string
		client *certs.Issued
		want   bool
	}{{"CA B", pki.ClientWrongCA, true}, {"CA A", pki.Client, false}} {
		t.Run(tc.name+"/configured", func(t *testing.T) {
			svc, cfg := writeMTLSSetup(t, srv.URL, tc.client, pki.Root)
			got := findings(svc, cfg, pki.Now, CertCAMismatch)
			checkMismatch(t, got, tc.want, false)
		})
		t.Run(tc.name+"/probe", func(t *testing.T) {
			svc, cfg := writeMTLSSetup(t, srv.URL, tc.client, nil)
			probeService(t, svc, cfg, pki)
			got := findings(svc, cfg, pki.Now, CertCAMismatch, ServerCertUntrusted, CertChecksSkipped)
			checkMismatch(t, got, tc.want, true)
		})
	}
}

func checkMismatch(t *testing.T, got []lint.Finding, want, probed bool) {
	t.Helper()
	if !want {
		for _, f := range got {
			t.Errorf("unexpected %s %s: %s", f.Pos, f.Rule, f.Message)
		}
		return
	}
	if len(got) != 1 || got[0].Rule != "APIM304" {
		t.Fatalf("want one APIM304 finding, got %v", got)
	}
	msg := got[0].Message
	for _, part := range []string{`issued by "`, "apimlab Wrong Root CA", "apimlab Test Root CA", `certificate "orders-client"`} {
		if !strings.Contains(msg, part) {
			t.Errorf("message %q lacks %q", msg, part)
		}
	}
	if probed != strings.HasPrefix(msg, "(probe) ") {
		t.Errorf("message %q: probe marker is %v, want %v", msg, !probed, probed)
	}
	if got[0].Pos.Line == 0 || !strings.HasSuffix(got[0].Pos.File, "orders.json") {
		t.Errorf("finding at %s, want the certificateIds line of orders.json", got[0].Pos)
	}
}

// TestServerCertUntrustedProbe: APIM313 fires for a self-signed, an expired
// and a misnamed server certificate, is clean for a valid one, respects
// the validation flags, and an unreachable backend is an APIM315 info.
func TestServerCertUntrustedProbe(t *testing.T) {
	pki, err := certs.NewPKI(certs.InitOptions{Hosts: []string{"localhost", "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	other, err := certs.NewPKI(certs.InitOptions{Hosts: []string{"orders.contoso.com"}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "https://" + ln.Addr().String()
	ln.Close()
	misnamed := other.Server
	// other's server certificate chains to other's root: trust both roots.
	roots := []*x509.Certificate{pki.Root.Cert, other.Root.Cert}

	for _, tc := range []struct {
		name   string
		server *certs.Issued
		tls    string
		want   []string
	}{
		{"valid", pki.Server, "", nil},
		{"self-signed", pki.ServerSelfSigned, "", []string{"APIM313", `it is self-signed ("CN=localhost`}},
		{"expired", pki.ServerExpired, "", []string{"APIM313", "expired on"}},
		{"misnamed", misnamed, "", []string{"APIM313", `not issued for "127.0.0.1" (it covers "orders.contoso.com")`}},
		{"misnamed, name validation off", misnamed, `, "tls": { "validateCertificateName": false }`, nil},
		{"pinned thumbprint mismatch", pki.Server, `, "tls": { "serverCertificateThumbprints": [ "00112233445566778899AABBCCDDEEFF00112233" ] }`, []string{"APIM313", "not in tls.serverCertificateThumbprints"}},
		{"unreachable", nil, "", []string{"APIM315", "(probe) backend \"orders\": 127.0.0.1:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := closed
			if tc.server != nil {
				url = mtlsServer(t, pki, tc.server, false).URL
			}
			dir := t.TempDir()
			write(t, dir, "orders.json", []byte(fmt.Sprintf(`{
  "type": "Microsoft.ApiManagement/service/backends",
  "name": "orders",
  "properties": { "url": %q, "protocol": "http"%s }
}
`, url, tc.tls)))
			svc, err := load.Load([]string{filepath.Join(dir, "orders.json")}, load.Options{})
			if err != nil {
				t.Fatal(err)
			}
			cfg := &lint.Config{}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			probe.Attach(cfg, probe.Run(ctx, svc, probe.Options{Timeout: 5 * time.Second, Roots: roots, NoSystemRoots: true, Now: pki.Now}))
			got := findings(svc, cfg, pki.Now, ServerCertUntrusted, CertChecksSkipped)
			if tc.want == nil {
				for _, f := range got {
					t.Errorf("unexpected %s %s: %s", f.Pos, f.Rule, f.Message)
				}
				return
			}
			if len(got) != 1 || got[0].Rule != tc.want[0] || !strings.Contains(got[0].Message, tc.want[1]) {
				t.Fatalf("want one %s finding containing %q, got %v", tc.want[0], tc.want[1], got)
			}
			if got[0].Rule == "APIM315" && !strings.Contains(got[0].Fix, "--probe-timeout") {
				t.Errorf("APIM315 probe finding: fix %q does not say how to fix a failed probe", got[0].Fix)
			}
			if !strings.HasPrefix(got[0].Message, "(probe) ") {
				t.Errorf("message %q does not say (probe)", got[0].Message)
			}
		})
	}
}
