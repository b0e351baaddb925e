package policyexpr

import (
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

// ClientCertificate is context.Request.Certificate: the X509Certificate2
// the client presented in the TLS handshake (the gateway leaves
// Request.Certificate nil when there is none, and expressions see null).
type ClientCertificate struct {
	Cert *x509.Certificate
	// Verify is X509Certificate2.Verify(): whether the certificate is in
	// its validity period and chains to a trusted root. nil means false.
	Verify func() bool `expr:"-"`
}

// x500Name is an X500DistinguishedName (SubjectName, IssuerName).
type x500Name struct{ name string }

// certificateMember reads an X509Certificate2 property.
func certificateMember(c *ClientCertificate, name string) (any, error) {
	cert := c.Cert
	switch name {
	case "Thumbprint":
		return certThumbprint(cert), nil
	case "Subject":
		return dotnetDN(cert.Subject), nil
	case "Issuer":
		return dotnetDN(cert.Issuer), nil
	case "SubjectName":
		return &x500Name{dotnetDN(cert.Subject)}, nil
	case "IssuerName":
		return &x500Name{dotnetDN(cert.Issuer)}, nil
	case "SerialNumber":
		return certSerial(cert), nil
	case "NotBefore":
		return cert.NotBefore.UTC(), nil
	case "NotAfter":
		return cert.NotAfter.UTC(), nil
	case "Version":
		return cert.Version, nil
	case "FriendlyName":
		return "", nil
	case "HasPrivateKey":
		return false, nil
	case "RawData":
		return append([]byte(nil), cert.Raw...), nil
	}
	return nil, fmt.Errorf("%w: X509Certificate2.%s is not emulated", errNotSupported, name)
}

// certificateMethod calls an X509Certificate2 method.
func certificateMethod(c *ClientCertificate, name string) (any, bool) {
	switch name {
	case "Verify", "VerifyNoRevocation":
		// Revocation is not emulated (no network): both verify the
		// validity period and the chain to a trusted root.
		return c.Verify != nil && c.Verify(), true
	case "GetCertHashString":
		return certThumbprint(c.Cert), true
	case "GetSerialNumberString":
		return certSerial(c.Cert), true
	case "GetRawCertData":
		return append([]byte(nil), c.Cert.Raw...), true
	}
	return nil, false
}

// certThumbprint is X509Certificate2.Thumbprint: the SHA-1 hash of the
// DER certificate in upper-case hex.
func certThumbprint(c *x509.Certificate) string {
	sum := sha1.Sum(c.Raw)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// certSerial is X509Certificate2.SerialNumber: the serial's big-endian
// DER bytes in upper-case hex (a leading 00 stays when the high bit of the
// first byte is set, as DER writes it).
func certSerial(c *x509.Certificate) string {
	b := c.SerialNumber.Bytes()
	if len(b) == 0 || b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return strings.ToUpper(hex.EncodeToString(b))
}

// dnKeys are the attribute keywords .NET's X500DistinguishedName.Name
// writes (CertNameToStr's X500 names).
var dnKeys = map[string]string{
	"2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "S", "2.5.4.9": "STREET", "2.5.4.10": "O",
	"2.5.4.11": "OU", "2.5.4.12": "T", "2.5.4.4": "SN", "2.5.4.42": "G", "2.5.4.43": "I", "2.5.4.5": "SERIALNUMBER",
	"1.2.840.113549.1.9.1": "E", "0.9.2342.19200300.100.1.25": "DC", "0.9.2342.19200300.100.1.1": "UID",
}

// dotnetDN renders a name as X509Certificate2.Subject does: the relative
// distinguished names last-to-first (as RFC 4514), separated by ", ",
// with a value in double quotes when it holds a separator or a quote
// (doubled inside).
func dotnetDN(n pkix.Name) string {
	rdns := n.ToRDNSequence()
	parts := make([]string, 0, len(rdns))
	for i := len(rdns) - 1; i >= 0; i-- {
		for _, atv := range rdns[i] {
			key, ok := dnKeys[atv.Type.String()]
			if !ok {
				key = "OID." + atv.Type.String()
			}
			v := fmt.Sprint(atv.Value)
			if v == "" || strings.ContainsAny(v, ",+=\"\n<>#;") || strings.TrimSpace(v) != v {
				v = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
			}
			parts = append(parts, key+"="+v)
		}
	}
	return strings.Join(parts, ", ")
}

// deploymentCertificates is context.Deployment.Certificates: an
// IReadOnlyDictionary<string, X509Certificate2> of the service's
// certificates by id, in id order.
func deploymentCertificates(d *Deployment) *dict {
	ids := make([]string, 0, len(d.Certificates))
	for id := range d.Certificates {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := newDict()
	for _, id := range ids {
		out.set(id, d.Certificates[id])
	}
	return out
}
