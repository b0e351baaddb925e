package arm

import (
	"testing"

	"github.com/apimlab/apimlab/apim/jsontree"
)

// TestPlacedResultsAreOwn checks that positioning expression results in
// place (callOwned) never touches a value shared with another place: a
// variable's value, a parameter's, or another resource's.
func TestPlacedResultsAreOwn(t *testing.T) {
	root, err := jsontree.Parse("t.json", []byte(`{
"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
"contentVersion": "1.0.0.0",
"parameters": {"svc": {"type": "string", "defaultValue": "[concat('ap', 'im')]"}},
"variables": {"v": "[format('{0}-x', parameters('svc'))]"},
"resources": [
 {"type": "T/a", "apiVersion": "1", "name": "[format('{0}/one', parameters('svc'))]",
  "properties": {"p": "[parameters('svc')]", "v": "[variables('v')]", "c": "[concat(variables('v'), '')]"}},
 {"type": "T/a", "apiVersion": "1", "name": "[format('{0}/two', parameters('svc'))]",
  "properties": {"p": "[parameters('svc')]", "v": "[variables('v')]", "c": "[concat(variables('v'), '')]"}}
]}`))
	if err != nil {
		t.Fatal(err)
	}
	res := Resolve("t.json", root, nil)
	if len(res.Resources) != 2 || len(res.Issues) != 0 {
		t.Fatalf("%d resources, issues %v", len(res.Resources), res.Issues)
	}
	seen := map[*value]string{}
	for i, r := range res.Resources {
		for _, k := range []string{"p", "v", "c"} {
			v := r.Node.Lookup("properties", k)
			decl := root.Get("resources").Elems()[i].Lookup("properties", k)
			if v.Pos != decl.Pos || v.Expr() != decl.Str {
				t.Errorf("resource %d %s: at %s from %q, want %s from %q", i, k, v.Pos, v.Expr(), decl.Pos, decl.Str)
			}
			if other, ok := seen[v]; ok {
				t.Errorf("resource %d %s: same value as %s", i, k, other)
			}
			seen[v] = r.Name + " " + k
		}
	}
	if got := res.Resources[1].Node.Lookup("properties", "v").Str; got != "apim-x" {
		t.Errorf("v = %q", got)
	}
}

// TestScratchOverflow nests calls of functions that only read their
// arguments deeper than the scratch space holds literals (maxScratch).
func TestScratchOverflow(t *testing.T) {
	expr, want := "'x'", "x"
	for i := range 2*maxScratch + 3 {
		if i%2 == 0 {
			expr = "concat('a', " + expr + ", 1, true)"
			want = "a" + want + "1True"
		} else {
			expr = "format('{0}{1}', " + expr + ", 'b')"
			want += "b"
		}
	}
	v, r := evalIn(t, "["+expr+"]")
	if v.Kind != jsontree.String || v.Str != want {
		t.Fatalf("got %s, want %q", render(v), want)
	}
	if r.lits != 0 || len(r.args) != 0 {
		t.Errorf("scratch not handed back: %d literals, %d arguments", r.lits, len(r.args))
	}
}
