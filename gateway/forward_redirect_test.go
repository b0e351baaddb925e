package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// redirectingBackend answers /start/302 with a 302 and /start/307 with a
// 307, both to /final, which echoes the method and body it received.
func redirectingBackend(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/start/302":
			http.Redirect(w, r, "/final", http.StatusFound)
		case "/start/307":
			http.Redirect(w, r, "/final", http.StatusTemporaryRedirect)
		case "/final":
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("X-Final-Method", r.Method)
			_, _ = io.WriteString(w, "final:"+string(b))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// TestForwardFollowRedirects follows Learn, "Forward request":
// follow-redirects "Specifies whether redirects from the backend service
// are followed by the gateway or returned to the caller. Policy
// expressions are allowed." Default false.
func TestForwardFollowRedirects(t *testing.T) {
	be := redirectingBackend(t)
	for _, tc := range []struct {
		name, forward, method, path string
		wantStatus                  int
		wantBody, wantMethod        string
	}{
		{"default returns the redirect", `<forward-request />`, "GET", "/start/302", 302, "", ""},
		{"false returns the redirect", `<forward-request follow-redirects="false" />`, "GET", "/start/302", 302, "", ""},
		{"true follows a 302", `<forward-request follow-redirects="true" />`, "GET", "/start/302", 200, "final:", "GET"},
		{"an expression decides", `<forward-request follow-redirects="@(context.Request.Method == &quot;GET&quot;)" />`, "GET", "/start/302", 200, "final:", "GET"},
		{"a 302 turns a POST into a GET", `<forward-request follow-redirects="true" />`, "POST", "/start/302", 200, "final:", "GET"},
		{"a 307 resends a buffered body", `<forward-request follow-redirects="true" buffer-request-body="true" />`, "POST", "/start/307", 200, "final:hello", "POST"},
		{"a 307 with an unbuffered body is returned", `<forward-request follow-redirects="true" />`, "POST", "/start/307", 307, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := apiWith("/a", be.URL, "")
			a.Policy = doc(apim.ScopeAPI, policyDoc("", tc.forward, ""))
			_, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, Options{})
			req, err := http.NewRequest(tc.method, front.URL+"/a"+tc.path, strings.NewReader("hello"))
			if err != nil {
				t.Fatal(err)
			}
			if tc.method == "GET" {
				req.Body, req.ContentLength = http.NoBody, 0
			}
			c := &http.Client{Transport: testClient.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if tc.wantStatus != 200 {
				if loc := resp.Header.Get("Location"); loc != "/final" {
					t.Errorf("Location %q, want /final", loc)
				}
				return
			}
			if string(body) != tc.wantBody || resp.Header.Get("X-Final-Method") != tc.wantMethod {
				t.Errorf("final saw %s and answered %q, want %s and %q", resp.Header.Get("X-Final-Method"), body, tc.wantMethod, tc.wantBody)
			}
		})
	}
}

// TestForwardFollowRedirectsInvalid: a literal other than true or false is
// refused at load, at the value's position (column 38: the "y").
func TestForwardFollowRedirectsInvalid(t *testing.T) {
	a := apiWith("/a", "http://backend.test", "")
	a.Policy = doc(apim.ScopeAPI, "<policies><inbound><base /></inbound><backend>\n  <forward-request follow-redirects=\"yes\" />\n</backend><outbound><base /></outbound><on-error><base /></on-error></policies>")
	_, err := New(&apim.Service{APIs: []*apim.API{a}}, Options{})
	if err == nil {
		t.Fatal("New accepted follow-redirects=\"yes\"")
	}
	if want := `api.xml:2:38: <forward-request>: follow-redirects "yes" is not true or false`; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q, want it to contain %q", err, want)
	}
}
