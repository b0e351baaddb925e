package gateway

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/apim/policyexpr"
	"github.com/apimlab/apimlab/certs"
)

// ReasonClientCertificate is the LastError reason of a request whose
// client certificate validate-client-certificate refused (apimlab's name:
// Learn documents neither the status nor the reason).
const ReasonClientCertificate = "ClientCertificateInvalid"

// maxCertIdentities is Learn's limit of <identity> elements.
const maxCertIdentities = 10

// clientCertStep is <validate-client-certificate validate-revocation
// validate-trust validate-not-before validate-not-after ignore-error> with
// <identities><identity thumbprint serial-number common-name subject
// dns-name issuer-subject issuer-thumbprint issuer-certificate-id/>
// (Learn, "Validate client certificate",
// https://learn.microsoft.com/azure/api-management/validate-client-certificate-policy:
// "a client certificate must match all the validation rules defined by the
// attributes at the top-level element and match all defined claims for at
// least one of the defined identities"). The certificate is the one the
// client presented in the TLS handshake (ServerOptions.ClientCertificates
// asks for it); a request without one fails.
//
// Trust is a chain to the gateway's roots (system, service CA store, --ca
// files) through the client's chain and the CAs apimlab knows, judged at
// the gateway's clock clamped into the leaf's validity, so the leaf's dates
// are judged by validate-not-before/-after alone. validate-revocation is
// not emulated (no network): no certificate is revoked. A failure answers
// 401 ClientCertificateInvalid (apimlab's choice) unless ignore-error.
type clientCertStep struct {
	trust, notBefore, notAfter, ignoreError bool
	identities                              []certIdentity
	id                                      string
}

// certIdentity is one <identity>: every claim set must match.
type certIdentity struct {
	thumbprint, serial, commonName, dnsName, issuerThumbprint string
	subject, issuerSubject                                    []dnAttr // nil: not set
	issuer                                                    *x509.Certificate
}

func (c *compiler) validateClientCertificate(e *policy.Element) step {
	st := &clientCertStep{
		trust:       c.boolAttr(e, "validate-trust", true),
		notBefore:   c.boolAttr(e, "validate-not-before", true),
		notAfter:    c.boolAttr(e, "validate-not-after", true),
		ignoreError: c.boolAttr(e, "ignore-error", false),
		id:          policyID(e),
	}
	c.boolAttr(e, "validate-revocation", true) // read for its error; not emulated
	c.eachNested(e, "identities", "identity", func(id *policy.Element) {
		if ident, ok := c.certIdentity(id); ok {
			st.identities = append(st.identities, ident)
		}
	})
	if len(st.identities) > maxCertIdentities {
		c.fail(e.Pos, "<validate-client-certificate>: %d identities (at most %d)", len(st.identities), maxCertIdentities)
	}
	return st
}

// eachNested calls f for every <item> of every <container> child of e
// (<identities><identity/>, <authorize><rule/>), reporting any other
// element with its position.
func (c *compiler) eachNested(e *policy.Element, container, item string, f func(*policy.Element)) {
	for _, ch := range e.Children {
		if ch.Name != container {
			c.fail(ch.Pos, "<%s>: unexpected <%s> (want <%s>)", e.Name, ch.Name, container)
			continue
		}
		for _, it := range ch.Children {
			if it.Name != item {
				c.fail(it.Pos, "<%s>: unexpected <%s> (want <%s>)", container, it.Name, item)
				continue
			}
			f(it)
		}
	}
}

