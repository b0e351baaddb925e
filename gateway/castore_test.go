package gateway

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/certs"
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

// TestAdHocTargetVariants: an ad hoc target (a base-url that names no
// backend entity) presents the authentication-certificate's client
// certificate and speaks the requested HTTP version, both through one
// transport variant.
func TestAdHocTargetVariants(t *testing.T) {
	p := testPKI(t)
	srv, pfx := mtlsBackend(t)
	for _, version := range []string{"1", "2or1"} {
		t.Run("http-version "+version, func(t *testing.T) {
			a := apiWith("/a", "", "")
			a.Policy = doc(apim.ScopeAPI, policyDoc(`<set-backend-service base-url="`+srv.URL+`" /><authentication-certificate certificate-id="client" />`, `<forward-request http-version="`+version+`" />`, ""))
			svc := &apim.Service{
				Certificates: []*apim.Certificate{{Name: "client", Data: known(base64.StdEncoding.EncodeToString(pfx)), Password: known("pw")}},
				CAStore:      []*apim.CACertificate{caEntry(p.Root.Cert)},
				APIs:         []*apim.API{a},
			}
			_, front := startGateway(t, svc, Options{})
			code, h, _ := get(t, front.URL+"/a", nil)
			if code != 200 || h.Get("X-Client-Cert") != p.Client.Cert.Subject.CommonName {
				t.Errorf("status %d (reason %q), client certificate %q; want 200 with %q", code, h.Get(HeaderReason), h.Get("X-Client-Cert"), p.Client.Cert.Subject.CommonName)
			}
		})
	}
}

// TestCAStoreIPTargetName: an ad hoc https target at an IP address (the
// API's serviceUrl) is validated against that address when the CA store
// holds an intermediate too (the case where the gateway verifies the
// chain by hand): a certificate for another name is refused, as Go's own
// verifier refuses it without a CA store intermediate.
func TestCAStoreIPTargetName(t *testing.T) {
	other, err := certs.NewPKI(certs.InitOptions{Hosts: []string{"other.test"}})
	if err != nil {
		t.Fatal(err)
	}
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "secure") }))
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{other.Server.Cert.Raw, other.Intermediate.Cert.Raw}, PrivateKey: other.Server.Key, Leaf: other.Server.Cert}}}
	s.StartTLS()
	t.Cleanup(s.Close)
	for _, tc := range []struct {
		name  string
		store []*apim.CACertificate
	}{
		{"root only", []*apim.CACertificate{storeEntry("Root", other.Root.Cert)}},
		{"root and an intermediate", []*apim.CACertificate{storeEntry("Root", other.Root.Cert), storeEntry("CertificateAuthority", other.Intermediate.Cert)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc := &apim.Service{CAStore: tc.store, APIs: []*apim.API{apiWith("/s", s.URL, "")}}
			_, front := startGateway(t, svc, Options{})
			code, h, body := get(t, front.URL+"/s", nil)
			if code < 500 || h.Get(HeaderReason) != "BackendConnectionFailure" {
				t.Fatalf("status %d, reason %q, body %q; want a BackendConnectionFailure (the certificate names other.test, not %s)", code, h.Get(HeaderReason), body, s.URL)
			}
		})
	}
}

// TestCAStoreIPTargetValid: the same ad hoc IP target whose certificate
// does carry the address (the test PKI's server certificate names
// 127.0.0.1), sending its leaf alone, is accepted with the CA store's
// intermediate.
func TestCAStoreIPTargetValid(t *testing.T) {
	p := testPKI(t)
	s := leafOnlyBackend(t)
	svc := &apim.Service{CAStore: []*apim.CACertificate{storeEntry("Root", p.Root.Cert), storeEntry("CertificateAuthority", p.Intermediate.Cert)},
		APIs: []*apim.API{apiWith("/s", s.URL, "")}}
	_, front := startGateway(t, svc, Options{})
	if code, h, body := get(t, front.URL+"/s", nil); code != http.StatusOK || body != "secure" {
		t.Fatalf("status %d (reason %q), body %q; want 200 from the backend", code, h.Get(HeaderReason), body)
	}
}

// TestCAStoreIPTargetHTTP2: the same ad hoc IP target through
// forward-request http-version "2or1" and "2" (HTTP/2 over TLS with ALPN):
// the certificate carries the address and the chain is built with the CA
// store's intermediate, so it is accepted on every version, as on HTTP/1.1.
func TestCAStoreIPTargetHTTP2(t *testing.T) {
	p := testPKI(t)
	var proto atomic.Value
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto.Store(r.Proto)
		_, _ = io.WriteString(w, "secure")
	}))
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.EnableHTTP2 = true
	s.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{p.Server.Cert.Raw}, PrivateKey: p.Server.Key, Leaf: p.Server.Cert}}}
	s.StartTLS()
	t.Cleanup(s.Close)
	for _, tc := range []struct{ version, wantProto string }{
		{"1", "HTTP/1.1"}, {"2or1", "HTTP/2.0"}, {"2", "HTTP/2.0"},
	} {
		t.Run(tc.version, func(t *testing.T) {
			svc := &apim.Service{CAStore: []*apim.CACertificate{storeEntry("Root", p.Root.Cert), storeEntry("CertificateAuthority", p.Intermediate.Cert)},
				Policy: doc(apim.ScopeGlobal, `<policies><inbound /><backend><forward-request http-version="`+tc.version+`" /></backend><outbound /><on-error /></policies>`),
				APIs:   []*apim.API{apiWith("/s", s.URL, "")}}
			_, front := startGateway(t, svc, Options{})
			if code, h, body := get(t, front.URL+"/s", nil); code != http.StatusOK || body != "secure" {
				t.Fatalf("status %d (reason %q), body %q; want 200 from the backend", code, h.Get(HeaderReason), body)
			}
			if got := proto.Load(); got != tc.wantProto {
				t.Errorf("backend saw %v, want %s", got, tc.wantProto)
			}
		})
	}
}
