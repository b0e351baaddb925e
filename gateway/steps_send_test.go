package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// TestSendRequest follows Learn, "Send request": the response is stored in
// response-variable-name as an IResponse; mode copy sends the current
// request; with ignore-error a failure leaves the variable null; and
// return-response response-variable-name returns a stored response.
func TestSendRequest(t *testing.T) {
	side := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Side", r.Method+" "+r.URL.Path+" "+r.Header.Get("X-Token")+" "+string(b))
		w.WriteHeader(201)
		_, _ = io.WriteString(w, `{"token":"t-1"}`)
	}))
	t.Cleanup(side.Close)
	be := newFakeBackend(t, "be", 200)
	tests := []struct {
		name, inbound, wantBody, wantHeader string
		status                              int
	}{
		{"new request, response read in an expression", `<send-request mode="new" response-variable-name="r" timeout="5"><set-url>` + side.URL + `/token</set-url><set-method>POST</set-method><set-header name="X-Token" exists-action="override"><value>abc</value></set-header><set-body>hello</set-body></send-request>
<return-response><set-status code="200" /><set-header name="x-out" exists-action="override"><value>@(((IResponse)context.Variables["r"]).Headers.GetValueOrDefault("X-Side",""))</value></set-header><set-body>@((string)((IResponse)context.Variables["r"]).Body.As&lt;JObject&gt;()["token"])</set-body></return-response>`,
			"t-1", "POST /token abc hello", 200},
		{"return-response of the stored response", `<send-request mode="new" response-variable-name="r"><set-url>` + side.URL + `/x</set-url></send-request><return-response response-variable-name="r" />`,
			`{"token":"t-1"}`, "", 201},
		{"ignore-error leaves null", `<send-request mode="new" response-variable-name="r" ignore-error="true"><set-url>http://127.0.0.1:1/x</set-url></send-request>
<return-response><set-status code="200" /><set-body>@(context.Variables["r"] == null ? "null" : "set")</set-body></return-response>`, "null", "", 200},
		{"error without ignore-error", `<send-request mode="new" response-variable-name="r"><set-url>http://127.0.0.1:1/x</set-url></send-request>`, "", "", 500},
		{"wait runs send-request and cache-lookup-value", `<wait for="all"><send-request mode="new" response-variable-name="r"><set-url>` + side.URL + `/w</set-url></send-request><cache-lookup-value key="nothing" default-value="d" variable-name="v" /></wait>
<return-response><set-status code="200" /><set-body>@(((IResponse)context.Variables["r"]).StatusCode.ToString() + (string)context.Variables["v"])</set-body></return-response>`, "201d", "", 200},
		{"one-way request, then the backend", `<send-one-way-request mode="new"><set-url>` + side.URL + `/log</set-url></send-one-way-request>`, "be", "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, front := startGateway(t, &apim.Service{APIs: []*apim.API{apiWith("/a", be.URL, tt.inbound)}}, Options{})
			status, h, body := get(t, front.URL+"/a/p", nil)
			if status != tt.status {
				t.Fatalf("status %d, want %d (%s)", status, tt.status, body)
			}
			if tt.wantBody != "" && body != tt.wantBody {
				t.Errorf("body %q, want %q", body, tt.wantBody)
			}
			if h.Get("x-out") != tt.wantHeader {
				t.Errorf("x-out %q, want %q", h.Get("x-out"), tt.wantHeader)
			}
		})
	}
}

// TestSendRequestThroughBackendBreaker: a send-request URL equal to a
// backend entity's URL goes through that entity, so its circuit breaker
// counts the calls and, once open, refuses them.
func TestSendRequestThroughBackendBreaker(t *testing.T) {
	side := newFakeBackend(t, "side", 500)
	b := single("side", side.URL)
	b.CircuitBreaker = countBreaker(2, 60_000_000_000)
	a := apiWith("/a", "", `<send-request mode="new" response-variable-name="r" ignore-error="false"><set-url>`+side.URL+`/x</set-url></send-request>
<return-response><set-status code="200" /><set-body>@(((IResponse)context.Variables["r"]).StatusCode.ToString())</set-body></return-response>`)
	_, front := startGateway(t, &apim.Service{Backends: []*apim.Backend{b}, APIs: []*apim.API{a}}, Options{Clock: newFakeClock()})
	for i, want := range []int{200, 200, 503} {
		status, h, body := get(t, front.URL+"/a/p", nil)
		if status != want {
			t.Fatalf("call %d: %d %s (%s), want %d", i+1, status, body, h.Get(HeaderReason), want)
		}
		if want == 503 && h.Get(HeaderReason) != ReasonBreakerOpen {
			t.Errorf("reason %q", h.Get(HeaderReason))
		}
	}
	if got := side.hits.Load(); got != 2 {
		t.Errorf("side backend hits %d, want 2", got)
	}
}
