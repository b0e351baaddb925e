package gateway

import (
	"crypto/x509"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/certs"
)

// headerEcho answers every request header as Echo-<Name> (values joined
// with ","), plus Echo-Method, Echo-Length (the request's Content-Length,
// -1 for chunked), Echo-Path and Echo-Query; the body is echoed.
func headerEcho(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range r.Header {
			w.Header().Set("Echo-"+k, strings.Join(v, ","))
		}
		w.Header().Set("Echo-Method", r.Method)
		w.Header().Set("Echo-Length", strconv.FormatInt(r.ContentLength, 10))
		w.Header().Set("Echo-Path", r.URL.Path)
		w.Header().Set("Echo-Query", r.URL.RawQuery)
		_, _ = io.Copy(w, r.Body)
	}))
	t.Cleanup(s.Close)
	return s
}

func TestCredentialHeaders(t *testing.T) {
	be := headerEcho(t)
	tests := []struct {
		name  string
		creds *apim.Credentials
		want  map[string]string
	}{
		{"header with several values", &apim.Credentials{Header: []apim.KeyValues{{Name: "x-api-key", Values: []apim.Field[string]{known("k1"), known("k2")}}}},
			map[string]string{"Echo-X-Api-Key": "k1,k2"}},
		{"authorization scheme and parameter", &apim.Credentials{Authorization: &apim.Authorization{Scheme: known("Basic"), Parameter: known("b3BlbnNlc2FtZQ==")}},
			map[string]string{"Echo-Authorization": "Basic b3BlbnNlc2FtZQ=="}},
		{"managed identity", &apim.Credentials{ManagedIdentity: &apim.ManagedIdentity{}},
			map[string]string{"Echo-Authorization": "Bearer test-token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := single("c", be.URL)
			b.Credentials = tt.creds
			svc := &apim.Service{Backends: []*apim.Backend{b}, APIs: []*apim.API{apiWith("/c", "", `<set-backend-service backend-id="c" />`)}}
			_, front := startGateway(t, svc, Options{ManagedIdentityToken: "test-token"})
			code, h, _ := get(t, front.URL+"/c", map[string]string{"Authorization": "client-value"})
			if code != 200 {
				t.Fatalf("status %d", code)
			}
			for k, v := range tt.want {
				if got := h.Get(k); got != v {
					t.Errorf("backend saw %s = %q, want %q", strings.TrimPrefix(k, "Echo-"), got, v)
				}
			}
		})
	}
}

func TestBackendProxy(t *testing.T) {
	var used atomic.Int64
	var target, auth atomic.Value
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		used.Add(1)
		target.Store(r.URL.String()) // absolute-form request target
		auth.Store(r.Header.Get("Proxy-Authorization"))
		w.Header().Set("X-Via", "test-proxy")
	}))
	defer proxy.Close()
	b := single("p", "http://backend.invalid:8080/api")
	b.Proxy = &apim.Proxy{URL: known(proxy.URL), Username: known("u"), Password: known("pw")}
	svc := &apim.Service{Backends: []*apim.Backend{b}, APIs: []*apim.API{apiWith("/p", "", `<set-backend-service backend-id="p" />`)}}
	_, front := startGateway(t, svc, Options{})
	code, h, _ := get(t, front.URL+"/p/x?q=1", nil)
	if code != 200 || h.Get("X-Via") != "test-proxy" || used.Load() != 1 {
		t.Fatalf("got %d via %q, proxy used %d times; want the proxy to answer", code, h.Get("X-Via"), used.Load())
	}
	if got, want := target.Load(), "http://backend.invalid:8080/api/x?q=1"; got != want {
		t.Errorf("proxy was asked for %q, want %q", got, want)
	}
	if got, want := auth.Load(), "Basic "+base64.StdEncoding.EncodeToString([]byte("u:pw")); got != want {
		t.Errorf("Proxy-Authorization %q, want %q", got, want)
	}
}

