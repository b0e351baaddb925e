package arm

import (
	"testing"

	"github.com/apimlab/apimlab/apim/jsontree"
)

// TestVariableText: only an expression that is exactly a call of
// variables() with a literal name, reading a variable written as a plain
// string, gives the variable's definition.
func TestVariableText(t *testing.T) {
	root, err := jsontree.Parse("t.json", []byte(`{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "n": { "type": "string", "defaultValue": "plain" } },
  "variables": {
    "Plain": "<policies />",
    "expr": "[concat('<a', '/>')]",
    "escaped": "[[not an expression]",
    "obj": { "x": "<policies />" },
    "copy": [ { "name": "list", "count": 1, "input": "<b />" } ]
  },
  "resources": [ { "type": "Microsoft.ApiManagement/service/apis/policies", "apiVersion": "2022-08-01", "name": "apim/a/policy",
    "properties": { "value": "[variables('plain')]" } } ]
}`))
	if err != nil {
		t.Fatal(err)
	}
	res := Resolve("t.json", root, nil)
	if len(res.Resources) != 1 {
		t.Fatalf("%d resources", len(res.Resources))
	}
	r := &res.Resources[0]
	for expr, want := range map[string]string{
		"[variables('plain')]":         "<policies />",
		"[ Variables( 'PLAIN' ) ]":     "<policies />",
		"[variables('expr')]":          "",
		"[variables('escaped')]":       "",
		"[variables('obj')]":           "",
		"[variables('obj').x]":         "",
		"[variables('list')]":          "",
		"[variables('missing')]":       "",
		"[variables(parameters('n'))]": "",
		"[concat(variables('plain'))]": "",
		"variables('plain')":           "",
		"[variables('plain')":          "",
	} {
		got := ""
		if v := r.VariableText(expr); v != nil {
			got = v.Str
			if p := v.PositionWithPath(); p.Line != 6 || p.Path != "$.variables.Plain" {
				t.Errorf("%s: at %v %q, want line 6 $.variables.Plain", expr, p, p.Path)
			}
		}
		if got != want {
			t.Errorf("VariableText(%s) = %q, want %q", expr, got, want)
		}
	}
	var none *Resource
	if none.VariableText("[variables('plain')]") != nil {
		t.Error("nil resource: want nil")
	}
}
