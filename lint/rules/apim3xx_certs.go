package rules

import (
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/certs"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/certmat"
)

// Helpers shared by the certificate rules (APIM3xx). Material comes from
// lint/certmat; findings about a certificate point at the entity (or its
// .apimlab.yaml entry), never at its data or password line, because the
// text report prints the source line of every finding.

// certRef is one reference to a certificate entity.
type certRef struct {
	// Value is the id or thumbprint as written.
	Value string
	// ByThumbprint is true for thumbprint references.
	ByThumbprint bool
	// What names the property ("credentials.certificateIds").
	What string
	// Pos is where the reference is written.
	Pos apim.Position
	// Subject is the backend or policy holding the reference.
	Subject lint.Subject
	// Backend is the referencing backend (nil for policies).
	Backend *apim.Backend
	// Effective is false for thumbprints Azure ignores because the
	// backend also lists certificateIds.
	Effective bool
}

// certRefs lists every literal certificate reference of the service:
// backend credentials (certificateIds, certificate thumbprints), Service
// Fabric client certificates and authentication-certificate policies.
// Unresolved values and policy expressions are left out.
func certRefs(svc *apim.Service, policies *policySet) []certRef {
	var out []certRef
	for _, b := range svc.Backends {
		subj := backendSubject(b)
		if c := b.Credentials; c != nil {
			for _, id := range c.CertificateIDs {
				if id.Known() && strings.TrimSpace(id.Value) != "" {
					out = append(out, certRef{Value: id.Value, What: "credentials.certificateIds", Pos: id.At(c.Pos),
						Subject: subj, Backend: b, Effective: true})
				}
			}
			for _, tp := range c.Certificate {
				if tp.Known() && strings.TrimSpace(tp.Value) != "" {
					out = append(out, certRef{Value: tp.Value, ByThumbprint: true, What: "credentials.certificate",
						Pos: tp.At(c.Pos), Subject: subj, Backend: b, Effective: len(c.CertificateIDs) == 0})
				}
			}
		}
		if sf := b.ServiceFabric; sf != nil {
			if f := sf.ClientCertificateID; f.Known() && strings.TrimSpace(f.Value) != "" {
				out = append(out, certRef{Value: f.Value, What: "serviceFabricCluster.clientCertificateId",
					Pos: f.At(sf.Pos), Subject: subj, Backend: b, Effective: true})
			}
			if f := sf.ClientCertificateThumbprint; f.Known() && strings.TrimSpace(f.Value) != "" {
				out = append(out, certRef{Value: f.Value, ByThumbprint: true, What: "serviceFabricCluster.clientCertificatethumbprint",
					Pos: f.At(sf.Pos), Subject: subj, Backend: b, Effective: !sf.ClientCertificateID.Known()})
			}
		}
	}
	if policies == nil {
		return out
	}
	for _, p := range policies.All {
		if p.Doc == nil {
			continue
		}
		subj := policySubject(p.Src)
		p.walkNamed([]string{"authentication-certificate"}, func(e *policy.Element) bool {
			for _, name := range []string{"certificate-id", "thumbprint"} {
				a := e.Attr(name)
				if !literalValue(a) || strings.TrimSpace(a.Value) == "" {
					continue
				}
				pos := a.ValuePos
				if !pos.IsValid() {
					pos = a.Pos
				}
				out = append(out, certRef{Value: a.Value, ByThumbprint: name == "thumbprint",
					What: "<authentication-certificate " + name + ">", Pos: pos, Subject: subj, Effective: true})
			}
			return true
		})
	}
	return out
}

// backendClientCerts returns the certificates the gateway presents to b
// with their references: certificateIds when present, else the thumbprints
// of `certificate`. References that resolve to nothing are left out
// (APIM301 reports them).
func backendClientCerts(set *certmat.Set, b *apim.Backend) []struct {
	Ref   certRef
	Entry *certmat.Entry
} {
	type pair = struct {
		Ref   certRef
		Entry *certmat.Entry
	}
	var out []pair
	if b.Credentials == nil {
		return nil
	}
	for _, r := range certRefs(&apim.Service{Backends: []*apim.Backend{b}}, nil) {
		if !r.Effective || r.What == "serviceFabricCluster.clientCertificateId" || r.What == "serviceFabricCluster.clientCertificatethumbprint" {
			continue
		}
		var e *certmat.Entry
		if r.ByThumbprint {
			e, _ = set.ByThumbprint(r.Value)
		} else {
			e = set.Lookup(r.Value)
		}
		if e != nil {
			out = append(out, pair{r, e})
		}
	}
	return out
}

