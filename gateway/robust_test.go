package gateway

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
)

// retryAPI is an API at /api whose backend section retries once on 5xx.
func retryAPI(serviceURL string) *apim.API {
	a := apiWith("/api", serviceURL, "")
	a.Policy = doc(apim.ScopeAPI, `<policies><inbound><base/></inbound><backend><retry condition="@(context.Response.StatusCode >= 500)" count="1" interval="0"><forward-request/></retry></backend><outbound><base/></outbound><on-error><base/></on-error></policies>`)
	return a
}

// TestEncodedPathForwarded checks that the request path reaches the
// backend as the client encoded it: %2F stays an encoded slash, and the
// query (repeated keys, encoded values) is passed through unchanged.
func TestEncodedPathForwarded(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-URI", r.RequestURI)
	}))
	t.Cleanup(be.Close)
	tests := []struct {
		name, base, path, want string
	}{
		{"encoded slash", "", "/api/a%2Fb/c", "/a%2Fb/c"},
		{"encoded slash and space, base path", "/base", "/api/a%2Fb/c%20d", "/base/a%2Fb/c%20d"},
		{"case-insensitive prefix", "", "/API/x%2Fy", "/x%2Fy"},
		{"repeated query keys", "", "/api/q?x=1&x=2&y=%2F&z", "/q?x=1&x=2&y=%2F&z"},
		{"plain path", "/b", "/api/p/q", "/b/p/q"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc := &apim.Service{Name: "s", APIs: []*apim.API{apiWith("/api", be.URL+tc.base, "")}}
			_, front := startGateway(t, svc, Options{})
			code, h, _ := get(t, front.URL+tc.path, nil)
			if code != http.StatusOK || h.Get("X-URI") != tc.want {
				t.Fatalf("status %d, backend saw %q, want 200 and %q", code, h.Get("X-URI"), tc.want)
			}
		})
	}
}

// TestEscapedRest covers the prefix skipping of escapedRest.
func TestEscapedRest(t *testing.T) {
	tests := []struct{ esc, prefix, rest, want string }{
		{"/api/a%2Fb", "/api", "/a/b", "/a%2Fb"},
		{"/a/b/c%2Fd", "/a/b", "/c/d", "/c%2Fd"},
		{"/x%2Fy", "", "/x/y", "/x%2Fy"},
		{"/api", "/api", "", ""},
		{"/a%2Fb/c", "/a/b", "/c", ""}, // the prefix itself was encoded: no raw form
	}
	for _, tc := range tests {
		if got := escapedRest(tc.esc, tc.prefix, tc.rest); got != tc.want {
			t.Errorf("escapedRest(%q, %q, %q) = %q, want %q", tc.esc, tc.prefix, tc.rest, got, tc.want)
		}
	}
}

// TestBackendBodyBreakOffAbortsResponse checks that a backend connection
// reset in the middle of a chunked body reaches the client as an error,
// not as a complete, silently truncated 200.
func TestBackendBodyBreakOffAbortsResponse(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, strings.Repeat("x", 1000))
		w.(http.Flusher).Flush()
		if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = c.Close()
		}
	}))
	t.Cleanup(be.Close)
	svc := &apim.Service{Name: "s", APIs: []*apim.API{apiWith("/api", be.URL, "")}}
	_, front := startGateway(t, svc, Options{})
	resp, err := testClient.Get(front.URL + "/api/x")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Fatalf("client read %d bytes and no error; want the response aborted", len(b))
	}
}

// TestRetryDoesNotWaitForStalledBody checks that a retry after a response
// whose body stalls does not wait for that body: the dropped body's
// attempt is canceled after drainTimeout.
func TestRetryDoesNotWaitForStalledBody(t *testing.T) {
	var n atomic.Int64
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			w.(http.Flusher).Flush()
			<-r.Context().Done() // the body never comes
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(be.Close)
	svc := &apim.Service{Name: "s", APIs: []*apim.API{retryAPI(be.URL)}}
	_, front := startGateway(t, svc, Options{})
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	resp, err := c.Get(front.URL + "/api/x")
	if err != nil {
		t.Fatalf("gateway hung on the stalled body: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || n.Load() != 2 {
		t.Fatalf("status %d after %d attempts, want 200 after 2", resp.StatusCode, n.Load())
	}
}

// TestBufferedRequestBodyBounded checks that the body buffered for retry
// (Options.PreserveBodies; buffer-request-body="true" likewise) is bounded
// by Options.MaxBodyBytes: a larger one is answered 413 without reaching
// the backend, with or without a Content-Length.
func TestBufferedRequestBodyBounded(t *testing.T) {
	var got atomic.Int64
	be := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.Store(int64(len(b)))
	}))
	t.Cleanup(be.Close)
	svc := &apim.Service{Name: "s", APIs: []*apim.API{retryAPI(be.URL)}}
	_, front := startGateway(t, svc, Options{MaxBodyBytes: 1024, PreserveBodies: true})
	tests := []struct {
		name    string
		size    int
		chunked bool
		want    int
	}{
		{"at the limit", 1024, false, http.StatusOK},
		{"at the limit, chunked", 1024, true, http.StatusOK},
		{"over the limit", 4096, false, http.StatusRequestEntityTooLarge},
		{"over the limit, chunked", 4096, true, http.StatusRequestEntityTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got.Store(-1)
			var body io.Reader = bytes.NewReader(make([]byte, tc.size))
			if tc.chunked {
				body = io.NopCloser(body) // hides the length: sent chunked
			}
			resp, err := testClient.Post(front.URL+"/api/x", "application/octet-stream", body)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
			if tc.want == http.StatusOK && got.Load() != int64(tc.size) {
				t.Fatalf("backend got %d bytes, want %d", got.Load(), tc.size)
			}
			if tc.want != http.StatusOK {
				if r := resp.Header.Get(HeaderReason); r != ReasonBodyTooLarge || got.Load() != -1 {
					t.Fatalf("reason %q, backend got %d bytes; want %s and no call", r, got.Load(), ReasonBodyTooLarge)
				}
			}
		})
	}
}

// TestAdhocMetricLabelsBounded checks that base-url hosts computed from
// request data do not grow /metrics labels or the header cache without end.
func TestAdhocMetricLabelsBounded(t *testing.T) {
	b := newFakeBackend(t, "b", 200)
	a := apiWith("/api", "", `<set-backend-service base-url="@("http://" + context.Request.Headers.GetValueOrDefault("X-Host","x"))" />`)
	svc := &apim.Service{Name: "s", APIs: []*apim.API{a}}
	g, front := startGateway(t, svc, Options{DialContext: loopbackDialer(b.URL)})
	const hosts = maxAdhocLabels + 20
	for i := range hosts {
		host := fmt.Sprintf("h%d.test", i)
		code, h, _ := get(t, front.URL+"/api/x", map[string]string{"X-Host": host})
		if code != http.StatusOK || h.Get(HeaderBackend) != host {
			t.Fatalf("request %d: status %d, %s %q", i, code, HeaderBackend, h.Get(HeaderBackend))
		}
	}
	n := 0
	g.metrics.all.Range(func(any, any) bool { n++; return true })
	_, other := g.metrics.all.Load(otherLabel)
	if n > maxAdhocLabels+1 || !other {
		t.Fatalf("%d backend label values (other present: %v), want at most %d with %q", n, other, maxAdhocLabels+1, otherLabel)
	}
}
