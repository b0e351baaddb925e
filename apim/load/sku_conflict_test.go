package load

import (
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// TestSKUConflictingDeclarations: when the inputs declare the same service
// more than once with different tiers (two resources whose conditions
// depend on a parameter without a value, which the resolver keeps both of;
// two files), the tier is not known: the first declaration used to win, so
// the tier-aware rules (APIM316, APIM317, APIM001's severity, APIM210)
// judged the service by a tier it may not have. The same tier declared
// twice, in any case, stays known, and so does a lone declaration.
func TestSKUConflictingDeclarations(t *testing.T) {
	const conditional = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"useV2": {"type": "bool"}},
  "resources": [
    {"condition": "[not(parameters('useV2'))]", "type": "Microsoft.ApiManagement/service", "apiVersion": "2024-05-01", "name": "apim",
     "sku": {"name": "Premium", "capacity": 1}, "properties": {}},
    {"condition": "[parameters('useV2')]", "type": "Microsoft.ApiManagement/service", "apiVersion": "2024-05-01", "name": "apim",
     "sku": {"name": "StandardV2", "capacity": 1}, "properties": {}}
  ]
}`
	svcTmpl := func(sku string) string {
		return `{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0",
 "resources": [{"type": "Microsoft.ApiManagement/service", "apiVersion": "2024-05-01", "name": "apim", "sku": {"name": "` + sku + `", "capacity": 1}, "properties": {}}]}`
	}
	for _, tt := range []struct {
		name  string
		files map[string]string
		tier  apim.Tier // "" for unknown
	}{
		{"conditional declarations, condition unknown", map[string]string{"t.json": conditional}, ""},
		{"two files, two tiers", map[string]string{"a.json": svcTmpl("Developer"), "b.json": svcTmpl("BasicV2")}, ""},
		{"two files, one tier", map[string]string{"a.json": svcTmpl("Premium"), "b.json": svcTmpl("premium")}, apim.Premium},
		{"one declaration", map[string]string{"a.json": svcTmpl("StandardV2")}, apim.StandardV2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, body := range tt.files {
				writeFile(t, dir, name, body)
			}
			for _, load := range []struct {
				name string
				run  func() (*apim.Service, error)
			}{
				{"Load", func() (*apim.Service, error) { return Load([]string{dir}, Options{}) }},
				{"LoadServices", func() (*apim.Service, error) {
					svcs, err := LoadServices([]string{dir}, Options{})
					if err != nil || len(svcs) != 1 {
						t.Fatalf("%d services, %v", len(svcs), err)
					}
					return svcs[0], nil
				}},
			} {
				svc, err := load.run()
				if err != nil {
					t.Fatal(err)
				}
				got, ok := svc.Tier()
				if tt.tier == "" {
					if ok {
						t.Errorf("%s: Tier() = %q, want unknown (sku.name %+v)", load.name, got, svc.SKU.Name)
					}
					if svc.SKU == nil || svc.SKU.Name.Unknown() == "" || !svc.SKU.Name.Pos.IsValid() {
						t.Errorf("%s: sku %+v: want a name unknown with a reason, at the first declaration", load.name, svc.SKU)
					}
					continue
				}
				if !ok || got != tt.tier {
					t.Errorf("%s: Tier() = %q, %v; want %q", load.name, got, ok, tt.tier)
				}
			}
		})
	}
}
