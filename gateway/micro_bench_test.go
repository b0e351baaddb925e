package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/apimlab/apimlab/internal/cputime"
)

// BenchmarkServeHTTP measures one request through the gateway on issue
// 16's realistic pipeline (benchService: global set-header, an API policy
// choosing the backend with expressions, a weighted pool with breakers,
// debug headers on), then with issue 13's rate-limit-by-key and
// cache-lookup added, next to the tuned bare proxy, against a loopback
// backend and without a client connection. allocs/op is the gateway's
// per-request allocation count (the bare row is the proxy's); cpu-µs/op is
// the process's CPU time per request, steadier than ns/op when other work
// shares the machine.
func BenchmarkServeHTTP(b *testing.B) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello from the backend\n")
	}))
	defer backend.Close()
	bare := bareProxy(backend.URL)
	defer bare.Transport.(*http.Transport).CloseIdleConnections()
	handlers := []struct {
		name string
		h    http.Handler
	}{{"bare", bare}}
	for _, c := range []struct {
		name   string
		limits bool
	}{{"gateway", false}, {"gateway+limits", true}} {
		g, err := New(benchService(backend.URL, c.limits), Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer g.Close()
		handlers = append(handlers, struct {
			name string
			h    http.Handler
		}{c.name, g})
	}
	for _, c := range handlers {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := cputime.Process()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, "http://gw.test/api/hello", nil)
				rec := httptest.NewRecorder()
				c.h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
			// Process CPU (this handler, the backend, the runtime) per
			// request: steadier than ns/op on a shared machine.
			b.ReportMetric(float64(cputime.Process()-cpu)/float64(b.N)/1e3, "cpu-µs/op")
		})
	}
}
