package gateway

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// fuzzService has APIs with operations (templates, wildcards), a policy
// that reads the body and the client IP, and a backend whose dial fails at
// once (no socket per input), so every input exercises routing, the
// pipeline, attribution and the error responses.
func fuzzService() *apim.Service {
	ops := func(specs ...[3]string) []*apim.Operation {
		var out []*apim.Operation
		for _, s := range specs {
			out = append(out, &apim.Operation{Name: s[0], Method: known(s[1]), URLTemplate: known(s[2])})
		}
		return out
	}
	echo := apiWith("/echo", "", `<return-response><set-status code="200"/><set-header name="X-Ip" exists-action="override"><value>@(context.Request.IpAddress)</value></set-header><set-body>@(context.Request.Body.As<string>())</set-body></return-response>`)
	echo.Operations = ops([3]string{"get", "GET", "/items/{id}"}, [3]string{"post", "POST", "/items"}, [3]string{"any", "*", "/*"})
	be := single("be", "http://backend.internal.test:8080/base")
	be.CircuitBreaker = countBreaker(1000, 0)
	fwd := apiWith("/fwd", "http://backend.internal.test:8080/base", "")
	return &apim.Service{Name: "fuzz", Backends: []*apim.Backend{be}, APIs: []*apim.API{echo, fwd, apiWith("/", "", `<return-response><set-status code="204"/></return-response>`)}}
}

// FuzzRequestPath sends arbitrary methods, paths, headers and bodies
// through the gateway. Properties: it never panics, answers a valid
// status, never puts the backend's internal address or Go error text in
// its own error bodies, counts no client-caused error against the
// backend's breaker, and resolves every dot-segment before matching.
// make test runs it briefly; docs/benchmarks.md names the 10-minute run.
func FuzzRequestPath(f *testing.F) {
	for _, s := range [][4]string{
		{"GET", "/echo/items/42", "X-Forwarded-For: 1.2.3.4", ""},
		{"POST", "/echo/items", "Content-Type: text/plain", "hello"},
		{"GET", "/echo/../fwd/x", "", ""},
		{"GET", "/fwd/%2e%2e/%2e%2e/etc/passwd", "Connection: X-Secret", ""},
		{"DELETE", "/fwd/a%2Fb?x=1&x=2", "Te: trailers", "body"},
		{"PATCH", "//echo//items//", "Transfer-Encoding: chunked", "zz"},
		{"GET", "/nope", "Host: evil", ""},
	} {
		f.Add(s[0], s[1], s[2], []byte(s[3]))
	}
	g, err := New(fuzzService(), Options{DialContext: func(context.Context, string, string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(g.Close)
	f.Fuzz(func(t *testing.T, method, target, header string, body []byte) {
		req, err := http.NewRequest(method, "http://gw.test", bytes.NewReader(body))
		if err != nil {
			return // not a method net/http would hand a handler
		}
		u, err := req.URL.Parse(target)
		if err != nil || u.Scheme != "http" && u.Scheme != "" || u.Host != "" && u.Host != "gw.test" || !strings.HasPrefix(u.Path, "/") {
			return // not a request line net/http would accept
		}
		req.URL = u
		req.RemoteAddr = "192.0.2.1:1234"
		if k, v, ok := strings.Cut(header, ":"); ok && httpToken(k) {
			req.Header.Add(k, strings.TrimSpace(v))
		}
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, req)
		if rec.Code < 100 || rec.Code > 999 {
			t.Fatalf("status %d", rec.Code)
		}
		out := rec.Body.String()
		if rec.Header().Get(HeaderBackend) == "none" {
			for _, leak := range []string{"backend.internal.test", "connection refused", "dial tcp"} {
				if strings.Contains(out, leak) {
					t.Fatalf("gateway error body %q reveals %q", out, leak)
				}
			}
		}
		if ip := rec.Header().Get("X-Ip"); ip != "" && ip != "192.0.2.1" {
			t.Fatalf("IpAddress %q, want the peer 192.0.2.1 (no trusted proxies)", ip)
		}
		if hasDotSegment(u.Path) && hasDotSegment(req.URL.Path) {
			t.Fatalf("%q still has a dot-segment after the gateway: %q", target, req.URL.Path)
		}
	})
}

// httpToken reports whether s is a valid header field name.
func httpToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return true
}
