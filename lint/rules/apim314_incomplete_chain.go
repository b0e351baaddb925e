package rules

import (
	"crypto/x509"

	"github.com/apimlab/apimlab/certs"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/certmat"
)

// IncompleteChain reports client certificates bundled without the
// intermediates between them and their root.
var IncompleteChain = &lint.Rule{
	ID:       "APIM314",
	Name:     "incomplete-chain",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "The PFX lacks the intermediates between the client certificate and its root",
		Why: "A backend usually trusts a root CA only; it can verify a client certificate issued by an " +
			"intermediate only if the client sends that intermediate. The gateway sends what the PFX " +
			"holds (plus CertificateAuthority entries of the CA store), so a PFX with the leaf alone, or " +
			"with the root but not the intermediate, fails the handshake with backends that do not hold the " +
			"intermediate themselves. A leaf issued directly by a root the configuration knows (CA store, " +
			"trustedClientCAs) is complete.",
		Fix: "Export the PFX with the whole chain (\"Include all certificates in the certification path\", or " +
			"`openssl pkcs12 -export -certfile intermediate.pem …`).",
		Bad:   `certificates/orders-client: PFX = key + leaf + root   (issuing intermediate missing)`,
		Good:  `certificates/orders-client: PFX = key + leaf + intermediate`,
		Since: "0.1.0",
	},
	Requires: []lint.Requirement{certmat.Material},
	Check:    checkIncompleteChain,
}

func checkIncompleteChain(pass *lint.Pass) {
	var known []*x509.Certificate // read on first need: trusted CA files cost I/O
	loaded := false
	for _, e := range certmat.For(pass).Entries {
		m := e.Material
		if m == nil || m.Leaf == nil || !certs.MissingIntermediates(m) {
			continue
		}
		if !loaded {
			known, loaded = knownRoots(pass), true
		}
		// Without roots MissingIntermediates flags a leaf that arrives
		// alone; a root the configuration knows to sign it proves it whole.
		complete := false
		for _, r := range known {
			if !certs.MissingIntermediates(m, r) {
				complete = true
				break
			}
		}
		if complete {
			continue
		}
		pass.ReportFixf(e.Pos, e.Subject(), "export the PFX with the whole certification path",
			"%s: %s holds no issuer of the client certificate (issued by %q); add the intermediate CA certificates",
			describeCert(e), e.Where, m.Leaf.Issuer.String())
	}
}
