package gateway

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// leafOnlyBackend starts an HTTPS backend that presents the test PKI's
// server certificate (issued by the PKI's intermediate, itself issued by
// its root) without the intermediate: a client can build the chain only
// if it knows the intermediate already.
func leafOnlyBackend(t *testing.T) *httptest.Server {
	t.Helper()
	p := testPKI(t)
	if len(p.Server.Chain) == 0 || !p.Server.Chain[0].Equal(p.Intermediate.Cert) {
		t.Fatal("test PKI: the server certificate is not issued by the intermediate")
	}
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "secure") }))
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // rejected handshakes are the point
	s.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{p.Server.Cert.Raw}, PrivateKey: p.Server.Key, Leaf: p.Server.Cert}}}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// storeEntry is a CA store entry (properties.certificates[]) holding c in
// store ("Root" or "CertificateAuthority").
func storeEntry(store string, c *x509.Certificate) *apim.CACertificate {
	e := caEntry(c)
	e.StoreName = known(store)
	return e
}

// TestCAStoreNames follows the REST/ARM reference of the service's CA
// store ("Certificate configuration which consist of non-trusted
// intermediates and root certificates"; storeName "Only Root and
// CertificateAuthority are valid locations"): a Root entry is a trust
// anchor; a CertificateAuthority entry helps build the chain but is not
// trusted by itself. The backend sends its leaf without the intermediate.
func TestCAStoreNames(t *testing.T) {
	p := testPKI(t)
	s := leafOnlyBackend(t)
	for _, tc := range []struct {
		name        string
		store       []*apim.CACertificate
		chain, host bool
		wantOK      bool
	}{
		{"root in Root and intermediate in CertificateAuthority", []*apim.CACertificate{storeEntry("Root", p.Root.Cert), storeEntry("CertificateAuthority", p.Intermediate.Cert)}, true, true, true},
		{"store name matched case-insensitively", []*apim.CACertificate{storeEntry("root", p.Root.Cert), storeEntry("certificateauthority", p.Intermediate.Cert)}, true, true, true},
		{"chain only with the intermediate from the store", []*apim.CACertificate{storeEntry("Root", p.Root.Cert), storeEntry("CertificateAuthority", p.Intermediate.Cert)}, true, false, true},
		{"root alone cannot build the chain", []*apim.CACertificate{storeEntry("Root", p.Root.Cert)}, true, true, false},
		{"intermediate in CertificateAuthority is not an anchor", []*apim.CACertificate{storeEntry("CertificateAuthority", p.Intermediate.Cert)}, true, true, false},
		{"root in CertificateAuthority is not an anchor", []*apim.CACertificate{storeEntry("CertificateAuthority", p.Root.Cert), storeEntry("CertificateAuthority", p.Intermediate.Cert)}, true, true, false},
		{"intermediate in Root is an anchor", []*apim.CACertificate{storeEntry("Root", p.Intermediate.Cert)}, true, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := single("secure", s.URL)
			b.TLS = &apim.TLS{ValidateCertificateChain: known(tc.chain), ValidateCertificateName: known(tc.host)}
			svc := &apim.Service{Backends: []*apim.Backend{b}, CAStore: tc.store,
				APIs: []*apim.API{apiWith("/s", "", `<set-backend-service backend-id="secure" />`)}}
			_, front := startGateway(t, svc, Options{})
			code, h, body := get(t, front.URL+"/s", nil)
			if tc.wantOK {
				if code != http.StatusOK || body != "secure" {
					t.Fatalf("status %d (reason %q), body %q; want 200 from the backend", code, h.Get(HeaderReason), body)
				}
				return
			}
			if code < 500 || h.Get(HeaderReason) != "BackendConnectionFailure" {
				t.Fatalf("status %d, reason %q; want a BackendConnectionFailure", code, h.Get(HeaderReason))
			}
		})
	}
}
