package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// echoBody is a backend that answers the request body and reports its
// length in X-Got-Len.
func echoBody(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Got-Len", strconv.Itoa(len(b)))
		_, _ = w.Write(b)
	}))
	t.Cleanup(s.Close)
	return s
}

func post(t *testing.T, url, body string) (int, http.Header, string) {
	t.Helper()
	resp, err := testClient.Post(url, "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestExpressionContext(t *testing.T) {
	be := echoBody(t)
	policy := policyDoc(
		`<set-header name="X-Req-Body" exists-action="override"><value>@(context.Request.Body.As&lt;string&gt;(preserveContent: true))</value></set-header>`,
		`<forward-request />`,
		`<set-header name="X-Resp-Body" exists-action="override"><value>@(context.Response.Body.As&lt;string&gt;(preserveContent: true))</value></set-header>`+
			`<set-header name="X-Echo-Req" exists-action="override"><value>@(context.Request.Headers.GetValueOrDefault("X-Req-Body", ""))</value></set-header>`+
			`<set-header name="X-Request-Id" exists-action="override"><value>@(context.RequestId)</value></set-header>`+
			`<set-header name="X-Rand" exists-action="override"><value>@(new Random().Next(1000000).ToString())</value></set-header>`)
	svc := &apim.Service{APIs: []*apim.API{{Name: "e", Path: known("e"), ServiceURL: known(be.URL), Policy: doc(apim.ScopeAPI, policy)}}}

	t.Run("bodies are readable and still forwarded", func(t *testing.T) {
		_, front := startGateway(t, svc, Options{})
		code, h, body := post(t, front.URL+"/e/", "hello")
		if code != 200 || body != "hello" || h.Get("X-Got-Len") != "5" {
			t.Fatalf("got %d body %q backend saw %q bytes, want the body forwarded and returned unchanged", code, body, h.Get("X-Got-Len"))
		}
		if h.Get("X-Echo-Req") != "hello" || h.Get("X-Resp-Body") != "hello" {
			t.Errorf("expressions read request body %q and response body %q, want hello", h.Get("X-Echo-Req"), h.Get("X-Resp-Body"))
		}
	})
	t.Run("request ids are UUIDs, one per request", func(t *testing.T) {
		_, front := startGateway(t, svc, Options{})
		_, h1, _ := post(t, front.URL+"/e/", "")
		_, h2, _ := post(t, front.URL+"/e/", "")
		a, b := h1.Get("X-Request-Id"), h2.Get("X-Request-Id")
		if !uuidRE.MatchString(a) || !uuidRE.MatchString(b) || a == b {
			t.Errorf("request ids %q and %q, want two different version-4 UUIDs", a, b)
		}
	})
	t.Run("a seed makes runs reproducible", func(t *testing.T) {
		run := func(seed uint64) []string {
			_, front := startGateway(t, svc, Options{Seed: seed})
			var out []string
			for range 3 {
				_, h, _ := post(t, front.URL+"/e/", "x")
				out = append(out, h.Get("X-Request-Id")+"/"+h.Get("X-Rand"))
			}
			return out
		}
		a, b, c := run(42), run(42), run(43)
		if strings.Join(a, " ") != strings.Join(b, " ") {
			t.Errorf("same seed, different draws:\n%v\n%v", a, b)
		}
		if strings.Join(a, " ") == strings.Join(c, " ") || a[0] == a[1] {
			t.Errorf("draws do not depend on the seed or the request: %v / %v", a, c)
		}
	})
	t.Run("bodies over the limit fail the expression", func(t *testing.T) {
		_, front := startGateway(t, svc, Options{MaxBodyBytes: 4})
		code, h, _ := post(t, front.URL+"/e/", "hello")
		if code != 500 || h.Get(HeaderReason) != ReasonExpression {
			t.Errorf("got %d reason %q, want 500 %s", code, h.Get(HeaderReason), ReasonExpression)
		}
	})
}
