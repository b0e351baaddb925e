package arm

import (
	"testing"

	"github.com/apimlab/apimlab/apim/jsontree"
)

// TestResultRelease: Release drops a resource's node, and empties its
// declaration only when no other resource shares it: not a copy loop's
// (every iteration resolves the same declaration), not a parent holding
// child resources, not one inside a nested deployment's template.
func TestResultRelease(t *testing.T) {
	root, err := jsontree.Parse("t.json", []byte(`{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "name": "[concat('s', '/plain')]", "properties": {"url": "https://plain"}},
    {"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "name": "[concat('s/loop', copyIndex())]", "copy": {"name": "l", "count": 2}, "properties": {"url": "https://loop"}},
    {"type": "Microsoft.ApiManagement/service/apis", "apiVersion": "2024-05-01", "name": "s/api", "properties": {"path": "p"},
     "resources": [{"type": "policies", "apiVersion": "2024-05-01", "name": "policy", "properties": {"value": "<policies />"}}]},
    {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "inner", "properties": {"mode": "Incremental", "template": {
      "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0",
      "resources": [{"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "name": "s/nested", "properties": {"url": "https://nested"}}]}}}
  ]
}`))
	if err != nil {
		t.Fatal(err)
	}
	decls := root.Get("resources").Elems()
	nestedDecls := decls[3].Lookup("properties", "template", "resources").Elems()
	childDecls := decls[2].Get("resources").Elems()
	res := Resolve("t.json", root, nil)
	names := map[string]int{}
	for i, r := range res.Resources {
		names[r.Name] = i
	}
	for _, n := range []string{"s/plain", "s/loop0", "s/loop1", "s/api", "s/api/policy", "inner", "s/nested"} {
		if _, ok := names[n]; !ok {
			t.Fatalf("no resource %q in %v", n, names)
		}
	}
	for i := range res.Resources {
		res.Release(i)
		if res.Resources[i].Node != nil {
			t.Errorf("%s: node kept", res.Resources[i].Name)
		}
	}
	for _, c := range []struct {
		what     string
		slot     *jsontree.Value
		released bool
	}{
		{"plain resource", decls[0], true},
		{"copy loop", decls[1], false},
		{"parent of a child resource", decls[2], false},
		{"child resource", childDecls[0], true},
		{"nested deployment", decls[3], false},
		{"resource of a nested template", nestedDecls[0], false},
	} {
		if got := c.slot == nil; got != c.released {
			t.Errorf("%s: declaration released %v, want %v", c.what, got, c.released)
		}
	}
	if decls[1].Lookup("properties", "url").Text() != "https://loop" {
		t.Error("the copy loop's declaration was emptied")
	}
}
