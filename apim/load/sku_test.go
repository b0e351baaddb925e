package load

import (
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// TestSKUAndAPIVersion: the service's sku (name and capacity, with
// positions) and each backend's apiVersion are in the model, from ARM
// (literal or parameter default) and REST/az JSON; APIOps has neither.
func TestSKUAndAPIVersion(t *testing.T) {
	const armTmpl = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"tier": {"type": "string", "defaultValue": "StandardV2"}},
  "variables": {"ver": "2025-09-01-preview"},
  "resources": [
    {"type": "Microsoft.ApiManagement/service", "apiVersion": "2024-05-01", "name": "apim",
     "sku": {"name": "[parameters('tier')]", "capacity": 2}, "properties": {}},
    {"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "[variables('ver')]", "name": "apim/orders",
     "properties": {"url": "https://orders.contoso.com", "protocol": "http"}}
  ]
}`
	const rest = `{
  "id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.ApiManagement/service/apim",
  "type": "Microsoft.ApiManagement/service", "name": "apim",
  "sku": {"name": "Consumption", "capacity": 0},
  "properties": {"publisherEmail": "ops@contoso.com"}
}`
	for _, tt := range []struct {
		name, file, body string
		tier             apim.Tier
		capacity         int
		skuPos           string // "line:col" of sku.name
		backendVersion   string
	}{
		{"ARM, tier from a parameter default, version from a variable", "t.json", armTmpl, apim.StandardV2, 2, "8:22", "2025-09-01-preview"},
		{"REST service resource", "svc.json", rest, apim.Consumption, 0, "4:19", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, t.TempDir(), tt.file, tt.body)
			svc, err := Load([]string{p}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if svc.SKU == nil {
				t.Fatalf("no SKU; issues %v", svc.Issues)
			}
			if got, ok := svc.Tier(); !ok || got != tt.tier {
				t.Errorf("Tier() = %q, %v; want %q", got, ok, tt.tier)
			}
			if got := svc.SKU.Capacity.Value; got != tt.capacity || !svc.SKU.Capacity.Known() {
				t.Errorf("capacity = %d, want %d", got, tt.capacity)
			}
			if got, want := svc.SKU.Name.Pos.String(), p+":"+tt.skuPos; got != want {
				t.Errorf("sku.name at %s, want %s", got, want)
			}
			if tt.backendVersion == "" {
				return
			}
			b := svc.Backend("orders")
			if b == nil {
				t.Fatal("no backend orders")
			}
			if got := b.APIVersion.Value; got != tt.backendVersion || !b.APIVersion.Known() {
				t.Errorf("backend apiVersion = %q, want %q", got, tt.backendVersion)
			}
		})
	}
}

func TestTierParse(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want apim.Tier
		ok   bool
		v2   bool
	}{
		{"consumption", apim.Consumption, true, false},
		{" StandardV2 ", apim.StandardV2, true, true},
		{"premiumv2", apim.PremiumV2, true, true},
		{"Premium", apim.Premium, true, false},
		{"Standard v2", "", false, false},
		{"Gold", "", false, false},
	} {
		got, ok := apim.ParseTier(tt.in)
		if got != tt.want || ok != tt.ok || got.V2() != tt.v2 {
			t.Errorf("ParseTier(%q) = %q, %v (v2 %v); want %q, %v (v2 %v)", tt.in, got, ok, got.V2(), tt.want, tt.ok, tt.v2)
		}
	}
}
