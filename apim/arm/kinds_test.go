package arm

import (
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// TestUnresolvedKinds: an unresolved value's issue says, by its Kind, why
// nothing offline resolves it (issue 12: lint picks its hint from the
// kind, never from the message).
func TestUnresolvedKinds(t *testing.T) {
	const be = `"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "name": "apim/b"`
	kv, err := ParseParametersFile("p.json", []byte(`{"parameters": {"pw": {"reference": {"keyVault": {"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/kv"}, "secretName": "pw"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, params, props string
		given               Params
		want                apim.IssueKind
	}{
		{"a parameter without a value", `"host": {"type": "string"}`,
			`{"url": "[concat('https://', parameters('host'))]"}`, nil, apim.IssueNoValue},
		{"a Key Vault reference", `"pw": {"type": "securestring"}`,
			`{"credentials": {"header": {"x-key": ["[parameters('pw')]"]}}}`, kv, apim.IssueKeyVault},
		{"reference() to deployed state", ``,
			`{"url": "[reference('acct').endpoint]"}`, nil, apim.IssueNeedsDeployment},
		{"an unsupported function", ``,
			`{"url": "[frobnicate()]"}`, nil, apim.IssuePlain},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := Resolve("t.json", tmpl(t, tt.params, `{`+be+`, "properties": `+tt.props+`}`), tt.given)
			if len(res.Issues) != 1 {
				t.Fatalf("issues = %v, want one", res.Issues)
			}
			if is := res.Issues[0]; is.Code != apim.Unresolved || is.Kind != tt.want {
				t.Errorf("issue %s kind %d (%s), want unresolved kind %d", is.Code, is.Kind, is.Msg, tt.want)
			}
		})
	}
}

// TestTemplateParameters: the result lists each declared parameter with
// the string value in effect and where it is written (the parameters
// file's value over the default), so that rules need not re-read files.
func TestTemplateParameters(t *testing.T) {
	given, err := ParseParametersFile("p.json", []byte(`{"parameters": {
  "host": {"value": "given.contoso.com"},
  "pw": {"reference": {"keyVault": {"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/kv"}, "secretName": "pw"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	res := Resolve("t.json", tmpl(t, `"host": {"type": "string", "defaultValue": "default.contoso.com"},
"key": {"type": "String", "defaultValue": "k"},
"pw": {"type": "securestring"},
"token": {"type": "secureString", "defaultValue": "not-a-real-token"},
"n": {"type": "int", "defaultValue": 3}`, ``), given)
	type row struct {
		name, typ, value, pos string
		secure, has           bool
	}
	var got []row
	for _, p := range res.Parameters {
		got = append(got, row{p.Name, p.Type, p.Value, p.ValuePos.String(), p.Secure, p.HasValue})
	}
	want := []row{
		{"host", "string", "given.contoso.com", "p.json:2:21", false, true},
		{"key", "String", "k", "t.json:3:43", false, true},
		{"pw", "securestring", "", "-", true, false},
		{"token", "secureString", "", "-", true, false},
		{"n", "int", "", "-", false, false},
	}
	if len(got) != len(want) {
		t.Fatalf("parameters = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("parameter %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}
