package rules

import (
	"time"

	"github.com/apimlab/apimlab/certs"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/certmat"
)

// CertExpiring reports client certificates that expire soon.
var CertExpiring = &lint.Rule{
	ID:       "APIM303",
	Name:     "cert-expiring",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "A client certificate expires within 30 days",
		Why: "Renewal takes a certificate request, an approval and a deployment; finding out a few days " +
			"before expiry leaves no room. After expiry, backends that validate client certificates refuse " +
			"every call (APIM302). Key Vault-backed certificates renew themselves only when the secret " +
			"identifier is unversioned (APIM309) and Key Vault's own renewal is set up.",
		Fix: "Renew the certificate now and upload it under the same id, or enable Key Vault auto-renewal " +
			"with an unversioned secret identifier.",
		Bad:   `certificates/orders-client: notAfter 2025-06-11 (checked on 2025-06-01, 10 days left)`,
		Good:  `certificates/orders-client: notAfter 2026-06-01 (checked on 2025-06-01)`,
		Since: "0.1.0",
		Options: []lint.Option{
			{Name: "days", Default: "30", Doc: "Warn when the certificate expires within this many days."},
		},
	},
	Requires: []lint.Requirement{certmat.Material},
	Check:    checkCertExpiring,
}

func checkCertExpiring(pass *lint.Pass) {
	within := time.Duration(pass.Float("days", 30) * float64(24*time.Hour))
	for _, e := range certmat.For(pass).Entries {
		_, notAfter, ok := validity(e)
		if !ok {
			continue
		}
		leaf := e.Material
		var expired, notYet, soon bool
		var left time.Duration
		if leaf != nil && leaf.Leaf != nil {
			expired, notYet, soon, left = certs.Expiry(leaf.Leaf, pass.Now, within)
		} else {
			left = notAfter.Sub(pass.Now)
			expired = pass.Now.After(notAfter)
			soon = !expired && within > 0 && left <= within
		}
		if expired || notYet || !soon {
			continue
		}
		pass.ReportFixf(e.Pos, e.Subject(), "renew the certificate and upload it under the same id",
			"%s expires on %s, in %s%s", describeCert(e), day(notAfter), days(left), from(e))
	}
}