func TestCertificateIDsWinOverThumbprints(t *testing.T) {
	p := testPKI(t)
	srv, good := mtlsBackend(t)
	wrong, err := p.ClientWrongCA.PFX(nil, "pw")
	if err != nil {
		t.Fatal(err)
	}
	b := single("mtls", srv.URL)
	// The thumbprint names a certificate the backend rejects; the id wins.
	b.Credentials = &apim.Credentials{
		CertificateIDs: []apim.Field[string]{known("/certificates/good")},
		Certificate:    []apim.Field[string]{known(certs.Thumbprint(p.ClientWrongCA.Cert))},
	}
	svc := &apim.Service{
		Backends: []*apim.Backend{b},
		Certificates: []*apim.Certificate{
			{Name: "good", Data: known(base64.StdEncoding.EncodeToString(good)), Password: known("pw")},
			{Name: "wrong", Data: known(base64.StdEncoding.EncodeToString(wrong)), Password: known("pw")},
		},
		CAStore: []*apim.CACertificate{caEntry(p.Root.Cert)},
		APIs:    []*apim.API{apiWith("/m", "", `<set-backend-service backend-id="mtls" />`)},
	}
	_, front := startGateway(t, svc, Options{})
	code, h, _ := get(t, front.URL+"/m", nil)
	if code != 200 || h.Get("X-Client-Cert") != p.Client.Cert.Subject.CommonName {
		t.Fatalf("got %d, client %q; want 200 with the certificateIds certificate", code, h.Get("X-Client-Cert"))
	}
}

func TestCAFiles(t *testing.T) {
	p := testPKI(t)
	srv := tlsBackend(t, p.Server, nil)
	dir := t.TempDir()
	rootPEM, junk := filepath.Join(dir, "root.pem"), filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(rootPEM, p.Root.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(junk, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	svc := &apim.Service{Backends: []*apim.Backend{single("s", srv.URL)}, APIs: []*apim.API{apiWith("/s", "", `<set-backend-service backend-id="s" />`)}}
	tests := []struct {
		name     string
		files    []string
		wantCode int
		wantErr  string
	}{
		{"root trusted through --ca", []string{rootPEM}, 200, ""},
		{"no --ca", nil, 500, ""},
		{"file without a certificate", []string{junk}, 0, "junk.pem"},
		{"missing file", []string{filepath.Join(dir, "nope.pem")}, 0, "nope.pem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wantErr != "" {
				_, err := New(svc, Options{CAFiles: tt.files})
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New: %v, want an error naming %s", err, tt.wantErr)
				}
				return
			}
			_, front := startGateway(t, svc, Options{CAFiles: tt.files})
			if code, h, _ := get(t, front.URL+"/s", nil); code != tt.wantCode {
				t.Fatalf("status %d (reason %q), want %d", code, h.Get(HeaderReason), tt.wantCode)
			}
		})
	}
}

func TestBreakerAndPoolFailureStatus(t *testing.T) {
	tests := []struct {
		name       string
		pool       bool
		ruleStatus int // rule failureResponse.statusCode, 0 = unset
		wantCode   int
		wantReason string
	}{
		{"single backend, default 503", false, 0, 503, ReasonBreakerOpen},
		{"single backend, rule failureResponse", false, 429, 429, ReasonBreakerOpen},
		{"pool exhausted, default 503", true, 0, 503, ReasonPoolUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			be := newFakeBackend(t, "a", 500)
			b := single("a", be.URL)
			b.CircuitBreaker = countBreaker(1, time.Minute)
			if tt.ruleStatus != 0 {
				b.CircuitBreaker.Rules[0].FailureResponse = &apim.FailureResponse{StatusCode: known(tt.ruleStatus)}
			}
			svc := &apim.Service{Backends: []*apim.Backend{b}}
			id := "a"
			if tt.pool {
				svc.Backends = append(svc.Backends, poolOf("pool", member("a", 0, 0)))
				id = "pool"
			}
			svc.APIs = []*apim.API{apiWith("/x", "", `<set-backend-service backend-id="`+id+`" />`)}
			_, front := startGateway(t, svc, Options{Clock: clock})
			get(t, front.URL+"/x", nil) // trips the breaker
			code, h, _ := get(t, front.URL+"/x", nil)
			if code != tt.wantCode || h.Get(HeaderReason) != tt.wantReason {
				t.Fatalf("got %d %q, want %d %q", code, h.Get(HeaderReason), tt.wantCode, tt.wantReason)
			}
			if be.hits.Load() != 1 {
				t.Errorf("backend hits %d, want 1", be.hits.Load())
			}
		})
	}
}

