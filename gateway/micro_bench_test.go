package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkServeHTTP measures one request through the gateway (global + API
// policy, weighted pool with breakers) against a loopback backend, next to
// the tuned bare proxy, without a client connection.
func BenchmarkServeHTTP(b *testing.B) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello from the backend\n")
	}))
	defer backend.Close()
	g, err := New(benchService(backend.URL), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	bare := bareProxy(backend.URL)
	defer bare.Transport.(*http.Transport).CloseIdleConnections()
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"bare", bare}, {"gateway", g}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, "http://gw.test/api/hello", nil)
				rec := httptest.NewRecorder()
				c.h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
