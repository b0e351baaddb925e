package gateway

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// attemptBodies is a backend that records the body of every attempt (with
// its Content-Length, Transfer-Encoding and Content-Type) and answers 500
// to the first, 200 to the others.
type attemptBodies struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []string
}

func newAttemptBodies(t *testing.T) *attemptBodies {
	t.Helper()
	a := &attemptBodies{}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		a.bodies = append(a.bodies, fmt.Sprintf("%s cl=%d te=%v ct=%s", b, r.ContentLength, r.TransferEncoding, r.Header.Get("Content-Type")))
		first := len(a.bodies) == 1
		a.mu.Unlock()
		if first {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *attemptBodies) seen() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.bodies...)
}

// TestRetryBodyBuffering follows Learn, "Forward request":
// buffer-request-body "When set to true, request is buffered and will be
// reused on retry" (default false). Without it the client's body goes to
// the first attempt only and the retried POST arrives with an empty body,
// as Azure users report; Options.PreserveBodies resends it.
func TestRetryBodyBuffering(t *testing.T) {
	for _, tc := range []struct {
		name    string
		forward string
		opts    Options
		want    []string
	}{
		{"unbuffered retry sends an empty body", `<forward-request />`, Options{}, []string{"hello cl=5 te=[] ct=text/plain", " cl=0 te=[] ct=text/plain"}},
		{"buffer-request-body resends the body", `<forward-request buffer-request-body="true" />`, Options{}, []string{"hello cl=5 te=[] ct=text/plain", "hello cl=5 te=[] ct=text/plain"}},
		{"PreserveBodies resends the body", `<forward-request />`, Options{PreserveBodies: true}, []string{"hello cl=5 te=[] ct=text/plain", "hello cl=5 te=[] ct=text/plain"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			be := newAttemptBodies(t)
			a := apiWith("/api", be.URL, "")
			a.Policy = doc(apim.ScopeAPI, policyDoc("", `<retry condition="@(context.Response.StatusCode == 500)" count="1" interval="0">`+tc.forward+`</retry>`, ""))
			_, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, tc.opts)
			code, _, _ := post(t, front.URL+"/api/x", "hello")
			if code != http.StatusOK {
				t.Fatalf("status %d, want 200 from the retried attempt", code)
			}
			got := be.seen()
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("backend saw bodies %q, want %q", got, tc.want)
			}
		})
	}
}

