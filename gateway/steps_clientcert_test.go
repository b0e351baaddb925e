package gateway

import (
	"crypto/tls"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/certs"
	"github.com/apimlab/apimlab/clock"
)

// httpsGateway serves g through gateway.Server on a real loopback HTTPS
// listener that requests (not requires) client certificates.
func httpsGateway(t *testing.T, g *Gateway, p *certs.PKI) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(g, ServerOptions{TLS: &tls.Config{Certificates: []tls.Certificate{p.Server.TLSCertificate()}}, ClientCertificates: true, IdleTrim: -1})
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close(); <-done })
	return "https://" + ln.Addr().String()
}

// tlsGet sends GET url presenting client (nil: no certificate).
func tlsGet(t *testing.T, p *certs.PKI, url string, client *certs.Issued) (int, http.Header, string) {
	t.Helper()
	cfg := &tls.Config{RootCAs: p.RootPool(), MinVersion: tls.VersionTLS12}
	if client != nil {
		tc := client.TLSCertificate()
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &tc, nil }
	}
	tr := &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestValidateClientCertificate follows Learn, "Validate client
// certificate"
// (https://learn.microsoft.com/azure/api-management/validate-client-certificate-policy):
// the certificate the client presents in the TLS handshake must pass every
// top-level rule (validate-trust, validate-not-before, validate-not-after,
// all true by default) and match every claim of at least one identity;
// ignore-error lets a failure through. Learn's example writes subject and
// issuer-subject country first; the PKI's names are compared as attribute
// sets. The handshakes are real: gateway.Server on an HTTPS listener that
// requests client certificates, certificates from the test PKI, the
// gateway's clock at the PKI's reference time.
func TestValidateClientCertificate(t *testing.T) {
	p := testPKI(t)
	be := newFakeBackend(t, "be", 200)
	inter := p.Intermediate.Cert
	interPFX, err := p.Intermediate.PFX(nil, "pw")
	if err != nil {
		t.Fatal(err)
	}
	const def = `<validate-client-certificate validate-revocation="false" />`
	ids := func(attrs ...string) string {
		s := `<validate-client-certificate validate-revocation="false"><identities>`
		for _, a := range attrs {
			s += `<identity ` + a + ` />`
		}
		return s + `</identities></validate-client-certificate>`
	}
	tests := []struct {
		name, policy string
		client       *certs.Issued
		status       int
	}{
		{"valid client, default rules", def, p.Client, 200},
		{"no certificate", def, nil, 401},
		{"no certificate, ignore-error", `<validate-client-certificate ignore-error="true" />`, nil, 200},
		{"expired", def, p.ClientExpired, 401},
		{"expired, validate-not-after off", `<validate-client-certificate validate-not-after="false" />`, p.ClientExpired, 200},
		{"not yet valid", def, p.ClientNotYetValid, 401},
		{"not yet valid, validate-not-before off", `<validate-client-certificate validate-not-before="false" />`, p.ClientNotYetValid, 200},
		{"untrusted CA", def, p.ClientWrongCA, 401},
		{"untrusted CA, validate-trust off", `<validate-client-certificate validate-trust="false" />`, p.ClientWrongCA, 200},
		{"thumbprint", ids(`thumbprint="` + strings.ToLower(certs.Thumbprint(p.Client.Cert)) + `"`), p.Client, 200},
		{"other thumbprint", ids(`thumbprint="` + certs.Thumbprint(p.ClientExpiringSoon.Cert) + `"`), p.Client, 401},
		{"serial number", ids(`serial-number="` + strings.ToUpper(p.Client.Cert.SerialNumber.Text(16)) + `"`), p.Client, 200},
		{"common name", ids(`common-name="apimlab test client"`), p.Client, 200},
		{"common name of another", ids(`common-name="apimlab test client"`), p.ClientExpiringSoon, 401},
		{"subject, country-first order as Learn's example", ids(`subject="O=apimlab TEST ONLY, CN=apimlab test client"`), p.Client, 200},
		{"subject, common name first", ids(`subject="CN=apimlab test client, O=&quot;apimlab TEST ONLY&quot;"`), p.Client, 200},
		{"subject with an extra attribute", ids(`subject="CN=apimlab test client, O=apimlab TEST ONLY, C=US"`), p.Client, 401},
		{"dns-name", ids(`dns-name="localhost"`), p.Server, 200},
		{"dns-name absent", ids(`dns-name="localhost"`), p.Client, 401},
		{"issuer-subject", ids(`issuer-subject="CN=apimlab Test Intermediate CA, O=apimlab TEST ONLY"`), p.Client, 200},
		{"issuer-thumbprint", ids(`issuer-thumbprint="` + certs.Thumbprint(inter) + `"`), p.Client, 200},
		{"issuer-thumbprint of the root", ids(`issuer-thumbprint="` + certs.Thumbprint(p.Root.Cert) + `"`), p.Client, 401},
		{"issuer-certificate-id", ids(`issuer-certificate-id="intermediate"`), p.Client, 200},
		{"issuer-certificate-id, other issuer", ids(`issuer-certificate-id="intermediate"`), p.ClientWrongCA, 401},
		{"all claims of one identity must match", ids(`common-name="apimlab test client" issuer-thumbprint="` + certs.Thumbprint(p.Root.Cert) + `"`), p.Client, 401},
		{"one identity of several suffices", ids(`common-name="someone else"`, `common-name="apimlab test client"`), p.Client, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := &apim.Service{
				CAStore:      []*apim.CACertificate{caEntry(p.Root.Cert)},
				Certificates: []*apim.Certificate{{Name: "intermediate", Data: known(base64.StdEncoding.EncodeToString(interPFX)), Password: known("pw")}},
				APIs:         []*apim.API{apiWith("/a", be.URL, tt.policy)},
			}
			g, err := New(svc, Options{Clock: clock.NewVirtual(p.Now)})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(g.Close)
			status, h, body := tlsGet(t, p, httpsGateway(t, g, p)+"/a/x", tt.client)
			if status != tt.status {
				t.Fatalf("status %d (%s: %s), want %d", status, h.Get(HeaderReason), body, tt.status)
			}
			if status == 401 && h.Get(HeaderReason) != ReasonClientCertificate {
				t.Errorf("reason %q, want %q", h.Get(HeaderReason), ReasonClientCertificate)
			}
		})
	}
}

