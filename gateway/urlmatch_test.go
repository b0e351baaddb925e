package gateway

import (
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
)

func TestBackendEntityMatchedByURL(t *testing.T) {
	clock := newFakeClock()
	be := newFakeBackend(t, "orders", 500)
	// The entity's URL differs from the references only in case, default
	// port and trailing slash.
	entityURL := strings.Replace(be.URL, "http://", "HTTP://", 1) + "/api/"
	b := single("orders-entity", entityURL)
	b.CircuitBreaker = countBreaker(1, time.Minute)
	b.Credentials = &apim.Credentials{Query: []apim.KeyValues{{Name: "code", Values: []apim.Field[string]{known("k")}}}}
	svc := &apim.Service{
		Backends: []*apim.Backend{b},
		APIs: []*apim.API{
			{Name: "svcurl", Path: known("svcurl"), ServiceURL: known(be.URL + "/api")},
			apiWith("/baseurl", "", `<set-backend-service base-url="`+be.URL+`/api" />`),
			apiWith("/exprurl", "", `<set-backend-service base-url="@(&quot;`+be.URL+`/api&quot;)" />`),
			apiWith("/other", "", `<set-backend-service base-url="`+be.URL+`/elsewhere" />`),
		},
	}
	_, front := startGateway(t, svc, Options{Clock: clock})
	for _, path := range []string{"/svcurl/x", "/baseurl/x", "/exprurl/x"} {
		t.Run(strings.Trim(path, "/x"), func(t *testing.T) {
			// The entity's breaker is shared: the first call's 500 trips it.
			code, h, _ := get(t, front.URL+path, nil)
			if path == "/svcurl/x" {
				if code != 500 || h.Get(HeaderBackend) != "orders-entity" || h.Get("X-Seen-Query") != "code=k" {
					t.Fatalf("first call: %d from %q query %q, want 500 from the entity with its credentials", code, h.Get(HeaderBackend), h.Get("X-Seen-Query"))
				}
				return
			}
			if code != 503 || h.Get(HeaderReason) != ReasonBreakerOpen {
				t.Fatalf("%s: %d reason %q, want 503 %s (the entity's open breaker)", path, code, h.Get(HeaderReason), ReasonBreakerOpen)
			}
		})
	}
	// A URL that matches no entity is an ad hoc target: no breaker, no credentials.
	code, h, _ := get(t, front.URL+"/other/x", nil)
	if code != 500 || h.Get("X-Seen-Query") != "" || h.Get("X-Seen-Path") != "/elsewhere/x" {
		t.Errorf("unmatched base-url: %d query %q path %q", code, h.Get("X-Seen-Query"), h.Get("X-Seen-Path"))
	}
	if be.hits.Load() != 2 {
		t.Errorf("backend hits = %d, want 2", be.hits.Load())
	}
}

func TestBaseURLCannotOverrideInheritedBackendID(t *testing.T) {
	byID := newFakeBackend(t, "by-id", 200)
	byURL := newFakeBackend(t, "by-url", 200)
	api := func(name, apiInbound, opInbound string) *apim.API {
		a := &apim.API{Name: name, Path: known(name),
			Policy:     doc(apim.ScopeAPI, `<policies><inbound><base />`+apiInbound+`</inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`),
			Operations: []*apim.Operation{{Name: "op", Method: known("GET"), URLTemplate: known("/x")}}}
		if opInbound != "" {
			a.Operations[0].Policy = doc(apim.ScopeOperation, `<policies><inbound><base />`+opInbound+`</inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`)
		}
		return a
	}
	idStep := `<set-backend-service backend-id="b" />`
	urlStep := `<set-backend-service base-url="` + byURL.URL + `" />`
	svc := &apim.Service{
		Backends: []*apim.Backend{single("b", byID.URL), single("b2", byID.URL+"/two")},
		APIs: []*apim.API{
			api("inherited", idStep, urlStep),                                     // API backend-id, operation base-url: ignored
			api("same-scope", idStep+urlStep, ""),                                 // both at API scope: base-url wins
			api("by-id-again", idStep, `<set-backend-service backend-id="b2" />`), // backend-id overrides backend-id
			api("url-first", urlStep, ""),                                         // base-url alone
			api("url-then-id", urlStep, idStep),                                   // an inner backend-id overrides an outer base-url
		},
	}
	_, front := startGateway(t, svc, Options{})
	tests := []struct {
		path, wantBackend, wantPath string
	}{
		{"/inherited/x", "b", "/x"},
		{"/same-scope/x", strings.TrimPrefix(byURL.URL, "http://"), "/x"},
		{"/by-id-again/x", "b2", "/two/x"},
		{"/url-first/x", strings.TrimPrefix(byURL.URL, "http://"), "/x"},
		{"/url-then-id/x", "b", "/x"},
	}
	for _, tt := range tests {
		code, h, _ := get(t, front.URL+tt.path, nil)
		if code != 200 || h.Get(HeaderBackend) != tt.wantBackend || h.Get("X-Seen-Path") != tt.wantPath {
			t.Errorf("%s: %d from %q path %q, want 200 from %q path %q", tt.path, code, h.Get(HeaderBackend), h.Get("X-Seen-Path"), tt.wantBackend, tt.wantPath)
		}
	}
}
