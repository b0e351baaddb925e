package rules

import (
	"strings"
	"unicode"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// NamedValueNotSecret reports named values whose name says they hold a
// secret but that are neither marked secret nor kept in Key Vault.
var NamedValueNotSecret = &lint.Rule{
	ID:        "APIM502",
	Name:      "named-value-not-secret",
	Severity:  lint.Warning,
	Sensitive: true,
	Doc: lint.Doc{
		Title: "A named value that looks like a secret is not marked secret",
		Why: "A named value that is not `secret` is shown in clear text in the portal, returned by the " +
			"management API and exported by `az apim` and APIOps extractors into the repository. A " +
			"name or display name ending in password, pwd, secret, key, apikey, token or " +
			"connection string says the value is a credential. Key Vault-backed named values are " +
			"secret by construction and are not reported. Names where the secret word is followed by " +
			"a descriptor (token-endpoint, key-vault-uri, secret-name) are not reported.",
		Fix: "Set `secret: true` or, better, back the named value with a Key Vault secret " +
			"(`keyVault.secretIdentifier`).",
		Bad: `{ "type": "Microsoft.ApiManagement/service/namedValues", "name": "orders-api-key",
  "properties": { "displayName": "orders-api-key", "value": "[parameters('ordersKey')]" } }`,
		Good: `{ "type": "Microsoft.ApiManagement/service/namedValues", "name": "orders-api-key",
  "properties": { "displayName": "orders-api-key", "secret": true,
    "keyVault": { "secretIdentifier": "https://kv.vault.azure.net/secrets/orders-api-key" } } }`,
		Since: "0.1.0",
	},
	Check: checkNamedValueNotSecret,
}

// secretSuffixes end the last word of a name that holds a credential.
var secretSuffixes = []string{"password", "passwd", "pwd", "secret", "key", "apikey", "token", "connectionstring"}

// looksSecret reports whether a named value name says it holds a secret:
// its last word (camelCase, '-', '_', '.', ' ' and trailing digits split
// words) ends in a secret word, or the name ends in "connection string".
func looksSecret(name string) (word string, ok bool) {
	words := splitWords(name)
	for len(words) > 0 && strings.Trim(words[len(words)-1], "0123456789") == "" {
		words = words[:len(words)-1]
	}
	if len(words) == 0 {
		return "", false
	}
	last := strings.TrimRight(words[len(words)-1], "0123456789")
	if last == "string" && len(words) > 1 && words[len(words)-2] == "connection" {
		return "connection string", true
	}
	for _, s := range secretSuffixes {
		if strings.HasSuffix(last, s) {
			return last, true
		}
	}
	return "", false
}

// splitWords splits a name into lower-case words.
func splitWords(name string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(name)
	for i, r := range rs {
		switch {
		case r == '-' || r == '_' || r == '.' || r == ' ' || r == '/':
			flush()
		case unicode.IsUpper(r) && i > 0 && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1]))):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return words
}

func checkNamedValueNotSecret(pass *lint.Pass) {
	for _, nv := range pass.Service.NamedValues {
		if nv.KeyVault != nil || nv.Secret.Value || nv.Secret.Unknown() != "" {
			continue
		}
		word, ok := looksSecret(nv.Name)
		label := nv.Name
		if !ok && nv.DisplayName.Known() {
			word, ok = looksSecret(nv.DisplayName.Value)
			label = nv.DisplayName.Value
		}
		if !ok {
			continue
		}
		pos := nv.Secret.At(nv.Pos)
		how := "does not set secret"
		if nv.Secret.Known() {
			how = "sets secret: false"
		}
		pass.ReportFixf(pos, namedValueSubject(nv), `set "secret": true or use a Key Vault reference`,
			"named value %q looks like a secret (%q) but %s and is not in Key Vault: its value shows in clear text in the portal and exports",
			label, word, how)
	}
}

// namedValueSubject is the finding subject for a named value.
func namedValueSubject(nv *apim.NamedValue) lint.Subject {
	return lint.Subject{Kind: "named-value", Name: nv.Name}
}
