package gateway

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// TestCrossDomain follows Learn, "Allow cross-domain calls"
// (https://learn.microsoft.com/azure/api-management/cross-domain-policy):
// the global policy's <cross-domain> holds an Adobe cross-domain policy
// file (Learn's example), which Flash clients fetch at /crossdomain.xml
// (Adobe's specification names that path and the
// text/x-cross-domain-policy type). Other requests pass through.
func TestCrossDomain(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	svc := &apim.Service{
		Policy: doc(apim.ScopeGlobal, `<policies><inbound><cross-domain><cross-domain-policy><allow-http-request-headers-from domain='*' headers='*' /></cross-domain-policy></cross-domain></inbound><backend><forward-request /></backend><outbound /><on-error /></policies>`),
		APIs:   []*apim.API{apiWith("/a", be.URL, "")},
	}
	_, front := startGateway(t, svc, Options{})
	tests := []struct {
		method, path string
		status       int
		ctype, body  string
	}{
		{"GET", "/crossdomain.xml", 200, crossDomainContentType, "<?xml version=\"1.0\"?>\n<cross-domain-policy>\n  <allow-http-request-headers-from domain=\"*\" headers=\"*\"/>\n</cross-domain-policy>\n"},
		{"HEAD", "/crossdomain.xml", 200, crossDomainContentType, ""},
		{"POST", "/crossdomain.xml", 404, "", ""},
		{"GET", "/a/crossdomain.xml", 200, "", ""}, // the API's own path: its backend answers
		{"GET", "/other.xml", 404, "", ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, front.URL+tt.path, nil)
		resp, err := testClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		_, _ = io.Copy(&sb, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s: status %d (%s), want %d", tt.method, tt.path, resp.StatusCode, resp.Header.Get(HeaderReason), tt.status)
			continue
		}
		if tt.ctype != "" && resp.Header.Get("Content-Type") != tt.ctype {
			t.Errorf("%s %s: Content-Type %q, want %q", tt.method, tt.path, resp.Header.Get("Content-Type"), tt.ctype)
		}
		if tt.ctype != "" && sb.String() != tt.body {
			t.Errorf("%s %s: body %q, want %q", tt.method, tt.path, sb.String(), tt.body)
		}
		if tt.path == "/a/crossdomain.xml" && resp.Header.Get("X-Served-By") != "be" {
			t.Errorf("GET /a/crossdomain.xml was not forwarded (X-Served-By %q)", resp.Header.Get("X-Served-By"))
		}
	}
}

// TestCrossDomainLoadErrors: the content must be one cross-domain-policy
// element, reported with its position otherwise.
func TestCrossDomainLoadErrors(t *testing.T) {
	for _, content := range []string{``, `<allow-access-from domain="*" />`} {
		svc := &apim.Service{Policy: doc(apim.ScopeGlobal, `<policies><inbound><cross-domain>`+content+`</cross-domain></inbound><backend /><outbound /><on-error /></policies>`)}
		_, err := New(svc, Options{})
		if err == nil || !strings.Contains(err.Error(), "global.xml:1:") || !strings.Contains(err.Error(), "cross-domain-policy") {
			t.Errorf("%q: New = %v, want a positioned error", content, err)
		}
	}
}
