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

// TestPolicyInVariableLocated: a policy whose value is exactly
// [variables('name')] of a literal string is located at that string in
// "variables", where its XML is written; a value computed from the
// variable (replace()) or a variable that is itself an expression stays
// at the resource's value expression. Lines counted by hand below.
func TestPolicyInVariableLocated(t *testing.T) {
	p := writeFile(t, t.TempDir(), "t.json", `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "variables": {
    "Policy": "<policies><inbound><base /></inbound></policies>",
    "tpl": "<policies><inbound><base />__X__</inbound></policies>",
    "computed": "[concat('<policies>', '</policies>')]"
  },
  "resources": [
    { "type": "Microsoft.ApiManagement/service/apis/policies", "apiVersion": "2022-08-01", "name": "apim/a1/policy",
      "properties": { "format": "rawxml",
        "value": "[VARIABLES('policy')]" } },
    { "type": "Microsoft.ApiManagement/service/apis/policies", "apiVersion": "2022-08-01", "name": "apim/a2/policy",
      "properties": { "format": "rawxml",
        "value": "[replace(variables('tpl'), '__X__', '')]" } },
    { "type": "Microsoft.ApiManagement/service/apis/policies", "apiVersion": "2022-08-01", "name": "apim/a3/policy",
      "properties": { "format": "rawxml",
        "value": "[variables('computed')]" } }
  ]
}`)
	svc, err := Load([]string{p}, Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := map[string]string{"a1": "5:15 $.variables.Policy", "a2": "15:18", "a3": "18:18"}
	for _, api := range svc.APIs {
		if api.Policy == nil {
			t.Errorf("API %s has no policy", api.Name)
			continue
		}
		pos := api.Policy.Pos
		got := strings.TrimPrefix(pos.String(), p+":")
		if pos.Path == "$.variables.Policy" {
			got += " " + pos.Path
		}
		if got != want[api.Name] {
			t.Errorf("API %s: policy at %s (path %q), want %s", api.Name, got, pos.Path, want[api.Name])
		}
		delete(want, api.Name)
	}
	if len(want) > 0 {
		t.Errorf("no policy for %v", want)
	}
}
