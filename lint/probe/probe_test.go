package probe

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/certs"
	"github.com/apimlab/apimlab/lint"
	"go.uber.org/goleak"
)

func str(v string) apim.Field[string] { return apim.Field[string]{Value: v, Set: true} }

func TestTargets(t *testing.T) {
	svc := &apim.Service{Backends: []*apim.Backend{
		{Name: "a", URL: str("https://a.contoso.com/api")},
		{Name: "b", URL: str("HTTPS://b.contoso.com:8443")},
		{Name: "plain", URL: str("http://c.contoso.com")},
		{Name: "pool", Type: apim.Field[apim.BackendType]{Value: apim.Pool, Set: true}},
		{Name: "unknown", URL: apim.Field[string]{Set: true}.WithUnknown("parameter")},
		{Name: "v6", URL: str("https://[::1]:9443/")},
	}}
	got := Targets(svc)
	want := []struct{ name, addr, sni string }{
		{"a", "a.contoso.com:443", "a.contoso.com"},
		{"b", "b.contoso.com:8443", "b.contoso.com"},
		{"v6", "[::1]:9443", "::1"},
	}
	if len(got) != len(want) {
		t.Fatalf("Targets = %d, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Name != w.name || got[i].Addr != w.addr || got[i].ServerName != w.sni {
			t.Errorf("target %d = %+v, want %+v", i, got[i], w)
		}
	}
}

func TestRunAndAttach(t *testing.T) {
	defer goleak.VerifyNone(t)
	pki, err := certs.NewPKI(certs.InitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pki.Server.TLSCertificate()},
		ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: pki.RootPool()}
	srv.StartTLS()
	defer srv.Close()
	svc := &apim.Service{Backends: []*apim.Backend{{Name: "Orders", URL: str(srv.URL)}}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res := Run(ctx, svc, Options{Timeout: 5 * time.Second, NoSystemRoots: true, Now: pki.Now,
		Roots: nil})
	b := res.For("orders")
	if b == nil || b.Err != nil || b.Result == nil {
		t.Fatalf("probe: %+v", b)
	}
	if b.Result.Verify.OK || !b.Result.Verify.UnknownAuthority {
		t.Errorf("without roots the chain must be unknown: %+v", b.Result.Verify)
	}
	if !b.Result.ClientCertRequested || len(b.Result.AcceptableCAs) != 1 {
		t.Errorf("client CAs: %v %v", b.Result.ClientCertRequested, b.Result.AcceptableCAs)
	}
	// The service CA store's root makes the same chain trusted.
	svc.CAStore = []*apim.CACertificate{{StoreName: str("Root"), EncodedCertificate: str(string(pki.Root.CertPEM()))}}
	res = Run(ctx, svc, Options{Timeout: 5 * time.Second, NoSystemRoots: true, Now: pki.Now})
	if v := res.For("orders").Result.Verify; !v.OK {
		t.Errorf("with the CA store root: %+v", v)
	}
	cfg := &lint.Config{}
	rule := &lint.Rule{ID: "T", Requires: []lint.Requirement{Input}}
	if For(lint.NewPass(rule, svc, cfg, time.Now(), nil)) != nil {
		t.Error("For without Attach is not nil")
	}
	Attach(cfg, res)
	if For(lint.NewPass(rule, svc, cfg, time.Now(), nil)) != res {
		t.Error("For does not return the attached results")
	}
	if (*Results)(nil).For("x") != nil {
		t.Error("nil Results.For")
	}
}
