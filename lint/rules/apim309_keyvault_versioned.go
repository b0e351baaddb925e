package rules

import (
	"strings"

	"github.com/apimlab/apimlab/certs"
	"github.com/apimlab/apimlab/lint"
)

// KeyVaultVersioned reports Key Vault references that pin a version.
var KeyVaultVersioned = &lint.Rule{
	ID:       "APIM309",
	Name:     "keyvault-versioned",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "A Key Vault secretIdentifier pins a version, which stops auto-rotation",
		Why: "API Management refreshes Key Vault-backed certificates and named values (every four hours) " +
			"only when the identifier has no version. With a version, a certificate renewed in Key Vault " +
			"is never picked up and the old one expires in production.",
		Fix:   "Drop the version segment: `https://<vault>.vault.azure.net/secrets/<name>`.",
		Bad:   `"secretIdentifier": "https://contoso-kv.vault.azure.net/secrets/orders-client/0f3c2a9b8d7e4f61a2b3c4d5e6f70819"`,
		Good:  `"secretIdentifier": "https://contoso-kv.vault.azure.net/secrets/orders-client"`,
		Since: "0.1.0",
	},
	Check: checkKeyVaultVersioned,
}

func checkKeyVaultVersioned(pass *lint.Pass) {
	for _, r := range keyVaultRefs(pass.Service) {
		sid := r.Ref.SecretIdentifier
		if !sid.Known() || strings.TrimSpace(sid.Value) == "" {
			continue
		}
		ref, err := certs.ParseKeyVaultURI(sid.Value)
		if err != nil || !ref.Versioned() {
			continue // malformed identifiers are APIM308's
		}
		pass.ReportFixf(sid.At(r.Ref.Pos), r.Subj, "remove the version from the secret identifier",
			"%s: keyVault.secretIdentifier pins version %s of %q: API Management will not pick up a rotated secret",
			r.What, ref.Version, ref.Name)
	}
}
