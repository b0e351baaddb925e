package gateway

import (
	"net/http"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// TestValidateStatusAndHeaders follows Learn, "Validate status code" and
// "Validate headers" with the validation actions (ignore, detect,
// prevent; prevent on a response answers 502). apimlab loads no API
// schema, so every status code and header is unspecified unless listed.
func TestValidateStatusAndHeaders(t *testing.T) {
	be := newFakeBackend(t, "be", 500) // answers X-Served-By, X-Seen-Path, X-Seen-Query
	tests := []struct {
		name, outbound string
		status         int
	}{
		{"unspecified 500 prevented", `<validate-status-code unspecified-status-code-action="prevent" />`, 502},
		{"500 listed as ignore", `<validate-status-code unspecified-status-code-action="prevent"><status-code code="500" action="ignore" /></validate-status-code>`, 500},
		{"detect lets it through", `<validate-status-code unspecified-status-code-action="detect" errors-variable-name="errs" />`, 500},
		{"unspecified header prevented", `<validate-headers specified-header-action="ignore" unspecified-header-action="prevent" />`, 502},
		{"backend headers listed", `<validate-headers specified-header-action="ignore" unspecified-header-action="prevent"><header name="X-Served-By" action="ignore" /><header name="X-Seen-Path" action="detect" /><header name="X-Seen-Query" action="ignore" /></validate-headers>`, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := apiWith("/a", be.URL, "")
			a.Policy = doc(apim.ScopeAPI, policies("", "<forward-request />", tt.outbound, ""))
			_, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, Options{})
			status, h, _ := get(t, front.URL+"/a/x", nil)
			if status != tt.status {
				t.Fatalf("status %d (%s), want %d", status, h.Get(HeaderReason), tt.status)
			}
			if status == 502 && h.Get(HeaderReason) != ReasonValidation {
				t.Errorf("reason %q", h.Get(HeaderReason))
			}
		})
	}
}

// TestValidateContent follows Learn, "Validate content": a body over
// max-size takes size-exceeded-action, an unlisted content type
// unspecified-content-type-action; a prevented request answers 400.
func TestValidateContent(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	const v = `<validate-content unspecified-content-type-action="prevent" max-size="10" size-exceeded-action="%s"><content type="application/json" validate-as="json" action="ignore" /></validate-content>`
	tests := []struct {
		name, action, ctype, body string
		status                    int
	}{
		{"listed type within size", "prevent", "application/json", `{"a":1}`, 200},
		{"too large", "prevent", "application/json", `{"a":"0123456789"}`, 400},
		{"too large, detect", "detect", "application/json", `{"a":"0123456789"}`, 200},
		{"unlisted type", "prevent", "text/plain", `hi`, 400},
		{"no body", "prevent", "text/plain", ``, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, front := startGateway(t, &apim.Service{APIs: []*apim.API{apiWith("/a", be.URL, strings.Replace(v, "%s", tt.action, 1))}}, Options{})
			req, _ := http.NewRequest("POST", front.URL+"/a/x", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", tt.ctype)
			resp, err := testClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status %d (%s), want %d", resp.StatusCode, resp.Header.Get(HeaderReason), tt.status)
			}
		})
	}
}

// TestValidateParameters follows Learn, "Validate parameters": without an
// API schema every query parameter is unspecified unless listed; a
// prevented request answers 400.
func TestValidateParameters(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	v := `<validate-parameters specified-parameter-action="ignore" unspecified-parameter-action="prevent" errors-variable-name="e"><query specified-parameter-action="ignore" unspecified-parameter-action="prevent"><parameter name="page" action="ignore" /></query><headers specified-parameter-action="ignore" unspecified-parameter-action="ignore"><parameter name="x-debug" action="prevent" /></headers></validate-parameters>`
	_, front := startGateway(t, &apim.Service{APIs: []*apim.API{apiWith("/a", be.URL, v)}}, Options{})
	tests := []struct {
		path   string
		header map[string]string
		status int
	}{
		{"/a/x", nil, 200},
		{"/a/x?page=2", nil, 200},
		{"/a/x?page=2&sort=asc", nil, 400},
		{"/a/x", map[string]string{"X-Debug": "1"}, 400},
	}
	for _, tt := range tests {
		if status, h, _ := get(t, front.URL+tt.path, tt.header); status != tt.status {
			t.Errorf("%s %v: %d (%s), want %d", tt.path, tt.header, status, h.Get(HeaderReason), tt.status)
		}
	}
}
