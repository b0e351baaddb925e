package gateway

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/certs"
)

var (
	pkiOnce sync.Once
	pki     *certs.PKI
	pkiErr  error
)

// testPKI is generated once per test binary (key generation is slow); it
// is read-only afterwards.
func testPKI(t *testing.T) *certs.PKI {
	t.Helper()
	pkiOnce.Do(func() { pki, pkiErr = certs.NewPKI(certs.InitOptions{}) })
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return pki
}

// tlsBackend starts an HTTPS backend serving cert; clientCAs, when not
// nil, makes it require a client certificate issued by them.
func tlsBackend(t *testing.T, cert *certs.Issued, clientCAs *x509.CertPool) *httptest.Server {
	t.Helper()
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Client-Cert", "none")
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			w.Header().Set("X-Client-Cert", r.TLS.PeerCertificates[0].Subject.CommonName)
		}
		_, _ = w.Write([]byte("secure"))
	}))
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // rejected handshakes are the point
	s.TLS = &tls.Config{Certificates: []tls.Certificate{cert.TLSCertificate()}}
	if clientCAs != nil {
		s.TLS.ClientAuth = tls.RequireAndVerifyClientCert
		s.TLS.ClientCAs = clientCAs
	}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// mtlsBackend starts an HTTPS backend serving the test PKI's server
// certificate and requiring a client certificate issued under its root;
// it returns the backend and the PKI's client certificate as a PFX
// (password "pw").
func mtlsBackend(t *testing.T) (*httptest.Server, []byte) {
	t.Helper()
	p := testPKI(t)
	clientCAs := x509.NewCertPool()
	clientCAs.AddCert(p.Root.Cert)
	srv := tlsBackend(t, p.Server, clientCAs)
	pfx, err := p.Client.PFX(nil, "pw")
	if err != nil {
		t.Fatal(err)
	}
	return srv, pfx
}

func caEntry(c *x509.Certificate) *apim.CACertificate {
	return &apim.CACertificate{StoreName: known("Root"), EncodedCertificate: known(base64.StdEncoding.EncodeToString(c.Raw))}
}

func TestTLSValidationFlags(t *testing.T) {
	p := testPKI(t)
	selfSigned := tlsBackend(t, p.ServerSelfSigned, nil)
	trusted := tlsBackend(t, p.Server, nil)
	// The server certificate names localhost and 127.0.0.1; calling it as
	// "localhost" keeps the name valid, and a name it lacks makes it invalid.
	tests := []struct {
		name        string
		url         string
		chain, host bool
		caStore     bool
		wantCode    int
	}{
		{"both on, self-signed", selfSigned.URL, true, true, false, 500},
		{"both off, self-signed", selfSigned.URL, false, false, false, 200},
		{"chain only, self-signed", selfSigned.URL, true, false, false, 500},
		{"name only, self-signed, name matches", selfSigned.URL, false, true, false, 200},
		{"both on, CA in service store", trusted.URL, true, true, true, 200},
		{"both on, CA not trusted", trusted.URL, true, true, false, 500},
		{"chain only, trusted CA, wrong name", renameHost(trusted.URL), true, false, true, 200},
		{"both on, trusted CA, wrong name", renameHost(trusted.URL), true, true, true, 500},
		{"name only, trusted CA, wrong name", renameHost(trusted.URL), false, true, true, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := single("secure", tt.url)
			b.TLS = &apim.TLS{ValidateCertificateChain: known(tt.chain), ValidateCertificateName: known(tt.host)}
			svc := &apim.Service{Backends: []*apim.Backend{b}, APIs: []*apim.API{apiWith("/s", "", `<set-backend-service backend-id="secure" />`)}}
			if tt.caStore {
				svc.CAStore = []*apim.CACertificate{caEntry(p.Root.Cert)}
			}
			_, front := startGateway(t, svc, Options{DialContext: loopbackDialer(tt.url)})
			code, h, body := get(t, front.URL+"/s", nil)
			if code != tt.wantCode {
				t.Fatalf("status %d (reason %q: %s), want %d", code, h.Get(HeaderReason), body, tt.wantCode)
			}
			if code != 200 && h.Get(HeaderReason) != ReasonConnection {
				t.Errorf("reason %q, want %q", h.Get(HeaderReason), ReasonConnection)
			}
		})
	}
}

func TestMutualTLS(t *testing.T) {
	p := testPKI(t)
	clientCAs := x509.NewCertPool()
	clientCAs.AddCert(p.Root.Cert)
	srv := tlsBackend(t, p.Server, clientCAs)
	tests := []struct {
		name     string
		client   *certs.Issued
		viaThumb bool
		wantCode int
	}{
		{"right CA by certificateIds", p.Client, false, 200},
		{"right CA by thumbprint", p.Client, true, 200},
		{"wrong CA", p.ClientWrongCA, false, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pfx, err := tt.client.PFX(nil, "pw")
			if err != nil {
				t.Fatal(err)
			}
			b := single("mtls", srv.URL)
			b.Credentials = &apim.Credentials{}
			if tt.viaThumb {
				b.Credentials.Certificate = []apim.Field[string]{known(certs.Thumbprint(tt.client.Cert))}
			} else {
				b.Credentials.CertificateIDs = []apim.Field[string]{known("/certificates/client")}
			}
			svc := &apim.Service{
				Backends:     []*apim.Backend{b},
				Certificates: []*apim.Certificate{{Name: "client", Data: known(base64.StdEncoding.EncodeToString(pfx)), Password: known("pw")}},
				CAStore:      []*apim.CACertificate{caEntry(p.Root.Cert)},
				APIs:         []*apim.API{apiWith("/m", "", `<set-backend-service backend-id="mtls" />`)},
			}
			_, front := startGateway(t, svc, Options{})
			code, h, _ := get(t, front.URL+"/m", nil)
			if code != tt.wantCode {
				t.Fatalf("status %d (reason %q), want %d", code, h.Get(HeaderReason), tt.wantCode)
			}
			if code == 200 && h.Get("X-Client-Cert") != tt.client.Cert.Subject.CommonName {
				t.Errorf("backend saw client %q, want %q", h.Get("X-Client-Cert"), tt.client.Cert.Subject.CommonName)
			}
		})
	}
}

func TestAuthenticationCertificatePolicy(t *testing.T) {
	p := testPKI(t)
	srv, pfx := mtlsBackend(t)
	svc := &apim.Service{
		Backends:     []*apim.Backend{single("mtls", srv.URL)},
		Certificates: []*apim.Certificate{{Name: "client", Data: known(base64.StdEncoding.EncodeToString(pfx)), Password: known("pw")}},
		CAStore:      []*apim.CACertificate{caEntry(p.Root.Cert)},
		APIs: []*apim.API{
			apiWith("/with", "", `<set-backend-service backend-id="mtls" /><authentication-certificate certificate-id="client" />`),
			apiWith("/without", "", `<set-backend-service backend-id="mtls" />`),
		},
	}
	_, front := startGateway(t, svc, Options{})
	if code, h, _ := get(t, front.URL+"/with", nil); code != 200 || h.Get("X-Client-Cert") != p.Client.Cert.Subject.CommonName {
		t.Errorf("with authentication-certificate: %d, client %q", code, h.Get("X-Client-Cert"))
	}
	if code, _, _ := get(t, front.URL+"/without", nil); code != 500 {
		t.Errorf("without a client certificate: %d, want 500", code)
	}
}
