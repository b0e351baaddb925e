package gateway

import (
	"net/http"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// op builds an operation.
func op(name, method, tmpl string) *apim.Operation {
	return &apim.Operation{Name: name, Method: known(method), URLTemplate: known(tmpl)}
}

// TestWildcardOperations: APIM's "/*" operation template matches any path
// below the API, of any depth (Learn, "Import an API … wildcard
// operations": a "/*" operation with method "*" serves every call).
func TestWildcardOperations(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	a := apiWith("/shop", be.URL, "")
	a.Operations = []*apim.Operation{
		op("all-get", "GET", "/*"),
		op("item", "GET", "/items/{id}"),
		op("users-any", "POST", "/users/*"),
	}
	a.Policy = doc(apim.ScopeAPI, `<policies><inbound><base/><set-header name="x-op" exists-action="override"><value>@(context.Operation.Id)</value></set-header></inbound><backend><base/></backend><outbound><base/><set-header name="x-op" exists-action="override"><value>@(context.Operation.Id)</value></set-header></outbound><on-error><base/></on-error></policies>`)
	_, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, Options{})
	tests := []struct {
		method, path string
		status       int
		op           string
	}{
		{"GET", "/shop", 200, "all-get"},
		{"GET", "/shop/", 200, "all-get"},
		{"GET", "/shop/a", 200, "all-get"},
		{"GET", "/shop/a/b/c", 200, "all-get"},
		{"GET", "/shop/items/7", 200, "item"}, // a literal segment is more specific than "*"
		{"POST", "/shop/users/1/roles", 200, "users-any"},
		{"POST", "/shop/users", 200, "users-any"},
		{"POST", "/shop/other", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, front.URL+tt.path, nil)
			resp, err := testClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (reason %q)", resp.StatusCode, tt.status, resp.Header.Get(HeaderReason))
			}
			if got := resp.Header.Get("x-op"); got != tt.op {
				t.Errorf("operation %q, want %q", got, tt.op)
			}
			// The backend gets the path after the API prefix.
			want := strings.TrimPrefix(tt.path, "/shop")
			if want == "" {
				want = "/"
			}
			if tt.status == 200 && resp.Header.Get("X-Seen-Path") != want {
				t.Errorf("backend saw %q, want %q", resp.Header.Get("X-Seen-Path"), want)
			}
		})
	}
}

// TestRevisionRouting follows Learn, "Revisions in Azure API Management":
// "Append ;rev={revisionNumber} at the end of your API URL, but before the
// query string, to access a specific revision", e.g.
// https://apis.contoso.com/customers;rev=3/leads?customerId=123; the current
// revision serves "all API requests that don't specify an explicit revision
// number".
func TestRevisionRouting(t *testing.T) {
	v1 := newFakeBackend(t, "rev1", 200)
	v3 := newFakeBackend(t, "rev3", 200)
	cur := &apim.API{Name: "customers", Path: known("customers"), ServiceURL: known(v1.URL), APIRevision: known("1"), IsCurrent: known(true),
		Operations: []*apim.Operation{op("leads", "GET", "/leads")}}
	rev3 := &apim.API{Name: "customers;rev=3", Path: known("customers"), ServiceURL: known(v3.URL), APIRevision: known("3"), IsCurrent: known(false),
		Operations: []*apim.Operation{op("leads", "GET", "/leads")}}
	// A revision without apiRevision takes its number from its name.
	rev4 := &apim.API{Name: "customers;rev=4", Path: known("customers"), ServiceURL: known(v3.URL),
		Operations: []*apim.Operation{op("leads", "GET", "/leads")}}
	_, front := startGateway(t, &apim.Service{APIs: []*apim.API{rev3, cur, rev4}}, Options{})
	tests := []struct {
		path, backend, seen string
		status              int
	}{
		{"/customers/leads?customerId=123", "rev1", "/leads", 200},
		{"/customers;rev=3/leads?customerId=123", "rev3", "/leads", 200},
		{"/customers;rev=4/leads", "rev3", "/leads", 200},
		{"/customers;rev=1/leads", "rev1", "/leads", 200},
		{"/customers;rev=9/leads", "", "", 404},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			status, h, body := get(t, front.URL+tt.path, nil)
			if status != tt.status {
				t.Fatalf("status %d, want %d (%s)", status, tt.status, h.Get(HeaderReason))
			}
			if tt.status != 200 {
				if h.Get(HeaderReason) != ReasonAPINotFound {
					t.Errorf("reason %q, want %s", h.Get(HeaderReason), ReasonAPINotFound)
				}
				return
			}
			if body != tt.backend || h.Get("X-Seen-Path") != tt.seen {
				t.Errorf("served by %q at %q, want %q at %q", body, h.Get("X-Seen-Path"), tt.backend, tt.seen)
			}
			if strings.Contains(tt.path, "?") && h.Get("X-Seen-Query") != "customerId=123" {
				t.Errorf("query %q", h.Get("X-Seen-Query"))
			}
		})
	}
}