// TestValidateClientCertificatePlainHTTP: over plain HTTP no certificate
// can be presented, so the policy refuses the request; on-error sees the
// failure in context.LastError.
func TestValidateClientCertificatePlainHTTP(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	a := apiWith("/a", be.URL, "")
	a.Policy = doc(apim.ScopeAPI, policies(`<validate-client-certificate />`, "<forward-request />", "",
		`<set-header name="X-Last-Error" exists-action="override"><value>@(context.LastError.Source + " " + context.LastError.Reason)</value></set-header>`))
	_, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, Options{})
	status, h, _ := get(t, front.URL+"/a/x", nil)
	if status != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", status)
	}
	if got, want := h.Get("X-Last-Error"), "validate-client-certificate "+ReasonClientCertificate; got != want {
		t.Errorf("on-error saw %q, want %q", got, want)
	}
}

// TestValidateClientCertificateLoadErrors: bad attributes are reported at
// load with their position.
func TestValidateClientCertificateLoadErrors(t *testing.T) {
	tests := []struct{ policy, want string }{
		{`<validate-client-certificate validate-trust="maybe" />`, "validate-trust"},
		{`<validate-client-certificate><identities><identity issuer-certificate-id="nope" /></identities></validate-client-certificate>`, `issuer-certificate-id "nope"`},
		{`<validate-client-certificate><identities><identity subject="CN" /></identities></validate-client-certificate>`, "subject"},
		{`<validate-client-certificate><identities><identity colour="blue" /></identities></validate-client-certificate>`, `"colour"`},
		{`<validate-client-certificate><identity common-name="x" /></validate-client-certificate>`, "want <identities>"},
	}
	for _, tt := range tests {
		_, err := New(&apim.Service{APIs: []*apim.API{apiWith("/a", "http://127.0.0.1:1", tt.policy)}}, Options{})
		if err == nil || !strings.Contains(err.Error(), "api.xml:1:") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New = %v, want a positioned error containing %q", tt.policy, err, tt.want)
		}
	}
}