// materialRules names the checks that need a certificate's content, for
// the APIM315 message.
const materialRules = "APIM302 cert-expired, APIM303 cert-expiring, APIM304 cert-ca-mismatch, " +
	"APIM305 cert-not-client-auth, APIM306 cert-no-private-key, APIM307 cert-weak, " +
	"APIM310 cert-by-thumbprint, APIM314 incomplete-chain"

// describeCert names a certificate in messages: `certificate "id"`, with
// its subject when the material is loaded.
func describeCert(e *certmat.Entry) string {
	if e.Material != nil && e.Material.Leaf != nil {
		if cn := e.Material.Leaf.Subject.String(); cn != "" {
			return fmt.Sprintf("certificate %q (%s)", e.ID, cn)
		}
	}
	return fmt.Sprintf("certificate %q", e.ID)
}

// dnList renders certificate subjects for messages.
func dnList(cas []*x509.Certificate) string {
	names := make([]string, 0, len(cas))
	for _, c := range cas {
		names = append(names, `"`+c.Subject.String()+`"`)
	}
	return strings.Join(names, ", ")
}

// day formats a date for messages.
func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// days renders a duration as a whole number of days.
func days(d time.Duration) string {
	n := int((d + 12*time.Hour) / (24 * time.Hour))
	if n < 0 {
		n = -n
	}
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// knownRoots returns the trust anchors known for client certificates:
// the service CA store's roots and every backend's configured
// trustedClientCAs (files that cannot be read are left out; APIM315 says so).
func knownRoots(pass *lint.Pass) []*x509.Certificate {
	roots, _ := certmat.CAStore(pass.Service)
	for name := range pass.Config.Backends {
		cas, _, _ := certmat.TrustedClientCAs(pass.Config, name)
		roots = append(roots, cas...)
	}
	return roots
}

// chainWith returns the certificates the loaded material offers for chain
// building: its chain plus the CA store's intermediates.
func chainWith(m *certs.Material, extra []*x509.Certificate) []*x509.Certificate {
	return append(append([]*x509.Certificate(nil), m.Chain...), extra...)
}

// refOwner names who holds a reference: `backend "orders": credentials.certificateIds`.
func refOwner(r certRef) string {
	if r.Backend != nil {
		return `backend "` + r.Backend.Name + `": ` + r.What
	}
	return r.Subject.String() + ": " + r.What
}

// certsThumb shortens a thumbprint for messages.
func certsThumb(tp string) string {
	tp = strings.ToUpper(strings.ReplaceAll(strings.ReplaceAll(tp, " ", ""), ":", ""))
	if len(tp) > 16 {
		return tp[:8] + "…" + tp[len(tp)-8:]
	}
	return tp
}

// validity returns the validity period of an entry's certificate: from
// the loaded material, else the entity's expirationDate (no start).
func validity(e *certmat.Entry) (notBefore, notAfter time.Time, ok bool) {
	if e.Material != nil && e.Material.Leaf != nil {
		return e.Material.Leaf.NotBefore, e.Material.Leaf.NotAfter, true
	}
	if !e.Expiration.IsZero() {
		return time.Time{}, e.Expiration, true
	}
	return time.Time{}, time.Time{}, false
}

// from says where the certificate was read, for messages.
func from(e *certmat.Entry) string {
	if e.Material == nil {
		if !e.Expiration.IsZero() {
			return " (expirationDate)"
		}
		return ""
	}
	return " (" + e.Where + ")"
}

// keyVaultRefs lists the Key Vault references of certificates and named
// values with the subject of each and what it is.
func keyVaultRefs(svc *apim.Service) []struct {
	Ref  *apim.KeyVaultRef
	Subj lint.Subject
	What string
} {
	type kv = struct {
		Ref  *apim.KeyVaultRef
		Subj lint.Subject
		What string
	}
	var out []kv
	for _, c := range svc.Certificates {
		if c != nil && c.KeyVault != nil {
			out = append(out, kv{c.KeyVault, lint.Subject{Kind: "certificate", Name: c.Name}, `certificate "` + c.Name + `"`})
		}
	}
	for _, n := range svc.NamedValues {
		if n != nil && n.KeyVault != nil {
			out = append(out, kv{n.KeyVault, lint.Subject{Kind: "named-value", Name: n.Name}, `named value "` + n.Name + `"`})
		}
	}
	return out
}
