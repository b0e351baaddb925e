package rules

import (
	"strings"

	"github.com/apimlab/apimlab/certs"
	"github.com/apimlab/apimlab/lint"
)

// KeyVaultNotSecret reports Key Vault references that do not point at a
// secret.
var KeyVaultNotSecret = &lint.Rule{
	ID:       "APIM308",
	Name:     "keyvault-not-secret",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "A Key Vault secretIdentifier does not point at /secrets/",
		Why: "API Management reads certificates and named values from Key Vault as secrets: the " +
			"certificate's PFX is exposed through `https://<vault>.vault.azure.net/secrets/<name>`. An " +
			"identifier under `/certificates/` returns only the public certificate (no private key) and one " +
			"under `/keys/` returns a key, so the deployment fails or the certificate cannot be presented. " +
			"Identifiers that are not Key Vault URLs at all are reported too.",
		Fix: "Use the secret identifier of the certificate: replace `/certificates/<name>` (or `/keys/<name>`) " +
			"with `/secrets/<name>`, without a version.",
		Bad:   `"keyVault": { "secretIdentifier": "https://contoso-kv.vault.azure.net/certificates/orders-client" }`,
		Good:  `"keyVault": { "secretIdentifier": "https://contoso-kv.vault.azure.net/secrets/orders-client" }`,
		Since: "0.1.0",
	},
	Check: checkKeyVaultNotSecret,
}

func checkKeyVaultNotSecret(pass *lint.Pass) {
	for _, r := range keyVaultRefs(pass.Service) {
		sid := r.Ref.SecretIdentifier
		if !sid.Known() || strings.TrimSpace(sid.Value) == "" {
			continue
		}
		ref, err := certs.ParseKeyVaultURI(sid.Value)
		switch {
		case err != nil:
			pass.ReportFixf(sid.At(r.Ref.Pos), r.Subj, "use https://<vault>.vault.azure.net/secrets/<name>",
				"%s: keyVault.secretIdentifier is not a Key Vault secret identifier: %s",
				r.What, strings.TrimPrefix(err.Error(), "certs: "))
		case ref.Kind != "secrets":
			pass.ReportFixf(sid.At(r.Ref.Pos), r.Subj, "replace /"+ref.Kind+"/ with /secrets/",
				"%s: keyVault.secretIdentifier points at /%s/%s instead of /secrets/%s: API Management reads Key Vault secrets only",
				r.What, ref.Kind, ref.Name, ref.Name)
		}
	}
}