// TestRequestCertificateExpression runs Learn's "Checking the thumbprint"
// policy (How to secure APIs using client certificate authentication in
// API Management) over real handshakes: context.Request.Certificate is the
// client's certificate, Verify() its validity now and its chain to a
// trusted root (here the service CA store), Thumbprint the upper-case
// SHA-1; no certificate is null.
func TestRequestCertificateExpression(t *testing.T) {
	p := testPKI(t)
	be := newFakeBackend(t, "be", 200)
	policy := `<choose><when condition="@(context.Request.Certificate == null || !context.Request.Certificate.Verify() || context.Request.Certificate.Thumbprint != &quot;` +
		certs.Thumbprint(p.Client.Cert) + `&quot;)"><return-response><set-status code="403" reason="Invalid client certificate" /></return-response></when></choose>`
	svc := &apim.Service{CAStore: []*apim.CACertificate{caEntry(p.Root.Cert)}, APIs: []*apim.API{apiWith("/a", be.URL, policy)}}
	g, err := New(svc, Options{Clock: clock.NewVirtual(p.Now)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	base := httpsGateway(t, g, p)
	tests := []struct {
		name   string
		client *certs.Issued
		status int
	}{
		{"the expected certificate", p.Client, 200},
		{"another trusted certificate", p.ClientExpiringSoon, 403},
		{"untrusted: Verify() is false", p.ClientWrongCA, 403},
		{"expired: Verify() is false", p.ClientExpired, 403},
		{"no certificate: null", nil, 403},
	}
	for _, tt := range tests {
		if status, h, body := tlsGet(t, p, base+"/a/x", tt.client); status != tt.status {
			t.Errorf("%s: status %d (%s: %s), want %d", tt.name, status, h.Get(HeaderReason), body, tt.status)
		}
	}
}

// TestDeploymentCertificatesExpression runs Learn's "Checking a thumbprint
// against certificates uploaded to API Management" over real handshakes:
// only a client whose certificate is a certificate entity of the service
// passes.
func TestDeploymentCertificatesExpression(t *testing.T) {
	p := testPKI(t)
	be := newFakeBackend(t, "be", 200)
	pfx, err := p.Client.PFX(nil, "pw")
	if err != nil {
		t.Fatal(err)
	}
	policy := `<choose><when condition="@(context.Request.Certificate == null || !context.Request.Certificate.Verify() || !context.Deployment.Certificates.Any(c =&gt; c.Value.Thumbprint == context.Request.Certificate.Thumbprint))"><return-response><set-status code="403" reason="Invalid client certificate" /></return-response></when></choose>`
	svc := &apim.Service{
		CAStore:      []*apim.CACertificate{caEntry(p.Root.Cert)},
		Certificates: []*apim.Certificate{{Name: "partner", Data: known(base64.StdEncoding.EncodeToString(pfx)), Password: known("pw")}},
		APIs:         []*apim.API{apiWith("/a", be.URL, policy)},
	}
	g, err := New(svc, Options{Clock: clock.NewVirtual(p.Now)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	base := httpsGateway(t, g, p)
	for _, tt := range []struct {
		client *certs.Issued
		status int
	}{{p.Client, 200}, {p.ClientExpiringSoon, 403}, {nil, 403}} {
		if status, h, _ := tlsGet(t, p, base+"/a/x", tt.client); status != tt.status {
			t.Errorf("client %v: status %d (%s), want %d", tt.client != nil, status, h.Get(HeaderReason), tt.status)
		}
	}
}