func (c *compiler) certIdentity(e *policy.Element) (certIdentity, bool) {
	var id certIdentity
	ok := true
	for _, a := range e.Attrs {
		if a.Expr != nil {
			c.fail(a.Pos, "<identity>: %s must be a literal", a.Name)
			ok = false
			continue
		}
		v := strings.TrimSpace(a.Value)
		switch a.Name {
		case "thumbprint":
			id.thumbprint = certs.NormalizeThumbprint(v)
		case "issuer-thumbprint":
			id.issuerThumbprint = certs.NormalizeThumbprint(v)
		case "serial-number":
			id.serial = normalizeSerial(v)
		case "common-name":
			id.commonName = v
		case "dns-name":
			id.dnsName = v
		case "subject", "issuer-subject":
			dn, err := parseDN(v)
			if err != nil {
				c.fail(a.Pos, "<identity>: %s %q: %v", a.Name, v, err)
				ok = false
				continue
			}
			if a.Name == "subject" {
				id.subject = dn
			} else {
				id.issuerSubject = dn
			}
		case "issuer-certificate-id":
			tc, found := c.g.certs[certKey(v)]
			if !found || len(tc.Certificate) == 0 {
				why := c.g.certErrs[certKey(v)]
				if why == "" {
					why = "no such certificate"
				}
				c.fail(a.Pos, "<identity>: issuer-certificate-id %q cannot be used: %s", v, why)
				ok = false
				continue
			}
			issuer, err := x509.ParseCertificate(tc.Certificate[0])
			if err != nil {
				c.fail(a.Pos, "<identity>: issuer-certificate-id %q: %v", v, err)
				ok = false
				continue
			}
			id.issuer = issuer
		default:
			c.fail(a.Pos, "<identity>: unknown attribute %q", a.Name)
			ok = false
		}
	}
	if id.issuer != nil && (id.issuerSubject != nil || id.issuerThumbprint != "") {
		// Learn: "Mutually exclusive with other issuer attributes."
		c.fail(e.Pos, "<identity>: issuer-certificate-id excludes issuer-subject and issuer-thumbprint")
		ok = false
	}
	return id, ok
}

func (s *clientCertStep) run(x *exchange) error {
	why := s.check(x)
	if why == "" || s.ignoreError {
		return nil
	}
	pe := perr("validate-client-certificate", ReasonClientCertificate, http.StatusUnauthorized, "Invalid client certificate: %s", why)
	pe.PolicyID = s.id
	return pe
}

// check returns why the client certificate fails, "" when it passes.
func (s *clientCertStep) check(x *exchange) string {
	if x.r.TLS == nil || len(x.r.TLS.PeerCertificates) == 0 {
		return "the client presented no certificate."
	}
	chain := x.r.TLS.PeerCertificates
	leaf := chain[0]
	now := x.g.now()
	switch {
	case s.notBefore && now.Before(leaf.NotBefore):
		return "the certificate is not valid yet."
	case s.notAfter && now.After(leaf.NotAfter):
		return "the certificate has expired."
	}
	var verified [][]*x509.Certificate
	if s.trust {
		var err error
		if verified, err = x.g.verifyClientChain(chain, clampTime(now, leaf.NotBefore, leaf.NotAfter)); err != nil {
			return "the certificate chain does not lead to a trusted CA."
		}
	}
	if len(s.identities) == 0 {
		return ""
	}
	issuers := issuerCandidates(leaf, chain, verified, x.g.knownCAs)
	for _, id := range s.identities {
		if id.matches(leaf, issuers) {
			return ""
		}
	}
	return "the certificate matches none of the identities."
}

