package gateway

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// TestBackendHTTP1ByDefault follows Learn, "Forward request":
// http-version defaults to "1" — the gateway speaks HTTP/1.1 to a backend
// even when the backend offers HTTP/2 through TLS ALPN.
func TestBackendHTTP1ByDefault(t *testing.T) {
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Proto-Major", strconv.Itoa(r.ProtoMajor))
	}))
	s.EnableHTTP2 = true
	s.StartTLS()
	t.Cleanup(s.Close)
	b := single("h2", s.URL)
	b.TLS = &apim.TLS{ValidateCertificateChain: known(false), ValidateCertificateName: known(false)}
	a := apiWith("/a", "", `<set-backend-service backend-id="h2" />`)
	_, front := startGateway(t, &apim.Service{Backends: []*apim.Backend{b}, APIs: []*apim.API{a}}, Options{})
	status, h, _ := get(t, front.URL+"/a/x", nil)
	if status != 200 || h.Get("X-Proto-Major") != "1" {
		t.Errorf("status %d, backend saw HTTP/%s, want HTTP/1", status, h.Get("X-Proto-Major"))
	}
}
