package rules

import (
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/certmat"
)

// CertByThumbprint reports Key Vault-backed certificates referenced by
// thumbprint.
var CertByThumbprint = &lint.Rule{
	ID:       "APIM310",
	Name:     "cert-by-thumbprint",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "A Key Vault-backed certificate is referenced by thumbprint",
		Why: "A thumbprint identifies one certificate. When Key Vault rotates the certificate, API " +
			"Management picks up the new one under the same id, but a reference by thumbprint " +
			"(`credentials.certificate`, `authentication-certificate thumbprint`) still names the old " +
			"one and breaks on the next rotation. apimlab matches thumbprints against the material it " +
			"can read (`--keyvault-dir`) and the entities' `thumbprint` property.",
		Fix: "Reference the certificate by id: `credentials.certificateIds: [\"/certificates/<id>\"]` or " +
			"`<authentication-certificate certificate-id=\"<id>\" />`.",
		Bad:   `"credentials": { "certificate": [ "8E1F0B7C…" ] }   // thumbprint of a Key Vault-backed certificate`,
		Good:  `"credentials": { "certificateIds": [ "/certificates/orders-client" ] }`,
		Since: "0.1.0",
	},
	Requires: []lint.Requirement{certmat.Material},
	Check:    checkCertByThumbprint,
}

func checkCertByThumbprint(pass *lint.Pass) {
	set := certmat.For(pass)
	for _, r := range certRefs(pass.Service, servicePolicies(pass)) {
		if !r.ByThumbprint {
			continue
		}
		e, _ := set.ByThumbprint(r.Value)
		if e == nil || !e.KeyVault {
			continue
		}
		fix := `reference it by id: certificateIds ["/certificates/` + e.ID + `"]`
		if r.Backend == nil {
			fix = `use certificate-id="` + e.ID + `"`
		}
		pass.ReportFixf(r.Pos, r.Subject, fix,
			"%s references Key Vault-backed certificate %q by thumbprint %s: the reference breaks when Key Vault rotates the certificate",
			refOwner(r), e.ID, certsThumb(r.Value))
	}
}
