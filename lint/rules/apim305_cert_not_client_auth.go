package rules

import (
	"github.com/apimlab/apimlab/certs"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/certmat"
)

// CertNotClientAuth reports certificates whose key usage forbids TLS
// client authentication.
var CertNotClientAuth = &lint.Rule{
	ID:       "APIM305",
	Name:     "cert-not-client-auth",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "The certificate's key usage does not allow client authentication",
		Why: "TLS servers that check key usage (Go, OpenSSL, IIS, Kestrel, nginx) refuse a client " +
			"certificate whose extended key usage is present without `clientAuth` (a server certificate " +
			"reused as a client certificate is the usual case) or whose key usage is present without " +
			"`digitalSignature` (the client signs the handshake with its key). The handshake fails on every call.",
		Fix: "Issue the client certificate from a template with the Client Authentication EKU " +
			"(1.3.6.1.5.5.7.3.2) and the digitalSignature key usage.",
		Bad:   `certificates/orders-client: extendedKeyUsage = serverAuth`,
		Good:  `certificates/orders-client: extendedKeyUsage = clientAuth; keyUsage = digitalSignature`,
		Since: "0.1.0",
	},
	Requires: []lint.Requirement{certmat.Material},
	Check:    checkCertNotClientAuth,
}

func checkCertNotClientAuth(pass *lint.Pass) {
	for _, e := range certmat.For(pass).Entries {
		if e.Material == nil || e.Material.Leaf == nil {
			continue
		}
		if ok, why := certs.ClientAuthUsable(e.Material.Leaf); !ok {
			pass.ReportFixf(e.Pos, e.Subject(), "issue the certificate with the clientAuth EKU and digitalSignature key usage",
				"%s cannot authenticate a TLS client: its %s (%s)", describeCert(e), why, e.Where)
		}
	}
}
