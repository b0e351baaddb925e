package rules

import (
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/certmat"
	"github.com/apimlab/apimlab/lint/probe"
)

// CertChecksSkipped reports certificate checks that could not run: the
// material is not available offline, a trusted CA file cannot be read, or
// a backend could not be probed.
var CertChecksSkipped = &lint.Rule{
	ID:       "APIM315",
	Name:     "cert-checks-skipped",
	Severity: lint.Info,
	Doc: lint.Doc{
		Title: "Certificate checks were skipped because the material is not available",
		Why: "Most certificate rules (expiry, key usage, private key, strength, chain, CA trust) need the " +
			"certificate itself. apimlab never guesses: when the entity is Key Vault-backed and no " +
			"`--keyvault-dir` is given, when its password is a parameter without a value, when APIOps " +
			"extracted no data, when a `trustedClientCAs` file cannot be read, or when `--probe` cannot " +
			"reach a backend, the dependent checks are skipped and this finding names them, so that a clean " +
			"run is not mistaken for a checked one. (A rule of its own rather than APIM902, which is about " +
			"ARM expressions, so that it can be disabled on its own.)",
		Fix: "Map the certificate id to a PFX/PEM file under `certificates` in .apimlab.yaml (with " +
			"`passwordEnv`), pass `--keyvault-dir DIR` holding `<secret-name>.pfx`, pass the parameters file, " +
			"or set APIMLAB_CERT_PASSWORD_<ID>. Or accept the finding: it is informational.",
		Bad: `{ "type": "Microsoft.ApiManagement/service/certificates", "name": "contoso/orders-client",
  "properties": { "keyVault": { "secretIdentifier": "https://contoso-kv.vault.azure.net/secrets/orders-client" } } }
# linted without --keyvault-dir`,
		Good: `# .apimlab.yaml
keyvaultDir: kv        # kv/orders-client.pfx stands in for the secret`,
		Since: "0.1.0",
	},
	Requires: []lint.Requirement{certmat.Material, probe.Input},
	Check:    checkCertChecksSkipped,
}

func checkCertChecksSkipped(pass *lint.Pass) {
	for _, e := range certmat.For(pass).Entries {
		if e.Skipped == "" {
			continue
		}
		what := "APIM301 thumbprint references, " + materialRules
		if !e.Expiration.IsZero() { // expirationDate still feeds the expiry rules
			what = strings.Replace(materialRules, "APIM302 cert-expired, APIM303 cert-expiring, ", "", 1)
		}
		pass.Reportf(e.Pos, e.Subject(), "certificate %q: %s; skipped: %s", e.ID, e.Skipped, what)
	}
	for _, b := range pass.Service.Backends {
		if _, _, err := certmat.TrustedClientCAs(pass.Config, b.Name); err != nil {
			pass.ReportFixf(apim.Position{File: pass.Config.File}, backendSubject(b),
				"fix the trustedClientCAs path or the file (PEM or DER CA certificates)",
				"%v; skipped: APIM304 cert-ca-mismatch against the configured CAs", err)
		}
	}
	results := probe.For(pass)
	if results == nil {
		return
	}
	for _, p := range results.Backends {
		if p.Err != nil {
			pass.ReportFixf(p.Pos, lint.Subject{Kind: "backend", Name: p.Name},
				"check that the backend is reachable from this machine and speaks TLS on that port, or raise --probe-timeout",
				"(probe) backend %q: %s could not be probed: %v; skipped: APIM304 (probe), APIM313 server-cert-untrusted",
				p.Name, p.Addr, p.Err)
		}
	}
}
