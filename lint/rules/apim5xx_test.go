package rules

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/lint"
)

// TestSecretFromParametersFile checks what fixtures cannot express (they
// have no --parameters): a secret named value whose value comes from a
// plain string parameter set in a parameters file beside the template is
// reported at the sink, naming the parameters file position; a
// secureString parameter set in the same file is not.
func TestSecretFromParametersFile(t *testing.T) {
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "main.json")
	params := filepath.Join(dir, "main.parameters.json")
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(tmpl, `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "storeKey": { "type": "string" }, "ordersKey": { "type": "secureString" } },
  "resources": [
    { "type": "Microsoft.ApiManagement/service/namedValues", "apiVersion": "2024-05-01", "name": "apim/store-key",
      "properties": { "displayName": "store-key", "secret": true, "value": "[parameters('storeKey')]" } },
    { "type": "Microsoft.ApiManagement/service/namedValues", "apiVersion": "2024-05-01", "name": "apim/orders-key",
      "properties": { "displayName": "orders-key", "secret": true, "value": "[parameters('ordersKey')]" } }
  ]
}`)
	write(params, `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "storeKey": { "value": "not-a-real-key-10" },
    "ordersKey": { "value": "not-a-real-key-11" }
  }
}`)
	svc, err := load.Load([]string{tmpl}, load.Options{Parameters: []string{params}})
	if err != nil {
		t.Fatal(err)
	}
	res := lint.Run(svc, []*lint.Rule{SecretInline}, nil, lint.RunOptions{})
	if len(res.Findings) != 1 {
		t.Fatalf("findings = %v, want one", res.Findings)
	}
	f := res.Findings[0]
	if f.Pos.File != tmpl || f.Pos.Line != 7 {
		t.Errorf("finding at %s, want %s:7 (the sink)", f.Pos, tmpl)
	}
	want := `^secret named value "store-key" comes from plain string parameter "storeKey", whose value is written at ` +
		regexp.QuoteMeta(params) + `:5:28: `
	if !regexp.MustCompile(want).MatchString(f.Message) {
		t.Errorf("message %q does not match %q", f.Message, want)
	}
	if f.Severity != lint.Error || !f.Sensitive {
		t.Errorf("severity %v sensitive %v, want error and sensitive", f.Severity, f.Sensitive)
	}
}

// TestSecretInlineFixes checks the fix of each kind of APIM501 finding on
// an ARM template: a credential is moved to a secret named value or a
// secure parameter, but a secret named value's own value cannot be: it
// used to get "reference a secret named value ({{name}})", itself. Learn
// ("Use named values in Azure API Management policies") recommends Key
// Vault secrets for it.
func TestSecretInlineFixes(t *testing.T) {
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "main.json")
	write(t, dir, "main.json", []byte(`{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "dbPassword": { "type": "string", "defaultValue": "not-a-real-password-12" } },
  "resources": [
    { "type": "Microsoft.ApiManagement/service/namedValues", "apiVersion": "2024-05-01", "name": "apim/store-key",
      "properties": { "displayName": "store-key", "secret": true, "value": "not-a-real-key-13" } },
    { "type": "Microsoft.ApiManagement/service/namedValues", "apiVersion": "2024-05-01", "name": "apim/db-password",
      "properties": { "displayName": "db-password", "secret": true, "value": "[parameters('dbPassword')]" } },
    { "type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "name": "apim/orders",
      "properties": { "url": "https://orders.contoso.com", "protocol": "http",
        "credentials": { "header": { "x-api-key": [ "not-a-real-key-14" ] } } } }
  ]
}`))
	svc, err := load.Load([]string{tmpl}, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res := lint.Run(svc, []*lint.Rule{SecretInline}, nil, lint.RunOptions{})
	tests := []struct {
		message   string // a regexp of the finding's message
		want, not string // substrings of its fix
	}{
		{`^secret named value "store-key" has a literal value`, "keyVault.secretIdentifier", "reference a secret named value"},
		{`^secret named value "db-password" comes from plain string parameter "dbPassword"`, "keyVault.secretIdentifier", "reference a secret named value"},
		{`^backend "orders": credentials header "x-api-key" has a literal value`, "reference a secret named value", ""},
	}
	if len(res.Findings) != len(tests) {
		t.Fatalf("findings = %v, want %d", res.Findings, len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.message, func(t *testing.T) {
			re := regexp.MustCompile(tt.message)
			for _, f := range res.Findings {
				if !re.MatchString(f.Message) {
					continue
				}
				if !strings.Contains(f.Fix, tt.want) || tt.not != "" && strings.Contains(f.Fix, tt.not) {
					t.Errorf("fix %q: want it to contain %q and not %q", f.Fix, tt.want, tt.not)
				}
				return
			}
			t.Errorf("no finding matches %q in %v", tt.message, res.Findings)
		})
	}
}
