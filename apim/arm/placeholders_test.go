package arm

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/jsontree"
)

// tmpl wraps resources (and parameters) in a template and parses it.
func tmpl(t *testing.T, params, resources string) *jsontree.Value {
	t.Helper()
	src := fmt.Sprintf(`{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
"contentVersion": "1.0.0.0", "parameters": {%s}, "resources": [%s]}`, params, resources)
	root, err := jsontree.Parse("t.json", []byte(src))
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	return root
}

func TestNamePlaceholder(t *testing.T) {
	const be = `"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "properties": {}`
	for _, tt := range []struct {
		name, params, resources string
		want                    []string // "name|placeholder" of every resource
	}{
		{"concat of a parameter without value", `"apimName": {"type": "string"}`,
			`{` + be + `, "name": "[concat(parameters('apimName'), '/orders')]"}`,
			[]string{"|<apimName>/orders"}},
		{"format of two parameters", `"svc": {"type": "string"}, "be": {"type": "string"}`,
			`{` + be + `, "name": "[format('{0}/{1}', parameters('svc'), parameters('be'))]"}`,
			[]string{"|<svc>/<be>"}},
		{"a parameter with a value is not a placeholder", `"apimName": {"type": "string", "defaultValue": "apim"}`,
			`{` + be + `, "name": "[concat(parameters('apimName'), '/orders')]"}`,
			[]string{"apim/orders|"}},
		{"copy loop of unknown count", `"n": {"type": "int"}`,
			`{` + be + `, "name": "[concat('apim/be-', copyIndex())]", "copy": {"name": "l", "count": "[parameters('n')]"}}`,
			[]string{"|apim/be-<copyIndex>"}},
		{"child of a parent named by a parameter", `"apimName": {"type": "string"}`,
			`{"type": "Microsoft.ApiManagement/service", "apiVersion": "2024-05-01", "name": "[parameters('apimName')]",
			  "resources": [{"type": "backends", "apiVersion": "2024-05-01", "name": "orders", "properties": {}}]}`,
			[]string{"|<apimName>", "|<apimName>/orders"}},
		{"reference() stays unknown", ``,
			`{` + be + `, "name": "[concat(reference('x').name, '/orders')]"}`,
			[]string{"|"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := Resolve("t.json", tmpl(t, tt.params, tt.resources), nil)
			var got []string
			for _, r := range res.Resources {
				got = append(got, r.Name+"|"+r.NamePlaceholder)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("resources = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEvaluationFailureWithDefaults(t *testing.T) {
	const be = `"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "name": "apim/b"`
	for _, tt := range []struct {
		name, params, props string
		given               Params
		wantCode            apim.Code
		wantKind            apim.IssueKind
		wantMsg             string
	}{
		{"index into an empty default array", `"hosts": {"type": "array", "defaultValue": []}`,
			`{"url": "[parameters('hosts')[0]]"}`, nil,
			apim.Unresolved, apim.IssueEvalDefaults, "cannot evaluate with default parameters: index 0 out of range (array length 0)"},
		{"the same with the value given", `"hosts": {"type": "array", "defaultValue": []}`,
			`{"url": "[parameters('hosts')[0]]"}`, Params{"hosts": &jsontree.Value{Kind: jsontree.Array}},
			apim.Malformed, apim.IssuePlain, "index 0 out of range (array length 0)"},
		{"a missing property of a default object", `"cfg": {"type": "object", "defaultValue": {}}`,
			`{"url": "[parameters('cfg').url]"}`, nil,
			apim.Unresolved, apim.IssueEvalDefaults, "cannot evaluate with default parameters: property \"url\" does not exist"},
		{"structural errors stay APIM901", `"hosts": {"type": "array", "defaultValue": []}`,
			`{"url": "[concat(parameters('hosts'), variables('nope'))]"}`, nil,
			apim.Malformed, apim.IssuePlain, "variables(): variable \"nope\" is not declared"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := tmpl(t, tt.params, `{`+be+`, "properties": `+tt.props+`}`)
			res := Resolve("t.json", root, tt.given)
			if len(res.Issues) != 1 {
				t.Fatalf("issues = %v, want one", res.Issues)
			}
			is := res.Issues[0]
			if is.Code != tt.wantCode || is.Kind != tt.wantKind || !strings.HasPrefix(is.Msg, tt.wantMsg) {
				t.Errorf("issue = %s %d %q, want %s %d %q", is.Code, is.Kind, is.Msg, tt.wantCode, tt.wantKind, tt.wantMsg)
			}
			// The resources are on line 2; the issue is at the url string.
			url := root.Lookup("resources").Elems()[0].Lookup("properties", "url").Position()
			if is.Pos.Line != 2 || is.Pos != url {
				t.Errorf("issue at %s, want the expression's position %s", is.Pos, url)
			}
		})
	}
}

// Objects built by ARM functions are located at the expression that built
// them, members included.
func TestBuiltValuesArePositioned(t *testing.T) {
	root := tmpl(t, `"strict": {"type": "bool", "defaultValue": false}`, `{"type": "Microsoft.ApiManagement/service/backends",
 "apiVersion": "2024-05-01", "name": "apim/b",
 "properties": "[createObject('tls', if(parameters('strict'), createObject('validateCertificateChain', true()), createObject('validateCertificateChain', false())), 'hosts', createArray('a', 'b'))]"}`)
	res := Resolve("t.json", root, nil)
	r := find(t, res, "Microsoft.ApiManagement/service/backends", "apim/b")
	for _, path := range [][]string{
		{"properties"}, {"properties", "tls"}, {"properties", "tls", "validateCertificateChain"}, {"properties", "hosts"},
	} {
		v := r.Node.Lookup(path...)
		if v == nil {
			t.Fatalf("%v missing", path)
		}
		// "properties" is the fourth line of the template (the resource
		// starts on line 2); its string starts at column 16.
		if p := v.Position(); p.File != "t.json" || p.Line != 4 || p.Col != 16 {
			t.Errorf("%v at %s, want t.json:4:16 (the expression)", path, p)
		}
	}
	if v := r.Node.Lookup("properties", "hosts").Elems()[1]; v.Position().Line != 4 {
		t.Errorf("array element at %s", v.Position())
	}
	if v := r.Node.Lookup("properties", "tls", "validateCertificateChain"); v.Kind != jsontree.Bool || v.Bool {
		t.Errorf("validateCertificateChain = %v", v)
	}
}

// The values given to secure parameters are listed for masking, wherever
// the template uses them.
func TestSecureValues(t *testing.T) {
	root := tmpl(t, `"key": {"type": "securestring"}, "obj": {"type": "secureObject", "defaultValue": {"a": "obj-secret-1", "n": 3}}, "plain": {"type": "string"}`, ``)
	res := Resolve("t.json", root, Params{
		"key":   &jsontree.Value{Kind: jsontree.String, Str: "key-secret-1"},
		"plain": &jsontree.Value{Kind: jsontree.String, Str: "not-a-secret"},
	})
	got := strings.Join(sorted(res.SecureValues), ",")
	if got != "key-secret-1,obj-secret-1" {
		t.Errorf("SecureValues = %s", got)
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
