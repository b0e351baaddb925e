package gateway

import (
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// protoBackend starts a loopback backend that reports the HTTP major
// version it saw in X-Proto-Major. kind is "tls-h2" (TLS, offers h2 and
// http/1.1 through ALPN), "tls-h1" (TLS, http/1.1 only), "h2c" (plain
// HTTP/1.1 plus HTTP/2 with prior knowledge) or "h1" (plain HTTP/1.1).
func protoBackend(t *testing.T, kind string) *httptest.Server {
	t.Helper()
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Proto-Major", strconv.Itoa(r.ProtoMajor))
	}))
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are part of the test
	switch kind {
	case "tls-h2":
		s.EnableHTTP2 = true
		s.StartTLS()
	case "tls-h1":
		s.StartTLS()
	case "h2c":
		p := new(http.Protocols)
		p.SetHTTP1(true)
		p.SetUnencryptedHTTP2(true)
		s.Config.Protocols = p
		s.Start()
	default:
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

// TestForwardHTTPVersion follows Learn, "Forward request", attribute
// http-version: "1: HTTP/1", "2: HTTP/2", "2or1: The gateway favors HTTP/2
// over HTTP/1, but falls back to HTTP/1 if HTTP/2 doesn't work"; default
// 1. The backend reports the protocol it was spoken to in; a backend that
// cannot speak HTTP/2 fails "2" as a connection failure
// (BackendConnectionFailure).
func TestForwardHTTPVersion(t *testing.T) {
	for _, tc := range []struct {
		name, backend, attr string
		wantStatus          int
		wantMajor           string // "" when no response comes from the backend
		wantReason          string
	}{
		{"default over TLS offering h2 is h1", "tls-h2", "", 200, "1", ""},
		{"1 over TLS offering h2", "tls-h2", `http-version="1"`, 200, "1", ""},
		{"2or1 over TLS offering h2", "tls-h2", `http-version="2or1"`, 200, "2", ""},
		{"2 over TLS offering h2", "tls-h2", `http-version="2"`, 200, "2", ""},
		{"2or1 falls back to h1 over TLS without h2", "tls-h1", `http-version="2or1"`, 200, "1", ""},
		{"2 over TLS without h2 fails", "tls-h1", `http-version="2"`, 0, "", "BackendConnectionFailure"},
		{"2 over plain http is h2c", "h2c", `http-version="2"`, 200, "2", ""},
		{"2or1 over plain http is h1", "h2c", `http-version="2or1"`, 200, "1", ""},
		{"default over plain http", "h2c", "", 200, "1", ""},
		{"2 over plain http without h2c fails", "h1", `http-version="2"`, 0, "", "BackendConnectionFailure"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := protoBackend(t, tc.backend)
			b := single("be", s.URL)
			b.TLS = &apim.TLS{ValidateCertificateChain: known(false), ValidateCertificateName: known(false)}
			a := apiWith("/a", "", `<set-backend-service backend-id="be" />`)
			a.Policy = doc(apim.ScopeAPI, `<policies><inbound><base /><set-backend-service backend-id="be" /></inbound><backend><forward-request `+tc.attr+` /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`)
			_, front := startGateway(t, &apim.Service{Backends: []*apim.Backend{b}, APIs: []*apim.API{a}}, Options{})
			status, h, _ := get(t, front.URL+"/a/x", nil)
			// wantStatus 0: a gateway error, whose status belongs to the
			// error-response rules (semantics.md), not to this test.
			if tc.wantStatus != 0 && status != tc.wantStatus || tc.wantStatus == 0 && status < 500 {
				t.Fatalf("status %d, want %d (0: a 5xx)", status, tc.wantStatus)
			}
			if got := h.Get("X-Proto-Major"); got != tc.wantMajor {
				t.Errorf("backend saw HTTP/%s, want HTTP/%s", got, tc.wantMajor)
			}
			if got := h.Get(HeaderReason); got != tc.wantReason {
				t.Errorf("reason %q, want %q", got, tc.wantReason)
			}
		})
	}
}

// TestForwardHTTPVersionInvalid: a value outside Learn's three is refused
// at load, at the attribute's position.
func TestForwardHTTPVersionInvalid(t *testing.T) {
	a := apiWith("/a", "http://backend.test", "")
	a.Policy = doc(apim.ScopeAPI, "<policies><inbound><base /></inbound><backend>\n  <forward-request http-version=\"3\" />\n</backend><outbound><base /></outbound><on-error><base /></on-error></policies>")
	_, err := New(&apim.Service{APIs: []*apim.API{a}}, Options{})
	if err == nil {
		t.Fatal("New accepted http-version=\"3\"")
	}
	if want := `api.xml:2:20: <forward-request>: http-version "3" is not one of 1, 2or1, 2`; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q, want it to contain %q", err, want)
	}
}

// TestForwardHTTPVersionAdHoc: a set-backend-service base-url that names no
// backend entity (an ad hoc target) speaks the version forward-request
// asks for too. The backend's test certificate is trusted through a --ca
// file.
func TestForwardHTTPVersionAdHoc(t *testing.T) {
	s := protoBackend(t, "tls-h2")
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ attr, want string }{{"", "1"}, {`http-version="2or1"`, "2"}, {`http-version="2"`, "2"}} {
		t.Run("http-version "+tc.attr, func(t *testing.T) {
			a := apiWith("/a", "", "")
			a.Policy = doc(apim.ScopeAPI, policyDoc(`<set-backend-service base-url="`+s.URL+`" />`, `<forward-request `+tc.attr+` />`, ""))
			_, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, Options{CAFiles: []string{ca}})
			status, h, body := get(t, front.URL+"/a/x", nil)
			if status != 200 || h.Get("X-Proto-Major") != tc.want {
				t.Errorf("status %d (reason %q, %s), backend saw HTTP/%s, want 200 over HTTP/%s", status, h.Get(HeaderReason), body, h.Get("X-Proto-Major"), tc.want)
			}
		})
	}
}
