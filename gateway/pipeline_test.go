package gateway

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// echoService is one API "/e" forwarding to backend with the given full
// API policy.
func echoService(backendURL, policyXML string) *apim.Service {
	return &apim.Service{
		Backends: []*apim.Backend{single("echo", backendURL)},
		APIs: []*apim.API{{Name: "e", Path: known("e"), ServiceURL: known(backendURL + "/base"),
			Policy: doc(apim.ScopeAPI, policyXML)}},
	}
}

func TestPolicies(t *testing.T) {
	be := newFakeBackend(t, "echo", 200)
	tests := []struct {
		name   string
		policy string
		path   string
		hdr    map[string]string
		check  func(t *testing.T, code int, h http.Header, body string)
	}{
		{
			name:   "serviceUrl plus operation path",
			policy: `<policies><inbound><base /></inbound><backend><base /></backend><outbound><base /></outbound></policies>`,
			path:   "/e/items/7?q=1",
			check: func(t *testing.T, code int, h http.Header, _ string) {
				if code != 200 || h.Get("X-Seen-Path") != "/base/items/7" || h.Get("X-Seen-Query") != "q=1" {
					t.Errorf("got %d path %q query %q", code, h.Get("X-Seen-Path"), h.Get("X-Seen-Query"))
				}
			},
		},
		{
			name: "set-header exists-action and outbound header",
			policy: `<policies><inbound><base />
<set-header name="x-keep" exists-action="skip"><value>new</value></set-header>
<set-header name="x-add" exists-action="append"><value>b</value></set-header>
</inbound><backend><base /></backend>
<outbound><base /><set-header name="X-Out" exists-action="override"><value>@(context.Response.StatusCode.ToString())</value></set-header>
<set-header name="X-Served-By" exists-action="delete" /></outbound></policies>`,
			path: "/e/",
			hdr:  map[string]string{"X-Keep": "old", "X-Add": "a"},
			check: func(t *testing.T, code int, h http.Header, _ string) {
				if h.Get("X-Out") != "200" || h.Get("X-Served-By") != "" {
					t.Errorf("outbound headers: X-Out %q X-Served-By %q", h.Get("X-Out"), h.Get("X-Served-By"))
				}
			},
		},
		{
			name: "rewrite-uri and set-query-parameter",
			policy: `<policies><inbound><base /><set-backend-service backend-id="echo" />
<rewrite-uri template="/v2/things?x=1" />
<set-query-parameter name="k" exists-action="override"><value>v</value></set-query-parameter></inbound>
<backend><base /></backend><outbound><base /></outbound></policies>`,
			path: "/e/old?keep=yes",
			check: func(t *testing.T, code int, h http.Header, _ string) {
				if h.Get("X-Seen-Path") != "/v2/things" || h.Get("X-Seen-Query") != "k=v&keep=yes&x=1" {
					t.Errorf("path %q query %q", h.Get("X-Seen-Path"), h.Get("X-Seen-Query"))
				}
			},
		},
		{
			name: "choose and return-response",
			policy: `<policies><inbound><base /><set-variable name="n" value="@(context.Request.Headers.GetValueOrDefault(&quot;X-N&quot;, &quot;0&quot;))" />
<choose><when condition="@((string)context.Variables[&quot;n&quot;] == &quot;1&quot;)">
<return-response><set-status code="418" reason="Teapot" /><set-header name="X-R" exists-action="override"><value>yes</value></set-header><set-body>short</set-body></return-response>
</when></choose></inbound><backend><base /></backend><outbound><set-header name="X-Outbound" exists-action="override"><value>ran</value></set-header></outbound></policies>`,
			path: "/e/",
			hdr:  map[string]string{"X-N": "1"},
			check: func(t *testing.T, code int, h http.Header, body string) {
				if code != 418 || h.Get("X-R") != "yes" || body != "short" || h.Get("X-Outbound") != "" || h.Get(HeaderBackend) != "none" {
					t.Errorf("got %d X-R %q body %q outbound %q backend %q", code, h.Get("X-R"), body, h.Get("X-Outbound"), h.Get(HeaderBackend))
				}
			},
		},
		{
			name:   "mock-response",
			policy: `<policies><inbound><mock-response status-code="202" content-type="text/plain" /></inbound><backend><base /></backend><outbound /></policies>`,
			path:   "/e/",
			check: func(t *testing.T, code int, h http.Header, _ string) {
				if code != 202 || h.Get("Content-Type") != "text/plain" {
					t.Errorf("got %d %q", code, h.Get("Content-Type"))
				}
			},
		},
		{
			name:   "mock-response without content-type",
			policy: `<policies><inbound><mock-response /></inbound><backend><base /></backend><outbound /></policies>`,
			path:   "/e/",
			check: func(t *testing.T, code int, h http.Header, body string) {
				if _, has := h["Content-Type"]; code != 200 || has || body != "" {
					t.Errorf("got %d Content-Type %q body %q, want 200 with no Content-Type (Learn: default None) and no body", code, h.Get("Content-Type"), body)
				}
			},
		},
		{
			name: "outbound set-status and set-body",
			policy: `<policies><inbound><base /></inbound><backend><base /></backend>
<outbound><set-status code="201" /><set-body>@("replaced " + context.Response.StatusCode)</set-body></outbound></policies>`,
			path: "/e/",
			check: func(t *testing.T, code int, _ http.Header, body string) {
				if code != 201 || body != "replaced 201" {
					t.Errorf("got %d %q", code, body)
				}
			},
		},
		{
			name: "on-error sees LastError of a bad backend-id expression",
			policy: `<policies><inbound><set-backend-service backend-id="@(&quot;missing&quot;)" /></inbound><backend><base /></backend><outbound />
<on-error><return-response><set-status code="599" /><set-body>@(context.LastError.Source + "|" + context.LastError.Reason + "|" + context.LastError.Section)</set-body></return-response></on-error></policies>`,
			path: "/e/",
			check: func(t *testing.T, code int, _ http.Header, body string) {
				if want := "set-backend-service|" + ReasonBackendNotFound + "|inbound"; code != 599 || body != want {
					t.Errorf("got %d %q, want 599 %q", code, body, want)
				}
			},
		},
		{
			name: "authentication-basic and managed identity",
			policy: `<policies><inbound><authentication-managed-identity resource="https://x" output-token-variable-name="tok" />
<authentication-basic username="u" password="p" />
<set-header name="X-Tok" exists-action="override"><value>@((string)context.Variables["tok"])</value></set-header></inbound><backend><base /></backend>
<outbound><set-header name="X-Auth" exists-action="override"><value>@(context.Request.Headers.GetValueOrDefault("Authorization",""))</value></set-header></outbound></policies>`,
			path: "/e/",
			check: func(t *testing.T, code int, h http.Header, _ string) {
				if h.Get("X-Auth") != "Basic dTpw" {
					t.Errorf("Authorization %q", h.Get("X-Auth"))
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, front := startGateway(t, echoService(be.URL, tt.policy), Options{})
			code, h, body := get(t, front.URL+tt.path, tt.hdr)
			tt.check(t, code, h, body)
		})
	}
}

func TestRouting(t *testing.T) {
	be := newFakeBackend(t, "echo", 200)
	svc := &apim.Service{APIs: []*apim.API{{
		Name: "users", Path: known("users"), ServiceURL: known(be.URL),
		Operations: []*apim.Operation{
			{Name: "get", Method: known("GET"), URLTemplate: known("/{id}")},
			{Name: "me", Method: known("GET"), URLTemplate: known("/me")},
			{Name: "files", Method: known("GET"), URLTemplate: known("/{id}/files/{*rest}")},
		},
		Policy: doc(apim.ScopeAPI, `<policies><inbound><base /></inbound><backend><base /></backend>
<outbound><set-header name="X-Op" exists-action="override"><value>@(context.Operation.Id)</value></set-header></outbound>
<on-error><set-header name="X-Err" exists-action="override"><value>@(context.LastError.Reason)</value></set-header></on-error></policies>`),
	}}}
	_, front := startGateway(t, svc, Options{})
	tests := []struct {
		method, path string
		code         int
		op, reason   string
	}{
		{"GET", "/users/42", 200, "get", ""},
		{"GET", "/users/me", 200, "me", ""},
		{"GET", "/USERS/me", 200, "me", ""},
		{"GET", "/users/42/files/a/b.txt", 200, "files", ""},
		{"POST", "/users/42", 404, "", ReasonOperationNotFound},
		{"GET", "/nope", 404, "", ReasonAPINotFound},
		{"GET", "/usersx/1", 404, "", ReasonAPINotFound},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, front.URL+tt.path, nil)
		resp, err := testClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.code || resp.Header.Get("X-Op") != tt.op || resp.Header.Get(HeaderReason) != tt.reason {
			t.Errorf("%s %s: %d op %q reason %q, want %d %q %q", tt.method, tt.path, resp.StatusCode, resp.Header.Get("X-Op"), resp.Header.Get(HeaderReason), tt.code, tt.op, tt.reason)
		}
		if tt.reason == ReasonOperationNotFound && resp.Header.Get("X-Err") != tt.reason {
			t.Errorf("%s %s: API on-error did not run (X-Err %q)", tt.method, tt.path, resp.Header.Get("X-Err"))
		}
	}
}

