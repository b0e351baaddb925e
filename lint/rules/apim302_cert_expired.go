package rules

import (
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/certmat"
)

// CertExpired reports client certificates that are expired or not yet valid.
var CertExpired = &lint.Rule{
	ID:       "APIM302",
	Name:     "cert-expired",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "A client certificate is expired or not yet valid",
		Why: "The gateway presents the certificate as is; a backend that validates client certificates " +
			"refuses an expired or not-yet-valid one in the TLS handshake, so every call fails with 500 " +
			"(BackendConnectionFailure). apimlab reads the certificate from the entity's `data`, the file " +
			"mapped in .apimlab.yaml, the Key Vault stand-in directory (--keyvault-dir) or, for REST/az " +
			"output, its `expirationDate`; the check date is the run's clock.",
		Fix: "Upload a renewed certificate (or point the Key Vault secret at one) and keep the certificate " +
			"id, so backends and policies referencing it need no change.",
		Bad:   `certificates/orders-client: notAfter 2025-05-31 (checked on 2025-06-01)`,
		Good:  `certificates/orders-client: notAfter 2026-06-01 (checked on 2025-06-01)`,
		Since: "0.1.0",
	},
	Requires: []lint.Requirement{certmat.Material},
	Check:    checkCertExpired,
}

func checkCertExpired(pass *lint.Pass) {
	for _, e := range certmat.For(pass).Entries {
		notBefore, notAfter, ok := validity(e)
		if !ok {
			continue
		}
		switch {
		// Bounds are inclusive, as in crypto/x509 and certs.Expiry.
		case pass.Now.After(notAfter):
			pass.ReportFixf(e.Pos, e.Subject(), "upload a renewed certificate under the same id",
				"%s expired on %s (%s ago)%s", describeCert(e), day(notAfter), days(pass.Now.Sub(notAfter)), from(e))
		case !notBefore.IsZero() && pass.Now.Before(notBefore):
			pass.ReportFixf(e.Pos, e.Subject(), "use a certificate that is valid now",
				"%s is not valid until %s (in %s)%s", describeCert(e), day(notBefore), days(notBefore.Sub(pass.Now)), from(e))
		}
	}
}
