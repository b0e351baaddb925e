package load

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/apimlab/apimlab/apim/jsontree"
	"github.com/apimlab/apimlab/apim/summary"
)

// FuzzLoadJSON feeds arbitrary bytes to the JSON loader (detection, ARM
// resolution, REST and model building). It must never panic, and a load
// that succeeds must summarise.
func FuzzLoadJSON(f *testing.F) {
	for _, seed := range []string{
		restBackend,
		`{"value": [{"type": "Microsoft.ApiManagement/service/backends", "name": "p", "properties": {"type": "Pool", "pool": {"services": [{"id": "/backends/a", "weight": "x"}]}}}]}`,
		`{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0",
		  "resources": [{"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "name": "[concat('a', '/b')]",
		  "properties": {"url": "[parameters('u')]", "circuitBreaker": {"rules": [{"failureCondition": {"count": 1, "interval": "PT1M"}, "tripDuration": "P1Y"}]}}}]}`,
		`[]`, `{}`, `null`, `"x"`, `{"responses": {"200": {"body": {}}}, "parameters": {}}`,
	} {
		f.Add([]byte(seed))
	}
	for _, p := range []string{"../../fixtures/forms/arm/azuredeploy.json", "../../fixtures/forms/bicep/main.json", "../../fixtures/demo/apim.json"} {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "in.json")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		svc, err := Load([]string{p}, Options{})
		if err != nil {
			return
		}
		_ = summary.Of(svc, summary.Options{}).Text()
		_ = Problems(svc)
	})
}

// FuzzParseJSON checks that the positioned JSON parser never panics and
// that every error it returns is positioned.
func FuzzParseJSON(f *testing.F) {
	for _, seed := range []string{`{"a": [1, 2, {"b": null}]}`, `{"a":`, "\xef\xbb\xbf{}", `[1, 2,]`, `{"a":1,"a":2}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := jsontree.Parse("f.json", data)
		if err != nil {
			if v != nil {
				t.Errorf("value returned with error %v", err)
			}
			return
		}
		_ = v.Path()
		_ = v.Interface()
	})
}