func TestUnsetPriorityIsZero(t *testing.T) {
	first := newFakeBackend(t, "unset", 200)
	second := newFakeBackend(t, "one", 200)
	unset := &apim.PoolMember{ID: known("/backends/unset"), Name: "unset"} // priority and weight null
	svc := &apim.Service{
		Backends: []*apim.Backend{single("unset", first.URL), single("one", second.URL), poolOf("pool", member("one", 1, 0), unset)},
		APIs:     []*apim.API{apiWith("/x", "", `<set-backend-service backend-id="pool" />`)},
	}
	g, front := startGateway(t, svc, Options{})
	for i := range 4 {
		if _, h, _ := get(t, front.URL+"/x", nil); h.Get(HeaderBackend) != "unset" {
			t.Fatalf("request %d went to %q, want the unset-priority member (priority 0 beats 1)", i, h.Get(HeaderBackend))
		}
	}
	for _, b := range g.Health().Backends {
		if b.Name == "pool" && (b.Members[1].Priority != 0 || b.Members[1].Weight != 1) {
			t.Errorf("unset member = %+v, want priority 0 weight 1 (docs/semantics.md)", b.Members[1])
		}
	}
}

func TestPolicyCoverage(t *testing.T) {
	be := headerEcho(t)
	tests := []struct {
		name   string
		ops    []*apim.Operation
		policy string
		method string
		path   string
		hdr    map[string]string
		body   string
		chunk  bool // send the body chunked (no Content-Length)
		want   map[string]string
		code   int
	}{
		{name: "choose takes otherwise",
			policy: policyDoc(`<choose><when condition="@(context.Request.Headers.ContainsKey(&quot;X-Yes&quot;))"><set-header name="X-Branch" exists-action="override"><value>when</value></set-header></when>`+
				`<otherwise><set-header name="X-Branch" exists-action="override"><value>otherwise</value></set-header></otherwise></choose>`, `<forward-request />`, ""),
			want: map[string]string{"Echo-X-Branch": "otherwise"}},
		{name: "set-header skip keeps, append adds",
			policy: policyDoc(`<set-header name="X-Keep" exists-action="skip"><value>new</value></set-header>`+
				`<set-header name="X-New" exists-action="skip"><value>set</value></set-header>`+
				`<set-header name="X-Add" exists-action="append"><value>b</value></set-header>`, `<forward-request />`, ""),
			hdr:  map[string]string{"X-Keep": "old", "X-Add": "a"},
			want: map[string]string{"Echo-X-Keep": "old", "Echo-X-New": "set", "Echo-X-Add": "a,b"}},
		{name: "set-query-parameter skip, append and delete",
			policy: policyDoc(`<set-query-parameter name="keep" exists-action="skip"><value>new</value></set-query-parameter>`+
				`<set-query-parameter name="add" exists-action="append"><value>2</value></set-query-parameter>`+
				`<set-query-parameter name="gone" exists-action="delete" />`, `<forward-request />`, ""),
			path: "/e/?keep=old&add=1&gone=x",
			want: map[string]string{"Echo-Query": "add=1&add=2&keep=old"}},
		{name: "rewrite-uri fills template parameters",
			ops:    []*apim.Operation{{Name: "item", Method: known("GET"), URLTemplate: known("/items/{id}")}},
			policy: policyDoc(`<rewrite-uri template="/v2/{id}/detail?x={q}&amp;opt={absent}" copy-unmatched-params="false" />`, `<forward-request />`, ""),
			path:   "/e/items/42?q=5&other=1",
			want:   map[string]string{"Echo-Path": "/base/v2/42/detail", "Echo-Query": "x=5"}},
		{name: "set-backend-service base-url",
			policy: policyDoc(`<set-backend-service base-url="`+be.URL+`/other/" />`, `<forward-request />`, ""),
			path:   "/e/thing",
			want:   map[string]string{"Echo-Path": "/other/thing", HeaderBackend: strings.TrimPrefix(be.URL, "http://")}},
		{name: "fail-on-error-status-code keeps the backend response for on-error",
			policy: `<policies><inbound><base /><rewrite-uri template="/missing" /></inbound><backend><forward-request fail-on-error-status-code="true" /></backend><outbound><set-header name="X-Outbound" exists-action="override"><value>ran</value></set-header></outbound>` +
				`<on-error><set-header name="X-Err" exists-action="override"><value>@(context.LastError.Reason + "/" + context.Response.StatusCode)</value></set-header></on-error></policies>`,
			hdr:  map[string]string{"X-Status": "404"},
			want: map[string]string{"X-Err": ReasonErrorStatus + "/404", "X-Outbound": ""}, code: 404},
		{name: "buffer-request-body sends a buffered body",
			policy: policyDoc("", `<forward-request buffer-request-body="true" />`, ""),
			method: http.MethodPost, body: "abcdef", chunk: true,
			want: map[string]string{"Echo-Length": "6"}},
		{name: "without buffer-request-body a chunked body streams",
			policy: policyDoc("", `<forward-request />`, ""),
			method: http.MethodPost, body: "abcdef", chunk: true,
			want: map[string]string{"Echo-Length": "-1"}},
		{name: "set-method",
			policy: policyDoc(`<set-method>PUT</set-method>`, `<forward-request />`, ""),
			want:   map[string]string{"Echo-Method": "PUT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svcURL := be.URL + "/base"
			if strings.Contains(tt.name, "fail-on-error") {
				svcURL = statusBackend(t)
			}
			svc := &apim.Service{APIs: []*apim.API{{Name: "e", Path: known("e"), ServiceURL: known(svcURL), Operations: tt.ops, Policy: doc(apim.ScopeAPI, tt.policy)}}}
			_, front := startGateway(t, svc, Options{})
			method, path := tt.method, tt.path
			if method == "" {
				method = http.MethodGet
			}
			if path == "" {
				path = "/e/"
			}
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
				if tt.chunk {
					body = io.MultiReader(body) // hides the length: sent chunked
				}
			}
			req, _ := http.NewRequest(method, front.URL+path, body)
			for k, v := range tt.hdr {
				req.Header.Set(k, v)
			}
			resp, err := testClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			want := tt.code
			if want == 0 {
				want = 200
			}
			if resp.StatusCode != want {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, b, want)
			}
			for k, v := range tt.want {
				if got := strings.Join(resp.Header.Values(k), ","); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

// statusBackend answers the status named in the request's X-Status header
// with a body naming it.
func statusBackend(t *testing.T) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.Header.Get("X-Status"))
		if n == 0 {
			n = 200
		}
		w.WriteHeader(n)
		_, _ = io.WriteString(w, "backend said "+strconv.Itoa(n))
	}))
	t.Cleanup(s.Close)
	return s.URL
}

