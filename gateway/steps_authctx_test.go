package gateway

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// TestGetAuthorizationContext follows Learn, "Get authorization context"
// (https://learn.microsoft.com/azure/api-management/get-authorization-context-policy):
// its examples "Get token back", "Get token back with dynamically set
// attributes" and "Attach the token to the backend call"; ignore-error
// true assigns null, false answers 500. The token is apimlab's fake
// (Options.AuthorizationToken), as for authentication-managed-identity.
func TestGetAuthorizationContext(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("backend saw " + r.Header.Get("Authorization")))
	}))
	t.Cleanup(be.Close)
	const tokenBack = `<return-response><set-status code="200" /><set-body template="none">@(((Authorization)context.Variables.GetValueOrDefault("auth-context"))?.AccessToken)</set-body></return-response>`
	const dynamic = `<get-authorization-context provider-id="@(context.Request.Url.Query.GetValueOrDefault(&quot;authorizationProviderId&quot;))" authorization-id="@(context.Request.Url.Query.GetValueOrDefault(&quot;authorizationId&quot;))" context-variable-name="auth-context" ignore-error="%s" identity-type="managed" />`
	tests := []struct {
		name, inbound, query, token string
		status                      int
		body                        string
	}{
		{"get token back", `<get-authorization-context provider-id="github-01" authorization-id="auth-01" context-variable-name="auth-context" identity-type="managed" ignore-error="false" />` + tokenBack,
			"", "", 200, DefaultAuthorizationToken},
		{"configured token", `<get-authorization-context provider-id="github-01" authorization-id="auth-01" context-variable-name="auth-context" />` + tokenBack,
			"", "tok-42", 200, "tok-42"},
		{"dynamic attributes", strings.Replace(dynamic, "%s", "false", 1) + tokenBack,
			"?authorizationProviderId=github-01&authorizationId=auth-01", "", 200, DefaultAuthorizationToken},
		{"connection missing: 500", strings.Replace(dynamic, "%s", "false", 1) + tokenBack,
			"?authorizationProviderId=github-01", "", 500, ""},
		{"connection missing, ignore-error: null", strings.Replace(dynamic, "%s", "true", 1) + tokenBack,
			"?authorizationProviderId=github-01", "", 200, ""},
		{"jwt identity missing: 500", `<get-authorization-context provider-id="p" authorization-id="a" context-variable-name="auth-context" identity-type="jwt" />` + tokenBack,
			"", "", 500, ""},
		{"jwt identity given", `<get-authorization-context provider-id="p" authorization-id="a" context-variable-name="auth-context" identity-type="jwt" identity="@(context.Request.Headers.GetValueOrDefault(&quot;X-Id&quot;, &quot;&quot;))" />` + tokenBack,
			"", "", 200, DefaultAuthorizationToken},
		{"attach the token to the backend call", `<get-authorization-context provider-id="github-01" authorization-id="auth-01" context-variable-name="auth-context" identity-type="managed" ignore-error="false" /><set-header name="Authorization" exists-action="override"><value>@("Bearer " + ((Authorization)context.Variables.GetValueOrDefault("auth-context"))?.AccessToken)</value></set-header>`,
			"", "", 200, "backend saw Bearer " + DefaultAuthorizationToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := &apim.Service{APIs: []*apim.API{apiWith("/a", be.URL, tt.inbound)}}
			_, front := startGateway(t, svc, Options{AuthorizationToken: tt.token})
			status, h, body := get(t, front.URL+"/a/x"+tt.query, map[string]string{"X-Id": "eyJ.fake.jwt"})
			if status != tt.status {
				t.Fatalf("status %d (%s: %s), want %d", status, h.Get(HeaderReason), body, tt.status)
			}
			if status == 500 {
				if h.Get(HeaderReason) != ReasonAuthorizationContext {
					t.Errorf("reason %q, want %q", h.Get(HeaderReason), ReasonAuthorizationContext)
				}
				return
			}
			if body != tt.body {
				t.Errorf("body %q, want %q", body, tt.body)
			}
		})
	}
}

// TestGetAuthorizationContextLoadErrors: the required attributes and the
// literal identity-type are checked at load, with the position.
func TestGetAuthorizationContextLoadErrors(t *testing.T) {
	tests := []struct{ inbound, want string }{
		{`<get-authorization-context provider-id="p" authorization-id="a" />`, `api.xml:1:`},
		{`<get-authorization-context provider-id="p" authorization-id="a" context-variable-name="v" identity-type="user" />`, `identity-type "user"`},
	}
	for _, tt := range tests {
		svc := &apim.Service{APIs: []*apim.API{apiWith("/a", "http://127.0.0.1:1", tt.inbound)}}
		_, err := New(svc, Options{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New = %v, want an error containing %q", tt.inbound, err, tt.want)
		}
	}
}
