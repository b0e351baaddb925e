package rules

import (
	"strings"

	"github.com/apimlab/apimlab/certs"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/certmat"
	"github.com/apimlab/apimlab/lint/probe"
)

// CertCAMismatch reports client certificates the backend will not accept
// because they do not chain to a CA it trusts.
var CertCAMismatch = &lint.Rule{
	ID:       "APIM304",
	Name:     "cert-ca-mismatch",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "The client certificate does not chain to a CA the backend trusts",
		Why: "A backend that requires client certificates accepts only those issued (directly or through " +
			"intermediates) by the CAs it trusts. A certificate from another CA — a staging CA in " +
			"production, a re-issued CA, a self-signed test certificate — fails the handshake on every " +
			"call. apimlab learns what the backend trusts from `.apimlab.yaml` " +
			"(`backends: {<name>: {trustedClientCAs: [ca.pem]}}`) or, with `lint --probe`, from the " +
			"acceptable CA names the server sends in its TLS CertificateRequest; findings from probing " +
			"say \"(probe)\". The message names the certificate's issuer and the CAs the backend accepts.",
		Fix: "Use a client certificate issued by a CA the backend trusts (and include the intermediates in the " +
			"PFX), or add the issuing CA to the backend's trusted client CAs.",
		Bad: `# .apimlab.yaml
backends: { orders: { trustedClientCAs: [ contoso-root.pem ] } }
# orders presents certificates/orders-client, issued by "CN=Fabrikam Root"`,
		Good: `# .apimlab.yaml
backends: { orders: { trustedClientCAs: [ contoso-root.pem ] } }
# orders presents certificates/orders-client, issued by "CN=Contoso Issuing CA" under contoso-root`,
		Since: "0.1.0",
	},
	Requires: []lint.Requirement{certmat.Material, probe.Input},
	Check:    checkCertCAMismatch,
}

func checkCertCAMismatch(pass *lint.Pass) {
	set := certmat.For(pass)
	probes := probe.For(pass)
	_, storeInter := certmat.CAStore(pass.Service)
	for _, b := range pass.Service.Backends {
		if b.Credentials == nil || !isSingle(b) {
			continue
		}
		clients := backendClientCerts(set, b)
		if len(clients) == 0 {
			continue
		}
		trusted, configured, _ := certmat.TrustedClientCAs(pass.Config, b.Name) // read errors: APIM315
		var pr *certs.ProbeResult
		if p := probes.For(b.Name); p != nil && p.Result != nil && p.Result.ClientCertRequested && len(p.Result.AcceptableCAsRaw) > 0 {
			pr = p.Result
		}
		for _, c := range clients {
			m := c.Entry.Material
			if m == nil || m.Leaf == nil {
				continue
			}
			if configured && len(trusted) > 0 {
				if ok, issuer := certs.ChainsTo(m.Leaf, chainWith(m, storeInter), trusted); !ok {
					pass.ReportFixf(c.Ref.Pos, backendSubject(b),
						"use a certificate issued by a CA the backend trusts, or add its CA to trustedClientCAs",
						"backend %q: %s is issued by %q, which does not chain to a CA the backend trusts; it accepts %s (backends.%s.trustedClientCAs)",
						b.Name, describeCert(c.Entry), issuer, dnList(trusted), b.Name)
				}
			}
			if pr != nil && !certs.AcceptedBy(m, pr.AcceptableCAsRaw) {
				pass.ReportFixf(c.Ref.Pos, backendSubject(b),
					"use a certificate issued by one of the CAs the server names",
					"(probe) backend %q: %s is issued by %q, but the server at %s accepts client certificates from %s only",
					b.Name, describeCert(c.Entry), m.Leaf.Issuer.String(), pr.Target, quoteAll(pr.AcceptableCAs))
			}
		}
	}
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = `"` + n + `"`
	}
	return strings.Join(q, ", ")
}
