package main

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/certs"
	"github.com/apimlab/apimlab/clock"
	"github.com/apimlab/apimlab/gateway"
)

// TestGatewayTLSFlags: --tls-cert/--tls-key serve HTTPS and
// --negotiate-client-certificate asks for (does not require) a client
// certificate, which validate-client-certificate then judges: a request
// with the PKI's client certificate passes, one without is refused 401.
// The handshakes are real (loopback listener, test PKI).
func TestGatewayTLSFlags(t *testing.T) {
	p, err := certs.NewPKI(certs.InitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	key, err := p.Server.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem")
	if err := os.WriteFile(certFile, p.Server.ChainPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}

	errs := []struct {
		name string
		c    GatewayCmd
		want string
	}{
		{"key without cert", GatewayCmd{TLSKey: keyFile}, "go together"},
		{"negotiate without TLS", GatewayCmd{NegotiateClientCert: true}, "needs --tls-cert"},
		{"key is not a key", GatewayCmd{TLSCert: certFile, TLSKey: certFile}, "--tls-cert/--tls-key"},
	}
	for _, tt := range errs {
		so := tt.c.serverOptions(nil)
		if _, err := tt.c.tlsOptions(&so); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: tlsOptions = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}

	c := &GatewayCmd{TLSCert: certFile, TLSKey: keyFile, NegotiateClientCert: true}
	so := c.serverOptions(nil)
	scheme, err := c.tlsOptions(&so)
	if err != nil || scheme != "https" {
		t.Fatalf("tlsOptions = %q, %v", scheme, err)
	}
	svc := &apim.Service{
		CAStore: []*apim.CACertificate{{StoreName: apim.Field[string]{Value: "Root", Set: true},
			EncodedCertificate: apim.Field[string]{Value: base64.StdEncoding.EncodeToString(p.Root.Cert.Raw), Set: true}}},
		APIs: []*apim.API{{Name: "a", Path: apim.Field[string]{Value: "a", Set: true}, Policy: &apim.PolicyDoc{Scope: apim.ScopeAPI, Format: "rawxml",
			XML: `<policies><inbound><validate-client-certificate validate-revocation="false" /><return-response><set-status code="200" /></return-response></inbound><backend /><outbound /><on-error /></policies>`}}},
	}
	gw, err := gateway.New(svc, gateway.Options{Clock: clock.NewVirtual(p.Now)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, gw, ln, nil, so, slog.New(slog.DiscardHandler)) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	for _, tt := range []struct {
		client *certs.Issued
		status int
	}{{p.Client, 200}, {nil, 401}} {
		cfg := &tls.Config{RootCAs: p.RootPool(), MinVersion: tls.VersionTLS12}
		if tt.client != nil {
			tc := tt.client.TLSCertificate()
			cfg.Certificates = []tls.Certificate{tc}
		}
		tr := &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true}
		resp, err := (&http.Client{Transport: tr}).Get("https://" + ln.Addr().String() + "/a/x")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		tr.CloseIdleConnections()
		if resp.StatusCode != tt.status {
			t.Errorf("client certificate %v: status %d, want %d", tt.client != nil, resp.StatusCode, tt.status)
		}
	}
}

// TestGatewayPolicyFlagsParse: the flags of this file's policies reach
// GatewayCmd (--authorization-token for get-authorization-context, the
// HTTPS listener's for validate-client-certificate).
func TestGatewayPolicyFlagsParse(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	for _, f := range []string{cert, key} {
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var cli CLI
	parser, err := kong.New(&cli, kong.Vars(vars()), kong.Writers(io.Discard, io.Discard), kong.Exit(func(int) {}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.Parse([]string{"gateway", "x.json", "--authorization-token", "tok-1", "--tls-cert", cert, "--tls-key", key, "--negotiate-client-certificate"}); err != nil {
		t.Fatal(err)
	}
	g := cli.Gateway
	if g.AuthToken != "tok-1" || g.TLSCert != cert || g.TLSKey != key || !g.NegotiateClientCert {
		t.Errorf("parsed %+v", g)
	}
}
