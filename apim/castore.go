package apim

import "strings"

// IsIntermediate reports whether the CA store entry is an intermediate CA
// (storeName CertificateAuthority) rather than a trust anchor (storeName
// Root, the other value Azure accepts). The REST/ARM reference describes
// the store as "Certificate configuration which consist of non-trusted
// intermediates and root certificates" and storeName as "Only Root and
// CertificateAuthority are valid locations": an intermediate helps build a
// chain but is not trusted by itself. Lint and the gateway both read the
// store through this method.
func (c *CACertificate) IsIntermediate() bool {
	return strings.EqualFold(strings.TrimSpace(c.StoreName.Value), "CertificateAuthority")
}