func TestCredentialsInjection(t *testing.T) {
	be := newFakeBackend(t, "echo", 200)
	b := single("c", be.URL)
	b.Credentials = &apim.Credentials{
		Query: []apim.KeyValues{{Name: "code", Values: []apim.Field[string]{known("s3cret")}}},
	}
	svc := &apim.Service{Backends: []*apim.Backend{b}, APIs: []*apim.API{apiWith("/c", "", `<set-backend-service backend-id="c" />`)}}
	_, front := startGateway(t, svc, Options{})
	_, h, _ := get(t, front.URL+"/c/x?a=1", nil)
	if got := h.Get("X-Seen-Query"); got != "a=1&code=s3cret" {
		t.Errorf("backend query %q", got)
	}
}

func TestForwardTimeout(t *testing.T) {
	release := make(chan struct{})
	slow := httptestServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	svc := echoService(slow.URL, `<policies><inbound /><backend><forward-request timeout-ms="20" /></backend><outbound /></policies>`)
	_, front := startGateway(t, svc, Options{})
	code, h, _ := get(t, front.URL+"/e/", nil)
	if code != 504 || h.Get(HeaderReason) != ReasonTimeout {
		t.Errorf("got %d %q, want 504 %s", code, h.Get(HeaderReason), ReasonTimeout)
	}
}

