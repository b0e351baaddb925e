package gateway

import (
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