func TestAuthenticationCertificateThumbprint(t *testing.T) {
	p := testPKI(t)
	clientCAs := x509.NewCertPool()
	clientCAs.AddCert(p.Root.Cert)
	srv := tlsBackend(t, p.Server, clientCAs)
	pfx, err := p.Client.PFX(nil, "pw")
	if err != nil {
		t.Fatal(err)
	}
	svc := &apim.Service{
		Backends:     []*apim.Backend{single("mtls", srv.URL)},
		Certificates: []*apim.Certificate{{Name: "client", Data: known(base64.StdEncoding.EncodeToString(pfx)), Password: known("pw")}},
		CAStore:      []*apim.CACertificate{caEntry(p.Root.Cert)},
		APIs: []*apim.API{apiWith("/t", "", `<set-backend-service backend-id="mtls" /><authentication-certificate thumbprint="`+
			strings.ToLower(certs.Thumbprint(p.Client.Cert))+`" />`)},
	}
	_, front := startGateway(t, svc, Options{})
	if code, h, _ := get(t, front.URL+"/t", nil); code != 200 || h.Get("X-Client-Cert") != p.Client.Cert.Subject.CommonName {
		t.Fatalf("got %d client %q, want 200 with the certificate found by thumbprint", code, h.Get("X-Client-Cert"))
	}
	svc.APIs = []*apim.API{apiWith("/t", "", `<authentication-certificate thumbprint="0000000000000000000000000000000000000000" />`)}
	if _, err := New(svc, Options{}); err == nil || !strings.Contains(err.Error(), "no loadable certificate with thumbprint") {
		t.Errorf("unknown thumbprint: New error %v", err)
	}
}