// verifyClientChain verifies a client's chain (leaf first) at now: to the
// gateway's roots (system, service CA store, CA files) through the chain's
// own certificates and the CAs apimlab knows, any extended key usage (as
// .NET's X509Chain without an application policy). validate-trust and
// context.Request.Certificate.Verify() both use it.
func (g *Gateway) verifyClientChain(chain []*x509.Certificate, now time.Time) ([][]*x509.Certificate, error) {
	inter := x509.NewCertPool()
	for _, ca := range append(slices.Clone(chain[1:]), g.knownCAs...) {
		inter.AddCert(ca)
	}
	return chain[0].Verify(x509.VerifyOptions{Roots: g.roots, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
}

// requestCertificate is context.Request.Certificate: the client's
// certificate of the TLS handshake (nil: none), whose Verify() is
// X509Certificate2.Verify() — valid now on the gateway's clock and chained
// to a trusted root.
func (x *exchange) requestCertificate() *policyexpr.ClientCertificate {
	if x.r.TLS == nil || len(x.r.TLS.PeerCertificates) == 0 {
		return nil
	}
	chain, g := x.r.TLS.PeerCertificates, x.g
	return &policyexpr.ClientCertificate{Cert: chain[0], Verify: func() bool {
		_, err := g.verifyClientChain(chain, g.now())
		return err == nil
	}}
}

// deploymentCertificates is context.Deployment.Certificates: the loaded
// certificate entities by name (Learn's "Checking a thumbprint against
// certificates uploaded to API Management" compares their Thumbprint with
// the client's).
func (g *Gateway) deploymentCertificates() map[string]*policyexpr.ClientCertificate {
	out := map[string]*policyexpr.ClientCertificate{}
	for _, c := range g.svc.Certificates {
		tc := g.certs[certKey(c.Name)]
		if tc == nil || len(tc.Certificate) == 0 {
			continue
		}
		leaf, err := x509.ParseCertificate(tc.Certificate[0])
		if err != nil {
			continue
		}
		chain := []*x509.Certificate{leaf}
		out[c.Name] = &policyexpr.ClientCertificate{Cert: leaf, Verify: func() bool {
			_, err := g.verifyClientChain(chain, g.now())
			return err == nil
		}}
	}
	return out
}

// clampTime returns t moved into [lo, hi].
func clampTime(t, lo, hi time.Time) time.Time {
	if t.Before(lo) {
		return lo
	}
	if t.After(hi) {
		return hi
	}
	return t
}

// issuerCandidates are the certificates that signed leaf: from the
// verified chains, the client's chain and the CAs apimlab knows.
func issuerCandidates(leaf *x509.Certificate, chain []*x509.Certificate, verified [][]*x509.Certificate, known []*x509.Certificate) []*x509.Certificate {
	var out []*x509.Certificate
	add := func(c *x509.Certificate) {
		if c != leaf && !slices.ContainsFunc(out, c.Equal) && leaf.CheckSignatureFrom(c) == nil {
			out = append(out, c)
		}
	}
	for _, v := range verified {
		if len(v) > 1 {
			add(v[1])
		}
	}
	for _, c := range chain[1:] {
		add(c)
	}
	for _, c := range known {
		add(c)
	}
	return out
}

func (id certIdentity) matches(leaf *x509.Certificate, issuers []*x509.Certificate) bool {
	switch {
	case id.thumbprint != "" && !thumbIs(leaf, id.thumbprint),
		id.serial != "" && normalizeSerial(leaf.SerialNumber.Text(16)) != id.serial,
		id.commonName != "" && !strings.EqualFold(leaf.Subject.CommonName, id.commonName),
		id.dnsName != "" && !slices.ContainsFunc(leaf.DNSNames, func(n string) bool { return strings.EqualFold(n, id.dnsName) }),
		id.subject != nil && !dnEqual(nameAttrs(leaf.Subject.Names), id.subject),
		id.issuerSubject != nil && !dnEqual(nameAttrs(leaf.Issuer.Names), id.issuerSubject):
		return false
	}
	if id.issuerThumbprint != "" && !slices.ContainsFunc(issuers, func(c *x509.Certificate) bool { return thumbIs(c, id.issuerThumbprint) }) {
		return false
	}
	if id.issuer != nil && leaf.CheckSignatureFrom(id.issuer) != nil {
		return false
	}
	return true
}

// normalizeSerial reads a serial number as Windows shows it (hex, any
// case, optional separators and leading zeros).
func normalizeSerial(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == ':' || r == '-' {
			return -1
		}
		return r
	}, strings.ToUpper(s))
	s = strings.TrimLeft(s, "0")
	if s == "" {
		return "0"
	}
	return s
}

// dnAttr is one attribute of a distinguished name: its OID and value.
type dnAttr struct{ oid, value string }

