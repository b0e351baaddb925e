package load

import (
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// TestLegacyPolicyContent: a policy written with the legacy property names
// policyContent and contentFormat is read (its XML and format kept) and
// each legacy name is an UnknownProperty issue at its key; value and
// format draw none. Positions are counted by hand in the bodies below.
func TestLegacyPolicyContent(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		wantPos  []string // "line:col" of each UnknownProperty issue
		wantXML  string
		wantForm string
	}{
		{"legacy names", `{
  "type": "Microsoft.ApiManagement/service/apis/policies",
  "name": "orders/policy",
  "properties": {
    "contentFormat": "rawxml",
    "policyContent": "<policies><inbound><base /></inbound></policies>"
  }
}`, []string{"5:5", "6:5"}, "<policies><inbound><base /></inbound></policies>", "rawxml"},
		{"current names", `{
  "type": "Microsoft.ApiManagement/service/apis/policies",
  "name": "orders/policy",
  "properties": {
    "format": "xml",
    "value": "<policies><inbound><base /></inbound></policies>"
  }
}`, nil, "<policies><inbound><base /></inbound></policies>", "xml"},
		{"value wins over policyContent", `{
  "type": "Microsoft.ApiManagement/service/apis/policies",
  "name": "orders/policy",
  "properties": { "value": "<policies />", "policyContent": "<old />" }
}`, nil, "<policies />", "xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, t.TempDir(), "policy.json", tt.body)
			svc, err := Load([]string{p}, Options{})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			var got []string
			for _, is := range svc.Issues {
				if is.Code == apim.UnknownProperty {
					if !strings.Contains(is.Msg, "legacy name") {
						t.Errorf("unexpected issue %v", is)
					}
					got = append(got, strings.TrimPrefix(is.Pos.String(), p+":"))
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.wantPos, " ") {
				t.Errorf("UnknownProperty issues at %v, want %v (%v)", got, tt.wantPos, svc.Issues)
			}
			api := svc.API("orders")
			if api == nil || api.Policy == nil {
				t.Fatalf("API orders has no policy: %+v", api)
			}
			if api.Policy.XML != tt.wantXML || api.Policy.Format != tt.wantForm {
				t.Errorf("policy = %q (%s), want %q (%s)", api.Policy.XML, api.Policy.Format, tt.wantXML, tt.wantForm)
			}
		})
	}
}
