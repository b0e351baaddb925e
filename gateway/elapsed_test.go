package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
)

// TestContextElapsed: context.Elapsed is the time since the request
// arrived, read when the expression runs (Learn, "API Management policy
// expressions", context variable: Elapsed is a TimeSpan, the time since
// context.Timestamp): 0 in inbound, the backend's 5 s in outbound, on the
// gateway's clock. Expressions that do not name Elapsed skip that clock
// read, which must not change what those that do see.
func TestContextElapsed(t *testing.T) {
	clk := newFakeClock()
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		clk.Advance(5 * time.Second)
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(be.Close)
	a := apiWith("/a", be.URL, "")
	a.Policy = doc(apim.ScopeAPI, policies(
		`<set-variable name="in" value="@(context.Elapsed.TotalSeconds)" />`,
		`<forward-request />`,
		`<set-header name="x-other" exists-action="override"><value>@(context.Request.Method)</value></set-header>
<set-header name="x-in" exists-action="override"><value>@(((double)context.Variables["in"]).ToString())</value></set-header>
<set-header name="x-out" exists-action="override"><value>@(context.Elapsed.TotalSeconds.ToString())</value></set-header>`, ""))
	_, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, Options{Clock: clk})
	status, h, _ := get(t, front.URL+"/a/x", nil)
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	for _, c := range []struct{ name, want string }{{"x-in", "0"}, {"x-out", "5"}, {"x-other", "GET"}} {
		if got := h.Get(c.name); got != c.want {
			t.Errorf("%s = %q, want %q", c.name, got, c.want)
		}
	}
}
