package gateway

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/certs"
)

func TestCustomCADetails(t *testing.T) {
	p := testPKI(t)
	selfSigned := tlsBackend(t, p.ServerSelfSigned, nil)
	chained := tlsBackend(t, p.Server, nil) // sends its leaf and the intermediate
	sha256Of := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	rootPEM := filepath.Join(t.TempDir(), "root.pem")
	if err := os.WriteFile(rootPEM, p.Root.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	tp := certs.Thumbprint
	tests := []struct {
		name     string
		url      string
		thumbs   []string
		names    []apim.X509Name
		caStore  bool
		caFile   bool
		wantCode int
	}{
		{"self-signed leaf pinned by SHA-1", selfSigned.URL, []string{tp(p.ServerSelfSigned.Cert)}, nil, false, false, 200},
		{"self-signed leaf pinned by SHA-256, lower case", selfSigned.URL, []string{sha256Of(p.ServerSelfSigned.Cert.Raw)}, nil, false, false, 200},
		{"thumbprint matches nothing", selfSigned.URL, []string{tp(p.Root.Cert)}, nil, false, false, 500},
		{"name is validated although the flag is off", renameHost(selfSigned.URL), []string{tp(p.ServerSelfSigned.Cert)}, nil, false, false, 500},
		{"intermediate sent by the server pinned", chained.URL, []string{tp(p.Intermediate.Cert)}, nil, false, false, 200},
		{"root pinned but unknown", chained.URL, []string{tp(p.Root.Cert)}, nil, false, false, 500},
		{"root pinned, found in a CA file", chained.URL, []string{tp(p.Root.Cert)}, nil, false, true, 200},
		{"pins replace the CA store", chained.URL, []string{tp(p.WrongRoot.Cert)}, nil, true, false, 500},
		{"x509 name of the leaf with its issuer's thumbprint", chained.URL, nil,
			[]apim.X509Name{{Name: known(p.Server.Cert.Subject.CommonName), IssuerCertificateThumbprint: known(tp(p.Intermediate.Cert))}}, false, false, 200},
		{"x509 name with a wrong issuer thumbprint", chained.URL, nil,
			[]apim.X509Name{{Name: known(p.Server.Cert.Subject.CommonName), IssuerCertificateThumbprint: known(tp(p.WrongRoot.Cert))}}, false, false, 500},
		{"x509 name of the intermediate issued by the stored root", chained.URL, nil,
			[]apim.X509Name{{Name: known(p.Intermediate.Cert.Subject.CommonName), IssuerCertificateThumbprint: known(tp(p.Root.Cert))}}, true, false, 200},
		{"x509 name matching nothing", chained.URL, nil, []apim.X509Name{{Name: known("CN=nobody")}}, false, false, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := single("pinned", tt.url)
			// Both flags off: with CA details they must not matter.
			b.TLS = &apim.TLS{ValidateCertificateChain: known(false), ValidateCertificateName: known(false), ServerX509Names: tt.names}
			for _, th := range tt.thumbs {
				b.TLS.ServerCertificateThumbprints = append(b.TLS.ServerCertificateThumbprints, known(th))
			}
			svc := &apim.Service{Backends: []*apim.Backend{b}, APIs: []*apim.API{apiWith("/p", "", `<set-backend-service backend-id="pinned" />`)}}
			if tt.caStore {
				svc.CAStore = []*apim.CACertificate{caEntry(p.Root.Cert)}
			}
			opts := Options{DialContext: loopbackDialer(tt.url)}
			if tt.caFile {
				opts.CAFiles = []string{rootPEM}
			}
			_, front := startGateway(t, svc, opts)
			code, h, body := get(t, front.URL+"/p", nil)
			if code != tt.wantCode {
				t.Fatalf("status %d (reason %q: %s), want %d", code, h.Get(HeaderReason), body, tt.wantCode)
			}
			if code != 200 && h.Get(HeaderReason) != ReasonConnection {
				t.Errorf("reason %q, want %q", h.Get(HeaderReason), ReasonConnection)
			}
		})
	}
}

func TestCustomCADetailsUnresolved(t *testing.T) {
	b := single("pinned", "https://127.0.0.1:1")
	b.TLS = &apim.TLS{ServerCertificateThumbprints: []apim.Field[string]{apim.Field[string]{Set: true}.WithUnknown("parameter tp has no value")}}
	svc := &apim.Service{Backends: []*apim.Backend{b}}
	if _, err := New(svc, Options{}); err == nil {
		t.Fatal("New accepted an unresolved serverCertificateThumbprints entry")
	}
}
