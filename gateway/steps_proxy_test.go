package gateway

import (
	"bytes"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// forwardProxy is a real loopback HTTP proxy: absolute-form requests are
// forwarded, CONNECT opens a tunnel. It records what it was asked and the
// Proxy-Authorization it received.
type forwardProxy struct {
	srv *httptest.Server
	tr  *http.Transport
	wg  sync.WaitGroup

	mu     sync.Mutex
	seen   []string // "GET http://…" or "CONNECT host:port"
	auth   []string // Proxy-Authorization values
	conns  []net.Conn
	closed bool
}

func newForwardProxy(t *testing.T) *forwardProxy {
	t.Helper()
	p := &forwardProxy{tr: &http.Transport{}}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(func() {
		p.srv.Close()
		p.mu.Lock()
		p.closed = true
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
		p.tr.CloseIdleConnections()
	})
	return p
}

func (p *forwardProxy) record(line, auth string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen = append(p.seen, line)
	p.auth = append(p.auth, auth)
}

func (p *forwardProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return false
	}
	p.conns = append(p.conns, c)
	return true
}

func (p *forwardProxy) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		p.record("CONNECT "+r.Host, r.Header.Get("Proxy-Authorization"))
		up, err := net.Dial("tcp", r.Host)
		if err != nil {
			http.Error(w, "dial failed", http.StatusBadGateway)
			return
		}
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			up.Close()
			return
		}
		if !p.track(conn) || !p.track(up) {
			return
		}
		_, _ = conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n"))
		p.wg.Add(2)
		go func() { defer p.wg.Done(); _, _ = io.Copy(up, buf); up.Close() }()
		go func() { defer p.wg.Done(); _, _ = io.Copy(conn, up); conn.Close() }()
		return
	}
	p.record(r.Method+" "+r.URL.String(), r.Header.Get("Proxy-Authorization"))
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.Header.Del("Proxy-Authorization")
	resp, err := p.tr.RoundTrip(out)
	if err != nil {
		http.Error(w, "upstream failed", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

func (p *forwardProxy) log() (seen, auth []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...), append([]string(nil), p.auth...)
}

// TestProxyPolicy follows Learn, "Set HTTP proxy"
// (https://learn.microsoft.com/azure/api-management/proxy-policy):
// requests forwarded to backends go through the HTTP proxy of url, which
// authenticates username and password (Basic); the example takes them
// from named values. An https:// backend is reached through a CONNECT
// tunnel. The password never reaches the backend, the response or the
// log.
func TestProxyPolicy(t *testing.T) {
	const password = "pxy-S3cret-9"
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:"+password))
	p := testPKI(t)
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Backend-Saw-Proxy-Auth", r.Header.Get("Proxy-Authorization"))
		_, _ = w.Write([]byte("plain"))
	}))
	t.Cleanup(plain.Close)
	secure := tlsBackend(t, p.Server, nil)
	tests := []struct {
		name, inbound string
		backend       string
		named         map[string]string
		wantSeen      string // prefix of the proxy's first request line, "" when not used
		wantAuth      string
		status        int
	}{
		{"http backend, Learn's example with named values", `<proxy url="{{proxy-url}}" username="{{username}}" password="{{password}}" />`, plain.URL,
			map[string]string{"username": "alice", "password": password}, "GET " + plain.URL + "/x", basic, 200},
		{"https backend through CONNECT", `<proxy url="{{proxy-url}}" username="alice" password="` + password + `" />`, secure.URL,
			nil, "CONNECT " + strings.TrimPrefix(secure.URL, "https://"), basic, 200},
		{"no credentials", `<proxy url="{{proxy-url}}" />`, plain.URL, nil, "GET " + plain.URL + "/x", "", 200},
		{"url from an expression", `<proxy url="@(&quot;{{proxy-url}}&quot;)" />`, plain.URL, nil, "GET " + plain.URL + "/x", "", 200},
		{"no proxy policy", ``, plain.URL, nil, "", "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fp := newForwardProxy(t)
			nv := []*apim.NamedValue{{Name: "proxy-url", Value: known(fp.srv.URL)}}
			for k, v := range tt.named {
				nv = append(nv, &apim.NamedValue{Name: k, Value: known(v), Secret: known(true)})
			}
			svc := &apim.Service{NamedValues: nv, APIs: []*apim.API{apiWith("/a", tt.backend, tt.inbound)}, CAStore: []*apim.CACertificate{caEntry(p.Root.Cert)}}
			var logs bytes.Buffer
			_, front := startGateway(t, svc, Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			status, h, body := get(t, front.URL+"/a/x", nil)
			if status != tt.status {
				t.Fatalf("status %d (%s: %s), want %d", status, h.Get(HeaderReason), body, tt.status)
			}
			seen, auth := fp.log()
			switch {
			case tt.wantSeen == "" && len(seen) > 0:
				t.Fatalf("proxy used (%v) without a proxy policy", seen)
			case tt.wantSeen != "" && (len(seen) != 1 || seen[0] != tt.wantSeen):
				t.Fatalf("proxy saw %q, want [%q]", seen, tt.wantSeen)
			case tt.wantSeen != "" && auth[0] != tt.wantAuth:
				t.Errorf("Proxy-Authorization %q, want %q", auth[0], tt.wantAuth)
			}
			if got := h.Get("X-Backend-Saw-Proxy-Auth"); got != "" {
				t.Errorf("backend received Proxy-Authorization %q", got)
			}
			if strings.Contains(body, password) || strings.Contains(logs.String(), password) {
				t.Errorf("password in the response or the log")
			}
		})
	}
}