func TestUnemulatedPolicies(t *testing.T) {
	xml := `<policies><inbound><base />
  <llm-content-safety backend-id="cs" />
  <set-heder name="x" /></inbound><backend><base /></backend><outbound />
  <on-error><llm-content-safety backend-id="cs" /></on-error></policies>`
	svc := echoService("http://127.0.0.1:1", xml)
	_, err := New(svc, Options{})
	if !errors.Is(err, ErrConfig) {
		t.Fatalf("New: %v, want ErrConfig", err)
	}
	for _, want := range []string{"api.xml:2:3: <llm-content-safety>", "(2 uses; also at api.xml:4:13)", "nothing is blocked with 403", "api.xml:3:3", "did you mean <set-header>"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	// One message per policy name, however many uses.
	if n := strings.Count(err.Error(), "<llm-content-safety>"); n != 1 {
		t.Errorf("llm-content-safety reported %d times, want once: %v", n, err)
	}
	g, err := New(svc, Options{AllowUnemulated: true})
	if err != nil {
		t.Fatalf("with AllowUnemulated: %v", err)
	}
	defer g.Close()
	ne := g.NotEmulated()
	if len(ne) != 2 || ne[0].Policy != "llm-content-safety" || len(ne[0].Positions) != 2 || ne[1].Policy != "set-heder" {
		t.Errorf("NotEmulated = %+v", ne)
	}
}

func TestConfigErrorsNamePositions(t *testing.T) {
	b := single("b", "")
	b.URL = apim.Field[string]{Set: true, Pos: apim.Position{File: "t.json", Line: 9, Col: 12}}.WithUnknown("parameter x has no value")
	svc := &apim.Service{Backends: []*apim.Backend{b}, APIs: []*apim.API{apiWith("/a", "", `<set-backend-service backend-id="nope" />`)}}
	_, err := New(svc, Options{})
	if err == nil {
		t.Fatal("New accepted a broken configuration")
	}
	for _, want := range []string{"t.json:9:12", `no backend "nope"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// TestForwardTimeoutAfterTimeout checks the wall-clock timer an exchange
// re-arms for every attempt (attempt_timer.go): after an attempt timed out,
// the next requests, served by the same pooled exchanges, are neither
// marked timed out by the previous firing nor left without a timeout.
func TestForwardTimeoutAfterTimeout(t *testing.T) {
	release := make(chan struct{})
	backend := httptestServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/slow") {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		_, _ = io.WriteString(w, "fast")
	}))
	defer backend.Close()
	defer close(release)
	svc := echoService(backend.URL, `<policies><inbound /><backend><forward-request timeout-ms="250" /></backend><outbound /></policies>`)
	_, front := startGateway(t, svc, Options{})
	for i := range 3 {
		if code, h, _ := get(t, front.URL+"/e/slow", nil); code != 504 || h.Get(HeaderReason) != ReasonTimeout {
			t.Errorf("round %d, slow: got %d %q, want 504 %s", i, code, h.Get(HeaderReason), ReasonTimeout)
		}
		if code, h, body := get(t, front.URL+"/e/fast", nil); code != 200 || body != "fast" {
			t.Errorf("round %d, fast: got %d %q %q, want 200 fast", i, code, h.Get(HeaderReason), body)
		}
	}
}