// TestBodyReadWithoutPreserveContent follows Learn, "Set body": "By
// default when you access the message body using context.Request.Body or
// context.Response.Body, the original message body is lost and must be set
// by returning the body back in the expression. To preserve the body
// content, set the preserveContent parameter to true". The backend echoes
// the body it received (X-Got-Len is its length).
func TestBodyReadWithoutPreserveContent(t *testing.T) {
	be := echoBody(t)
	for _, tc := range []struct {
		name                  string
		inbound, outbound     string
		opts                  Options
		body                  string
		wantGotLen            string // bytes the backend received
		wantClient            string // body the client receives
		wantFirst, wantSecond string
	}{
		{name: "request read without preserveContent empties it",
			inbound: `<set-variable name="first" value="@(context.Request.Body.As<string>())" />`,
			body:    "hello", wantGotLen: "0", wantClient: "", wantFirst: "hello"},
		{name: "request read with preserveContent keeps it",
			inbound: `<set-variable name="first" value="@(context.Request.Body.As<string>(preserveContent: true))" />`,
			body:    "hello", wantGotLen: "5", wantClient: "hello", wantFirst: "hello"},
		{name: "a later read sees the lost body",
			inbound: `<set-variable name="first" value="@(context.Request.Body.As<string>())" />` +
				`<set-variable name="second" value="@(context.Request.Body.As<string>(preserveContent: true))" />`,
			body: "hello", wantGotLen: "0", wantClient: "", wantFirst: "hello", wantSecond: ""},
		{name: "JObject read without preserveContent empties it",
			inbound: `<set-variable name="first" value="@((string)context.Request.Body.As<JObject>()["a"])" />`,
			body:    `{"a":"b"}`, wantGotLen: "0", wantClient: "", wantFirst: "b"},
		{name: "set-body returns the body back",
			inbound: `<set-body>@{ var b = context.Request.Body.As<JObject>(); b["x"] = "y"; return b.ToString(Newtonsoft.Json.Formatting.None); }</set-body>`,
			body:    `{"a":"b"}`, wantGotLen: "17", wantClient: `{"a":"b","x":"y"}`},
		{name: "response read without preserveContent empties it",
			outbound: `<set-variable name="first" value="@(context.Response.Body.As<string>())" />`,
			body:     "hello", wantGotLen: "5", wantClient: "", wantFirst: "hello"},
		{name: "response read with preserveContent keeps it",
			outbound: `<set-variable name="first" value="@(context.Response.Body.As<string>(preserveContent: true))" />`,
			body:     "hello", wantGotLen: "5", wantClient: "hello", wantFirst: "hello"},
		{name: "PreserveBodies keeps both bodies",
			inbound:  `<set-variable name="first" value="@(context.Request.Body.As<string>())" />`,
			outbound: `<set-variable name="second" value="@(context.Response.Body.As<string>())" />`,
			opts:     Options{PreserveBodies: true},
			body:     "hello", wantGotLen: "5", wantClient: "hello", wantFirst: "hello", wantSecond: "hello"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			report := `<set-header name="X-First" exists-action="override"><value>@(context.Variables.GetValueOrDefault<string>("first", ""))</value></set-header>` +
				`<set-header name="X-Second" exists-action="override"><value>@(context.Variables.GetValueOrDefault<string>("second", ""))</value></set-header>`
			pol := strings.NewReplacer("<string>", "&lt;string&gt;", "<JObject>", "&lt;JObject&gt;").Replace(policyDoc(tc.inbound, `<forward-request />`, tc.outbound+report))
			a := &apim.API{Name: "e", Path: known("e"), ServiceURL: known(be.URL), Policy: doc(apim.ScopeAPI, pol)}
			_, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, tc.opts)
			code, h, body := post(t, front.URL+"/e/", tc.body)
			if code != http.StatusOK {
				t.Fatalf("status %d (reason %q), want 200", code, h.Get(HeaderReason))
			}
			if got := h.Get("X-Got-Len"); got != tc.wantGotLen {
				t.Errorf("backend received %s bytes, want %s", got, tc.wantGotLen)
			}
			if body != tc.wantClient {
				t.Errorf("client received %q, want %q", body, tc.wantClient)
			}
			if got := h.Get("X-First"); got != tc.wantFirst {
				t.Errorf("first read %q, want %q", got, tc.wantFirst)
			}
			if got := h.Get("X-Second"); got != tc.wantSecond {
				t.Errorf("second read %q, want %q", got, tc.wantSecond)
			}
		})
	}
}

// TestSendRequestResponseBodyRead: the IResponse a send-request stores
// (response-variable-name) loses its body to a read without
// preserveContent: true, like context.Response.Body (Learn, "Set body").
func TestSendRequestResponseBodyRead(t *testing.T) {
	side := echoBody(t)
	for _, tc := range []struct {
		name                  string
		firstArg              string
		opts                  Options
		wantFirst, wantSecond string
	}{
		{"a read without preserveContent empties it", "", Options{}, "pong", ""},
		{"a read with preserveContent keeps it", "preserveContent: true", Options{}, "pong", "pong"},
		{"PreserveBodies keeps it", "", Options{PreserveBodies: true}, "pong", "pong"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inbound := `<send-request mode="new" response-variable-name="r"><set-url>` + side.URL + `/x</set-url><set-method>POST</set-method><set-body>pong</set-body></send-request>` +
				`<set-variable name="first" value="@(((IResponse)context.Variables[&quot;r&quot;]).Body.As&lt;string&gt;(` + tc.firstArg + `))" />` +
				`<set-variable name="second" value="@(((IResponse)context.Variables[&quot;r&quot;]).Body.As&lt;string&gt;(preserveContent: true))" />` +
				`<return-response><set-status code="200" /><set-header name="X-First" exists-action="override"><value>@((string)context.Variables["first"])</value></set-header>` +
				`<set-header name="X-Second" exists-action="override"><value>@((string)context.Variables["second"])</value></set-header></return-response>`
			a := apiWith("/a", "", "")
			a.Policy = doc(apim.ScopeAPI, policyDoc(inbound, "", ""))
			_, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, tc.opts)
			code, h, _ := get(t, front.URL+"/a/x", nil)
			if code != http.StatusOK {
				t.Fatalf("status %d (reason %q), want 200", code, h.Get(HeaderReason))
			}
			if h.Get("X-First") != tc.wantFirst || h.Get("X-Second") != tc.wantSecond {
				t.Errorf("reads %q then %q, want %q then %q", h.Get("X-First"), h.Get("X-Second"), tc.wantFirst, tc.wantSecond)
			}
		})
	}
}
