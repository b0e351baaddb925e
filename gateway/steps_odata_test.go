package gateway

import (
	"net/http"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// TestValidateODataRequest follows Learn, "Validate OData request"
// (https://learn.microsoft.com/azure/api-management/validate-odata-request-policy):
// default-odata-version is assumed without an OData-Version header (4.0
// unless set; Learn's example sets 4.01), min- and max-odata-version bound
// the version, max-size bounds the payload. System query options follow
// OData 4.0/4.01 Part 2 (URL Conventions) section 5: 4.0 knows $filter,
// $top, … with their "$" and in lower case; 4.01 adds $compute, $index,
// $schemaversion and accepts any case and no "$"; $top and $skip are
// non-negative integers, $count is true or false. A failure answers 400.
func TestValidateODataRequest(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	tests := []struct {
		name, policy, query, body string
		header                    map[string]string
		status                    int
	}{
		{"no header, default 4.0", `<validate-odata-request />`, "?$top=10&$filter=Name eq 'a'", "", nil, 200},
		{"custom option passes", `<validate-odata-request />`, "?customer=1", "", nil, 200},
		{"unknown system option", `<validate-odata-request />`, "?$frobnicate=1", "", nil, 400},
		{"4.0: upper-case option is unknown", `<validate-odata-request />`, "?$TOP=1", "", nil, 400},
		{"4.01 default (Learn's example): any case", `<validate-odata-request default-odata-version="4.01" />`, "?$TOP=1", "", nil, 200},
		{"4.01 header: option without $", `<validate-odata-request />`, "?top=1", "", map[string]string{"OData-Version": "4.01"}, 200},
		{"4.0: $compute is 4.01", `<validate-odata-request />`, "?$compute=a add b as c", "", nil, 400},
		{"4.01: $compute", `<validate-odata-request />`, "?$compute=a add b as c", "", map[string]string{"OData-Version": "4.01"}, 200},
		{"negative $top", `<validate-odata-request />`, "?$top=-1", "", nil, 400},
		{"$skip not a number", `<validate-odata-request />`, "?$skip=ten", "", nil, 400},
		{"$count yes", `<validate-odata-request />`, "?$count=yes", "", nil, 400},
		{"$count true", `<validate-odata-request />`, "?$count=true", "", nil, 200},
		{"below minimum", `<validate-odata-request min-odata-version="4.0" />`, "", "", map[string]string{"OData-Version": "3.0"}, 400},
		{"DataServiceVersion below minimum", `<validate-odata-request min-odata-version="4.0" />`, "", "", map[string]string{"DataServiceVersion": "3.0;NetFx"}, 400},
		{"above maximum", `<validate-odata-request max-odata-version="4.0" />`, "", "", map[string]string{"OData-Version": "4.01"}, 400},
		{"within bounds", `<validate-odata-request min-odata-version="4.0" max-odata-version="4.01" />`, "", "", map[string]string{"OData-Version": "4.01"}, 200},
		{"default outside bounds", `<validate-odata-request min-odata-version="4.01" />`, "", "", nil, 400},
		{"bad header", `<validate-odata-request />`, "", "", map[string]string{"OData-Version": "four"}, 400},
		{"payload within max-size", `<validate-odata-request max-size="10" />`, "", `{"a":1}`, nil, 200},
		{"payload over max-size", `<validate-odata-request max-size="10" />`, "", `{"a":"0123456789"}`, nil, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, front := startGateway(t, &apim.Service{APIs: []*apim.API{apiWith("/odata", be.URL, tt.policy)}}, Options{})
			u := front.URL + "/odata/People" + strings.ReplaceAll(tt.query, " ", "%20")
			req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(tt.body))
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := testClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, resp.Header.Get(HeaderReason), tt.status)
			}
			if tt.status == 400 && resp.Header.Get(HeaderReason) != ReasonValidation {
				t.Errorf("reason %q, want %q", resp.Header.Get(HeaderReason), ReasonValidation)
			}
		})
	}
}

// TestValidateODataRequestErrorVariable: the error is logged to
// error-variable-name, which on-error can read.
func TestValidateODataRequestErrorVariable(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	a := apiWith("/odata", be.URL, "")
	a.Policy = doc(apim.ScopeAPI, policies(`<validate-odata-request error-variable-name="odataErrors" />`, "<forward-request />", "",
		`<set-header name="X-Odata-Error" exists-action="override"><value>@(context.Variables.ContainsKey("odataErrors") + " " + context.LastError.Source)</value></set-header>`))
	_, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, Options{})
	status, h, _ := get(t, front.URL+"/odata/People?$nope=1", nil)
	if status != 400 {
		t.Fatalf("status %d, want 400", status)
	}
	if got, want := h.Get("X-Odata-Error"), "True validate-odata-request"; got != want {
		t.Errorf("on-error saw %q, want %q", got, want)
	}
}

// TestValidateODataRequestLoadErrors: versions and max-size are checked at
// load, with the position.
func TestValidateODataRequestLoadErrors(t *testing.T) {
	for _, p := range []string{
		`<validate-odata-request default-odata-version="four" />`,
		`<validate-odata-request min-odata-version="4.01" max-odata-version="4.0" />`,
		`<validate-odata-request max-size="-1" />`,
	} {
		_, err := New(&apim.Service{APIs: []*apim.API{apiWith("/o", "http://127.0.0.1:1", p)}}, Options{})
		if err == nil || !strings.Contains(err.Error(), "api.xml:1:") || !strings.Contains(err.Error(), "validate-odata-request") {
			t.Errorf("%s: New = %v, want a positioned validate-odata-request error", p, err)
		}
	}
}
