package rules

import (
	"strings"

	"github.com/apimlab/apimlab/certs"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/certmat"
)

// CertWeak reports client certificates with weak keys or signatures.
var CertWeak = &lint.Rule{
	ID:       "APIM307",
	Name:     "cert-weak",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "The certificate uses a weak key or signature algorithm",
		Why: "RSA keys under 2048 bits and ECDSA keys under 256 bits can be factored or broken with " +
			"affordable computing, and SHA-1 (or MD5) signatures can be forged by collision. Current TLS " +
			"stacks and security baselines refuse such certificates, so a backend upgrade can turn them " +
			"into outages as well as risks.",
		Fix: "Reissue the certificate with an RSA-2048 (or larger) or ECDSA P-256 (or larger) key, signed " +
			"with SHA-256 or better.",
		Bad:   `certificates/orders-client: RSA 1024 bits, sha1WithRSAEncryption`,
		Good:  `certificates/orders-client: ECDSA P-256, ecdsa-with-SHA256`,
		Since: "0.1.0",
	},
	Requires: []lint.Requirement{certmat.Material},
	Check:    checkCertWeak,
}

func checkCertWeak(pass *lint.Pass) {
	for _, e := range certmat.For(pass).Entries {
		if e.Material == nil || e.Material.Leaf == nil {
			continue
		}
		weak := certs.Weakness(e.Material.Leaf)
		if len(weak) == 0 {
			continue
		}
		parts := make([]string, len(weak))
		for i, w := range weak {
			parts[i] = w.String()
		}
		pass.ReportFixf(e.Pos, e.Subject(), "reissue with RSA-2048+/ECDSA P-256+ and a SHA-256 signature",
			"%s is weak: %s (%s)", describeCert(e), strings.Join(parts, "; "), e.Where)
	}
}