// TestVersionRouting follows Learn, "Versions in Azure API Management":
// path-based "https://{yourDomain}/{apiName}/{versionIdentifier}/{operationId}",
// header-based (a header named by the version set, e.g. Api-Version), and
// query-based "https://{yourDomain}/{apiName}/{operationId}?{queryStringParameterName}={versionIdentifier}";
// the original version is called without a version identifier.
func TestVersionRouting(t *testing.T) {
	orig := newFakeBackend(t, "original", 200)
	b1 := newFakeBackend(t, "v1", 200)
	b2 := newFakeBackend(t, "v2", 200)
	versioned := func(name, path, set, version, url string) *apim.API {
		a := &apim.API{Name: name, Path: known(path), ServiceURL: known(url), APIVersion: known(version), VersionSetID: known(set),
			Operations: []*apim.Operation{op("list", "GET", "/list")}}
		return a
	}
	svc := &apim.Service{
		VersionSets: []*apim.VersionSet{
			{Name: "products-set", Scheme: known("Segment")},
			{Name: "orders-set", Scheme: known("Header"), HeaderName: known("Api-Version")},
			{Name: "users-set", Scheme: known("Query"), QueryName: known("api-version")},
		},
		APIs: []*apim.API{
			versioned("products", "products", "products-set", "", orig.URL),
			versioned("products-v1", "products", "products-set", "v1", b1.URL),
			versioned("products-v2", "products", "products-set", "v2", b2.URL),
			versioned("orders-v1", "orders", "orders-set", "v1", b1.URL),
			versioned("orders-v2", "orders", "orders-set", "v2", b2.URL),
			versioned("users-v1", "users", "users-set", "v1", b1.URL),
			versioned("users-2024", "users", "users-set", "2024-01-01", b2.URL),
		},
	}
	_, front := startGateway(t, svc, Options{})
	tests := []struct {
		name, path, header, backend string
		status                      int
	}{
		{"segment v1", "/products/v1/list", "", "v1", 200},
		{"segment v2", "/products/v2/list", "", "v2", 200},
		{"segment original", "/products/list", "", "original", 200},
		{"segment unknown version is no operation of the original", "/products/v9/list", "", "", 404},
		{"header v2", "/orders/list", "v2", "v2", 200},
		{"header v1", "/orders/list", "v1", "v1", 200},
		{"header missing", "/orders/list", "", "", 404},
		{"header unknown", "/orders/list", "v7", "", 404},
		{"query v1", "/users/list?api-version=v1", "", "v1", 200},
		{"query date", "/users/list?api-version=2024-01-01", "", "v2", 200},
		{"query missing", "/users/list", "", "", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h map[string]string
			if tt.header != "" {
				h = map[string]string{"Api-Version": tt.header}
			}
			status, hdr, body := get(t, front.URL+tt.path, h)
			if status != tt.status {
				t.Fatalf("status %d, want %d (%s)", status, tt.status, hdr.Get(HeaderReason))
			}
			if status == 200 && (body != tt.backend || hdr.Get("X-Seen-Path") != "/list") {
				t.Errorf("served by %q at %q, want %q at /list", body, hdr.Get("X-Seen-Path"), tt.backend)
			}
		})
	}
}

