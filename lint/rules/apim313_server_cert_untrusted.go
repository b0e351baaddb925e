package rules

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"strings"

	"github.com/apimlab/apimlab/certs"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/probe"
)

// ServerCertUntrusted reports backends whose live server certificate the
// gateway would refuse (lint --probe).
var ServerCertUntrusted = &lint.Rule{
	ID:       "APIM313",
	Name:     "server-cert-untrusted",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "(probe) The backend's server certificate would fail the gateway's validation",
		Why: "With `tls.validateCertificateChain` and `validateCertificateName` on (the default), the " +
			"gateway refuses a backend whose certificate is issued by a CA it does not trust, is expired or " +
			"not yet valid, or is not issued for the host name in the backend URL, and every call fails " +
			"with 500. This rule needs `lint --probe`: apimlab connects to each HTTPS backend, verifies the " +
			"chain it sends against the system roots, the service CA store and the CAs given on the command " +
			"line, and, when `tls.serverCertificateThumbprints` is set, checks that the leaf is one of them. " +
			"A check whose validation flag is false is not reported here (APIM001 reports the flag).",
		Fix: "Renew or reissue the backend's certificate for the host name in the URL, upload a private CA to " +
			"the service CA store (`storeName: Root`), or call the backend by a name its certificate covers.",
		Bad:   `"url": "https://orders.internal.contoso.com"   // server presents a self-signed certificate`,
		Good:  `"url": "https://orders.internal.contoso.com"   // certificate from a CA in the CA store, valid, for this name`,
		Since: "0.1.0",
	},
	Requires: []lint.Requirement{probe.Input},
	Check:    checkServerCertUntrusted,
}

func checkServerCertUntrusted(pass *lint.Pass) {
	results := probe.For(pass)
	if results == nil {
		return
	}
	for _, p := range results.Backends {
		b := pass.Service.Backend(p.Name)
		if b == nil || p.Result == nil || len(p.Result.Chain) == 0 {
			continue
		}
		res := p.Result
		v := res.Verify
		leaf := res.Chain[0]
		var problems []string
		if b.TLS.ValidatesChain() {
			switch {
			case v.UnknownAuthority && selfSignedLeaf(leaf):
				problems = append(problems, fmt.Sprintf("it is self-signed (%q) and not trusted by the gateway", leaf.Subject.String()))
			case v.UnknownAuthority:
				problems = append(problems, fmt.Sprintf("it is issued by %q, a CA the gateway does not trust", leaf.Issuer.String()))
			}
			for _, c := range res.Chain {
				expired, notYet, _, _ := certs.Expiry(c, pass.Now, 0)
				switch {
				case expired:
					problems = append(problems, fmt.Sprintf("%q expired on %s", c.Subject.String(), day(c.NotAfter)))
				case notYet:
					problems = append(problems, fmt.Sprintf("%q is not valid until %s", c.Subject.String(), day(c.NotBefore)))
				}
			}
		}
		if b.TLS.ValidatesName() && v.HostnameMismatch {
			problems = append(problems, fmt.Sprintf("it is not issued for %q (it covers %s)", res.ServerName, covered(res)))
		}
		if b.TLS != nil && len(b.TLS.ServerCertificateThumbprints) > 0 {
			tp := certs.Thumbprint(leaf)
			pinned := false
			for _, f := range b.TLS.ServerCertificateThumbprints {
				if certs.NormalizeThumbprint(f.Value) == tp {
					pinned = true
				}
			}
			if !pinned {
				problems = append(problems, "its thumbprint "+certsThumb(tp)+" is not in tls.serverCertificateThumbprints")
			}
		}
		if len(problems) == 0 {
			continue
		}
		pass.ReportFixf(p.Pos, backendSubject(b), "fix the backend's certificate or trust its CA through the service CA store",
			"(probe) backend %q: the server certificate of %s would fail the gateway's validation: %s",
			b.Name, res.Target, strings.Join(problems, "; "))
	}
}

// selfSignedLeaf reports whether c is signed by its own key under its own
// name (a self-signed server certificate, CA or not).
func selfSignedLeaf(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// covered lists the names the probed leaf is valid for.
func covered(res *certs.ProbeResult) string {
	leaf := res.Chain[0]
	var names []string
	for _, n := range leaf.DNSNames {
		names = append(names, `"`+n+`"`)
	}
	for _, ip := range leaf.IPAddresses {
		names = append(names, `"`+ip.String()+`"`)
	}
	if len(names) == 0 {
		return "no host name"
	}
	return strings.Join(names, ", ")
}
