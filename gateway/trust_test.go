package gateway

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

func TestResolveDotSegments(t *testing.T) {
	tests := []struct{ in, wantPath, wantEscaped string }{
		{"/api/x", "/api/x", "/api/x"},
		{"/api/../admin", "/admin", "/admin"},
		{"/api/./x", "/api/x", "/api/x"},
		{"/api/x/..", "/api/", "/api/"},
		{"/api/x/.", "/api/x/", "/api/x/"},
		{"/../../etc", "/etc", "/etc"},
		{"/api/%2e%2e/admin", "/admin", "/admin"},
		{"/api/%2E/x", "/api/x", "/api/x"},
		// Decoded, a%2Fb is two segments (APIM decodes %2F in paths, per
		// a Microsoft Q&A answer; see docs/semantics.md).
		{"/api/a%2Fb/../c", "/api/a/c", "/api/a/c"},
		{"/api/a%2Fb/./c", "/api/a/b/c", "/api/a%2Fb/c"},
		{"/api/..x/.y", "/api/..x/.y", "/api/..x/.y"},
		{"/api//x/../y", "/api//y", "/api//y"},
	}
	for _, tc := range tests {
		u, err := url.Parse(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		resolveDotSegments(u)
		if u.Path != tc.wantPath || u.EscapedPath() != tc.wantEscaped {
			t.Errorf("%s: path %q escaped %q, want %q %q", tc.in, u.Path, u.EscapedPath(), tc.wantPath, tc.wantEscaped)
		}
	}
}

// TestDotSegmentsResolvedBeforeMatching checks that "/api/../other"
// reaches the API at /other, not /api's backend with ".." in its path.
func TestDotSegmentsResolvedBeforeMatching(t *testing.T) {
	api := newFakeBackend(t, "api", 200)
	other := newFakeBackend(t, "other", 200)
	svc := &apim.Service{Name: "s", APIs: []*apim.API{apiWith("/api", api.URL+"/base", ""), apiWith("/other", other.URL, "")}}
	_, front := startGateway(t, svc, Options{})
	for _, tc := range []struct{ path, served, seen string }{
		{"/api/../other/x", "other", "/x"},
		{"/api/x/../../other/y", "other", "/y"},
		{"/api/a/%2e%2e/b", "api", "/base/b"},
		{"/api/../../api/z", "api", "/base/z"},
	} {
		req, _ := http.NewRequest(http.MethodGet, front.URL, nil)
		req.URL.Opaque = tc.path // sent as is: Go's client would not clean it, but be explicit
		resp, err := testClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("X-Served-By"); got != tc.served || resp.Header.Get("X-Seen-Path") != tc.seen {
			t.Errorf("%s: served by %q at %q, want %q at %q", tc.path, got, resp.Header.Get("X-Seen-Path"), tc.served, tc.seen)
		}
	}
}
