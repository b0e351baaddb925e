package gateway

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// echoHeaders is a backend that returns every request header starting
// with "X-Echo-" as a response header of the same name.
func echoHeaders(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range r.Header {
			if strings.HasPrefix(k, "X-Echo-") {
				w.Header()[k] = v
			}
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// TestApiServiceUrl follows Learn, "API Management policy expressions"
// (IApi.ServiceUrl: IUrl): the API's serviceUrl, read in a policy
// expression. The expected strings are the serviceUrl the test configures,
// split by hand.
func TestApiServiceUrl(t *testing.T) {
	be := echoHeaders(t)
	svcURL := be.URL + "/v1/orders"
	hostPort := strings.TrimPrefix(be.URL, "http://")
	host, port, _ := strings.Cut(hostPort, ":")
	a := apiWith("/shop", svcURL, `<set-header name="X-Echo-Url" exists-action="override"><value>@(context.Api.ServiceUrl.ToString())</value></set-header>`+
		`<set-header name="X-Echo-Host" exists-action="override"><value>@(context.Api.ServiceUrl.Host)</value></set-header>`+
		`<set-header name="X-Echo-Port" exists-action="override"><value>@(context.Api.ServiceUrl.Port.ToString())</value></set-header>`+
		`<set-header name="X-Echo-Path" exists-action="override"><value>@(context.Api.ServiceUrl.Path)</value></set-header>`+
		`<set-header name="X-Echo-Scheme" exists-action="override"><value>@{ return context.Api.ServiceUrl.Scheme; }</value></set-header>`)
	_, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, Options{})
	status, h, _ := get(t, front.URL+"/shop/items", nil)
	if status != http.StatusOK {
		t.Fatalf("status %d, want 200", status)
	}
	for name, want := range map[string]string{
		"X-Echo-Url":    "http://" + hostPort + "/v1/orders",
		"X-Echo-Host":   host,
		"X-Echo-Port":   port,
		"X-Echo-Path":   "/v1/orders",
		"X-Echo-Scheme": "http",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}
