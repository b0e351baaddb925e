package gateway

import (
	"net/http"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// TestIPFilter follows Learn, "Restrict caller IPs" (ip-filter): action
// allow admits only the listed addresses and ranges, forbid refuses them;
// a refused caller gets 403 and on-error sees the error. The test client
// calls from 127.0.0.1.
func TestIPFilter(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	tests := []struct {
		name, filter string
		status       int
	}{
		{"allow listed address", `<ip-filter action="allow"><address>127.0.0.1</address></ip-filter>`, 200},
		{"allow in range", `<ip-filter action="allow"><address-range from="127.0.0.0" to="127.0.0.9" /></ip-filter>`, 200},
		{"allow, not listed", `<ip-filter action="allow"><address>13.66.201.169</address><address-range from="13.66.140.128" to="13.66.140.143" /></ip-filter>`, 403},
		{"forbid listed", `<ip-filter action="forbid"><address>127.0.0.1</address></ip-filter>`, 403},
		{"forbid others", `<ip-filter action="forbid"><address-range from="10.0.0.0" to="10.255.255.255" /></ip-filter>`, 200},
		{"address from an expression", `<ip-filter action="allow"><address>@("127.0.0." + "1")</address></ip-filter>`, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := &apim.Service{APIs: []*apim.API{apiWith("/a", be.URL, tt.filter)}}
			_, front := startGateway(t, svc, Options{})
			status, h, body := get(t, front.URL+"/a/x", nil)
			if status != tt.status {
				t.Fatalf("status %d, want %d (%s)", status, tt.status, body)
			}
			if status == 403 && (h.Get(HeaderReason) != ReasonCallerIPNotAllowed || !strings.Contains(body, "127.0.0.1")) {
				t.Errorf("reason %q body %q", h.Get(HeaderReason), body)
			}
		})
	}
}

// TestCheckHeader follows Learn, "Check HTTP header": a missing header or
// a value not listed answers failed-check-httpcode with
// failed-check-error-message; ignore-case compares values without case.
func TestCheckHeader(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	const policy = `<check-header name="Authorization" failed-check-httpcode="401" failed-check-error-message="Not authorized" ignore-case="%s"><value>f6dc69a089844cf6b2019bae6d36fac8</value><value>TokenB</value></check-header>`
	tests := []struct {
		name, ignoreCase, header string
		status                   int
		reason                   string
	}{
		{"listed value", "false", "f6dc69a089844cf6b2019bae6d36fac8", 200, ""},
		{"missing header", "false", "", 401, ReasonHeaderNotFound},
		{"wrong value", "false", "nope", 401, ReasonHeaderValue},
		{"case differs", "false", "tokenb", 401, ReasonHeaderValue},
		{"case ignored", "true", "tokenb", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := &apim.Service{APIs: []*apim.API{apiWith("/a", be.URL, strings.Replace(policy, "%s", tt.ignoreCase, 1))}}
			_, front := startGateway(t, svc, Options{})
			var h map[string]string
			if tt.header != "" {
				h = map[string]string{"Authorization": tt.header}
			}
			status, hdr, body := get(t, front.URL+"/a/x", h)
			if status != tt.status || hdr.Get(HeaderReason) != tt.reason {
				t.Fatalf("%d %q, want %d %q", status, hdr.Get(HeaderReason), tt.status, tt.reason)
			}
			if status == http.StatusUnauthorized && !strings.Contains(body, `"Not authorized"`) {
				t.Errorf("body %q", body)
			}
		})
	}
}