// TestProxyPolicyOverridesEntityProxy: a backend entity's proxy (Backends
// in API Management, "proxy") and the proxy policy share one transport
// hook; the policy's proxy wins for that request.
func TestProxyPolicyOverridesEntityProxy(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	entityProxy, policyProxy := newForwardProxy(t), newForwardProxy(t)
	b := single("be", be.URL)
	b.Proxy = &apim.Proxy{URL: known(entityProxy.srv.URL)}
	svc := &apim.Service{Backends: []*apim.Backend{b}, APIs: []*apim.API{
		apiWith("/entity", "", `<set-backend-service backend-id="be" />`),
		apiWith("/policy", "", `<set-backend-service backend-id="be" /><proxy url="`+policyProxy.srv.URL+`" />`),
	}}
	_, front := startGateway(t, svc, Options{})
	for _, path := range []string{"/entity/x", "/policy/x"} {
		if status, h, _ := get(t, front.URL+path, nil); status != 200 {
			t.Fatalf("%s: status %d (%s)", path, status, h.Get(HeaderReason))
		}
	}
	if seen, _ := entityProxy.log(); len(seen) != 1 || !strings.HasSuffix(seen[0], "/x") {
		t.Errorf("entity proxy saw %q, want the /entity request only", seen)
	}
	if seen, _ := policyProxy.log(); len(seen) != 1 || !strings.HasSuffix(seen[0], "/x") {
		t.Errorf("policy proxy saw %q, want the /policy request only", seen)
	}
}

// TestProxyPolicyDown: a proxy that refuses connections is a backend
// connection failure (500, as Azure), and the error names no password.
func TestProxyPolicyDown(t *testing.T) {
	const password = "pxy-S3cret-7"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	be := newFakeBackend(t, "be", 200)
	var logs bytes.Buffer
	svc := &apim.Service{APIs: []*apim.API{apiWith("/a", be.URL, `<proxy url="`+dead+`" username="u" password="`+password+`" />`)}}
	_, front := startGateway(t, svc, Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	status, h, body := get(t, front.URL+"/a/x", nil)
	if status != http.StatusInternalServerError || h.Get(HeaderReason) != ReasonConnection {
		t.Errorf("status %d reason %q, want 500 %s", status, h.Get(HeaderReason), ReasonConnection)
	}
	if strings.Contains(body, password) || strings.Contains(logs.String(), password) {
		t.Errorf("password in the response or the log: %s\n%s", body, logs.String())
	}
}

// TestProxyPolicyLoadErrors: Learn allows only http:// proxies; a literal
// url is checked at load, with the position, and never echoes a password.
func TestProxyPolicyLoadErrors(t *testing.T) {
	tests := []struct{ inbound, want string }{
		{`<proxy />`, `"url" is required`},
		{`<proxy url="https://proxy:8443" />`, "only HTTP proxies"},
		{`<proxy url="not a url" />`, "not a URL"},
		{`<proxy url="http://u:hunter2@proxy:8080" />`, "not a URL"},
	}
	for _, tt := range tests {
		_, err := New(&apim.Service{APIs: []*apim.API{apiWith("/a", "http://127.0.0.1:1", tt.inbound)}}, Options{})
		if err == nil || !strings.Contains(err.Error(), "api.xml:1:") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New = %v, want a positioned error containing %q", tt.inbound, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: error shows the password: %v", tt.inbound, err)
		}
	}
}

// TestSendRequestProxy: send-request's <proxy> child (Learn, "Send
// request": the proxy element routes that request through an HTTP proxy,
// with the attributes of the proxy policy) goes through the proxy; the
// forwarded request, without a proxy policy, does not.
func TestSendRequestProxy(t *testing.T) {
	side := newFakeBackend(t, "side", 200)
	be := newFakeBackend(t, "be", 200)
	fp := newForwardProxy(t)
	inbound := `<send-request mode="new" response-variable-name="r" timeout="5"><set-url>` + side.URL + `/lookup</set-url><set-method>GET</set-method>` +
		`<proxy url="` + fp.srv.URL + `" username="u" password="pw" /></send-request>` +
		`<set-header name="X-Side" exists-action="override"><value>@(((IResponse)context.Variables["r"]).StatusCode.ToString())</value></set-header>`
	_, front := startGateway(t, &apim.Service{APIs: []*apim.API{apiWith("/a", be.URL, inbound)}}, Options{})
	status, h, body := get(t, front.URL+"/a/x", nil)
	if status != 200 || h.Get("X-Served-By") != "be" {
		t.Fatalf("status %d served by %q (%s)", status, h.Get("X-Served-By"), body)
	}
	seen, auth := fp.log()
	if len(seen) != 1 || seen[0] != "GET "+side.URL+"/lookup" {
		t.Fatalf("proxy saw %q, want only the send-request", seen)
	}
	if want := "Basic " + base64.StdEncoding.EncodeToString([]byte("u:pw")); auth[0] != want {
		t.Errorf("Proxy-Authorization %q, want %q", auth[0], want)
	}
}