// dnKeywords are the attribute names of CertNameToStr (the format Learn
// links for subject and issuer-subject) and RFC 4514.
var dnKeywords = map[string]string{
	"CN": "2.5.4.3", "C": "2.5.4.6", "L": "2.5.4.7", "S": "2.5.4.8", "ST": "2.5.4.8", "STREET": "2.5.4.9",
	"O": "2.5.4.10", "OU": "2.5.4.11", "T": "2.5.4.12", "TITLE": "2.5.4.12", "SERIALNUMBER": "2.5.4.5",
	"POSTALCODE": "2.5.4.17", "SN": "2.5.4.4", "G": "2.5.4.42", "GN": "2.5.4.42", "GIVENNAME": "2.5.4.42",
	"I": "2.5.4.43", "INITIALS": "2.5.4.43", "E": "1.2.840.113549.1.9.1", "EMAIL": "1.2.840.113549.1.9.1",
	"EMAILADDRESS": "1.2.840.113549.1.9.1", "DC": "0.9.2342.19200300.100.1.25", "UID": "0.9.2342.19200300.100.1.1",
}

// parseDN reads "CN=MyName, OU=MyOrgUnit, C=US": attributes separated by
// ',', ';' or '+', values optionally in double quotes (Learn: specify
// O="Contoso, Inc." when a value holds a comma; "" inside quotes is one
// quote) or with backslash escapes.
func parseDN(s string) ([]dnAttr, error) {
	var out []dnAttr
	for i := 0; i < len(s); {
		for i < len(s) && (s[i] == ' ' || s[i] == ',' || s[i] == ';' || s[i] == '+') {
			i++
		}
		if i == len(s) {
			break
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 {
			return nil, fmt.Errorf("attribute %q has no '='", s[i:])
		}
		key := strings.ToUpper(strings.TrimSpace(s[i : i+eq]))
		key = strings.TrimPrefix(key, "OID.")
		oid, ok := dnKeywords[key]
		if !ok {
			if _, err := parseOID(key); err != nil {
				return nil, fmt.Errorf("unknown attribute %q", key)
			}
			oid = key
		}
		i += eq + 1
		for i < len(s) && s[i] == ' ' {
			i++
		}
		var val strings.Builder
		if i < len(s) && s[i] == '"' {
			i++
			for {
				if i == len(s) {
					return nil, fmt.Errorf("unterminated quote in %s", key)
				}
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						val.WriteByte('"')
						i += 2
						continue
					}
					i++
					break
				}
				val.WriteByte(s[i])
				i++
			}
		} else {
			for i < len(s) && s[i] != ',' && s[i] != ';' && s[i] != '+' {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
				i++
			}
		}
		out = append(out, dnAttr{oid: oid, value: strings.TrimSpace(val.String())})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty distinguished name")
	}
	return out, nil
}

func parseOID(s string) (asn1.ObjectIdentifier, error) {
	var oid asn1.ObjectIdentifier
	for _, p := range strings.Split(s, ".") {
		n := 0
		if p == "" {
			return nil, fmt.Errorf("bad OID")
		}
		for _, r := range p {
			if r < '0' || r > '9' {
				return nil, fmt.Errorf("bad OID")
			}
			n = n*10 + int(r-'0')
		}
		oid = append(oid, n)
	}
	if len(oid) < 2 {
		return nil, fmt.Errorf("bad OID")
	}
	return oid, nil
}

// nameAttrs lists a certificate name's attributes.
func nameAttrs(names []pkix.AttributeTypeAndValue) []dnAttr {
	out := make([]dnAttr, 0, len(names))
	for _, n := range names {
		out = append(out, dnAttr{oid: n.Type.String(), value: fmt.Sprint(n.Value)})
	}
	return out
}

// dnEqual compares two names as sets of attributes: values without regard
// to case (X.500's caseIgnoreMatch) and attributes in any order, since
// Learn's examples write the country first (ASN.1 order) while Windows
// and RFC 4514 write the common name first.
func dnEqual(a, b []dnAttr) bool {
	if len(a) != len(b) {
		return false
	}
	key := func(d dnAttr) string { return d.oid + "=" + strings.ToLower(d.value) }
	ka, kb := make([]string, len(a)), make([]string, len(b))
	for i := range a {
		ka[i], kb[i] = key(a[i]), key(b[i])
	}
	slices.Sort(ka)
	slices.Sort(kb)
	return slices.Equal(ka, kb)
}