// TestRoutingConfigErrors: APIs that cannot share a path are refused with
// their position.
func TestRoutingConfigErrors(t *testing.T) {
	pos := apim.Position{File: "apis.json", Line: 4, Col: 2}
	tests := []struct {
		name string
		svc  *apim.Service
		want string
	}{
		{"same path twice", &apim.Service{APIs: []*apim.API{
			{Name: "a", Path: known("x"), Pos: pos}, {Name: "b", Path: known("x"), Pos: pos}}},
			`apis.json:4:2: API "b": path "/x" is already served by API "a"`},
		{"unknown version set", &apim.Service{APIs: []*apim.API{
			{Name: "a", Path: known("x"), APIVersion: known("v1"), VersionSetID: known("nope"), Pos: pos}}},
			`version set "nope" is not defined`},
		{"header scheme without header name", &apim.Service{VersionSets: []*apim.VersionSet{{Name: "s", Scheme: known("Header")}},
			APIs: []*apim.API{{Name: "a", Path: known("x"), APIVersion: known("v1"), VersionSetID: known("s"), Pos: pos}}},
			`needs versionHeaderName`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.svc, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New: %v, want %q", err, tt.want)
			}
		})
	}
}

// TestWebSocketAPINotEmulated: a WebSocket API (type websocket, wss://
// serviceUrl) does not stop the gateway; its requests answer 501 and the
// other APIs run.
func TestWebSocketAPINotEmulated(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	ws := &apim.API{Name: "chat", Path: known("chat"), Type: known("websocket"), ServiceURL: known("wss://chat.example.com/socket")}
	svc := &apim.Service{APIs: []*apim.API{ws, apiWith("/echo", be.URL, "")}}
	g, front := startGateway(t, svc, Options{})
	if status, h, _ := get(t, front.URL+"/chat", nil); status != http.StatusNotImplemented || h.Get(HeaderReason) != ReasonNotEmulated {
		t.Errorf("websocket API: %d %q, want 501 %s", status, h.Get(HeaderReason), ReasonNotEmulated)
	}
	if status, _, body := get(t, front.URL+"/echo/x", nil); status != 200 || body != "be" {
		t.Errorf("other API: %d %q", status, body)
	}
	ne := g.NotEmulated()
	if len(ne) != 1 || ne[0].Policy != "websocket API" {
		t.Errorf("NotEmulated = %+v", ne)
	}
}

// TestLonePolicyFile: a policy file loaded on its own runs against a
// catch-all API (every path and method), and its unknown elements are
// reported with their positions.
func TestLonePolicyFile(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	lone := doc(apim.ScopeAPI, `<policies><inbound><base/><set-backend-service base-url="`+be.URL+`"/><set-header name="x-lone" exists-action="override"><value>yes</value></set-header></inbound><backend><base/></backend><outbound><base/></outbound><on-error><base/></on-error></policies>`)
	_, front := startGateway(t, &apim.Service{Standalone: []*apim.PolicyDoc{lone}}, Options{})
	for _, p := range []string{"/", "/a/b?x=1"} {
		if status, h, body := get(t, front.URL+p, nil); status != 200 || body != "be" || h.Get("X-Seen-Path") != strings.Split(p, "?")[0] {
			t.Errorf("GET %s: %d %q at %q", p, status, body, h.Get("X-Seen-Path"))
		}
	}
	bad := doc(apim.ScopeAPI, "<policies>\n<inbound><base/><rate-limt calls=\"1\" renewal-period=\"1\"/></inbound></policies>")
	bad.Pos.File = "lone.xml"
	_, err := New(&apim.Service{Standalone: []*apim.PolicyDoc{bad}}, Options{})
	if err == nil || !strings.Contains(err.Error(), "lone.xml:2:") || !strings.Contains(err.Error(), "<rate-limt>: unknown policy element") {
		t.Fatalf("New: %v, want the unknown element with its position", err)
	}
}
