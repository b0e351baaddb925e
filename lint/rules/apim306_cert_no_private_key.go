package rules

import (
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/certmat"
)

// CertNoPrivateKey reports client certificates without a usable private key.
var CertNoPrivateKey = &lint.Rule{
	ID:       "APIM306",
	Name:     "cert-no-private-key",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "The certificate has no private key, or the key belongs to another certificate",
		Why: "A client certificate is useless without its private key: the client proves possession by " +
			"signing the handshake. Exporting \"without the private key\" (a .cer, or a PFX holding only " +
			"certificates) or bundling the wrong key produces a file the gateway cannot present, and every " +
			"call to the backend fails.",
		Fix: "Export the certificate with its private key (PFX, \"Yes, export the private key\"; or " +
			"`openssl pkcs12 -export -inkey client.key -in client.crt`) and upload that.",
		Bad:   `certificates/orders-client: PFX with the certificate and its CA, no key bag`,
		Good:  `certificates/orders-client: PFX with the certificate, its CA and the matching private key`,
		Since: "0.1.0",
	},
	Requires: []lint.Requirement{certmat.Material},
	Check:    checkCertNoPrivateKey,
}

func checkCertNoPrivateKey(pass *lint.Pass) {
	for _, e := range certmat.For(pass).Entries {
		m := e.Material
		if m == nil {
			continue
		}
		switch {
		case m.Key == nil:
			pass.ReportFixf(e.Pos, e.Subject(), "export the certificate with its private key",
				"%s holds no private key (%s): the gateway cannot present it as a client certificate", describeCert(e), e.Where)
		case !m.KeyMatches:
			pass.ReportFixf(e.Pos, e.Subject(), "bundle the certificate with its own private key",
				"%s: the private key in %s does not belong to the certificate", describeCert(e), e.Where)
		}
	}
}
