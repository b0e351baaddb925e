package certs

import (
	"crypto/x509"

	"software.sslmate.com/src/go-pkcs12"
)

// File is one file Init wrote.
type File struct {
	// Name is the base name ("client-expired.pfx").
	Name string
	// Path is where it was written.
	Path string
	// What says what the file holds.
	What string
	// Scenario says which lint rule or simulation scenario it exercises.
	Scenario string
	// Private reports whether the file holds a private key (TEST-ONLY).
	Private bool

	render func() ([]byte, error) // produces the content; nil after writing
}

// roles describes each certificate of the PKI: what it is and what it is for.
var roles = map[string][2]string{
	"root-ca":                    {"Trusted root CA (valid from 2 years before generation to 10 years after)", "trust anchor: the backend's client CA list, APIM's CA store (storeName Root), probe roots"},
	"intermediate-ca":            {"Intermediate CA issued by root-ca (2 years back to 5 years ahead, path length 0)", "issues every leaf below except the wrong-CA client and the self-signed server; APIM CA store (storeName CertificateAuthority)"},
	"wrong-root-ca":              {"Unrelated root CA nobody trusts", "issuer of client-wrong-ca: backend does not trust the client certificate's CA"},
	"server":                     {"TLS server certificate for the hosts, issued by intermediate-ca (397 days)", "valid mTLS backend for `lint --probe`, `sim` and `gateway` tests"},
	"server-expired":             {"TLS server certificate for the hosts that expired one day before generation", "backend certificate expired (chain validation fails)"},
	"server-self-signed":         {"Self-signed TLS server certificate for the hosts", "unknown authority: backend certificate not trusted unless validateCertificateChain is false"},
	"client":                     {"Client certificate (clientAuth EKU, digitalSignature, ECDSA P-256), issued by intermediate-ca (1 year)", "valid client certificate for mTLS backends"},
	"client-rsa2048":             {"Client certificate like `client` with an RSA-2048 key (only with the RSA-2048 option)", "valid client certificate where RSA is required; boundary of the weak-key rule (2048 is not weak)"},
	"client-expired":             {"Client certificate that expired one day before generation", "expired client certificate"},
	"client-not-yet-valid":       {"Client certificate valid from 30 days after generation", "client certificate not yet valid"},
	"client-expiring-soon":       {"Client certificate expiring 10 days after generation", "client certificate expiring within the warning window"},
	"client-wrong-ca":            {"Client certificate issued by wrong-root-ca", "client certificate does not chain to the CA the backend trusts"},
	"client-no-clientauth":       {"Client certificate whose EKU is serverAuth only", "certificate not usable for client authentication (EKU)"},
	"client-no-digitalsignature": {"Client certificate whose key usage is keyEncipherment only", "certificate not usable for client authentication (key usage)"},
	"client-rsa1024":             {"Client certificate with a 1024-bit RSA key", "weak key (APIM307)"},
}

// files lists every file of the PKI in a fixed order. Rendering (PFX
// encryption is the slow part) is deferred so that Init can refuse to
// overwrite before doing the work.
func (p *PKI) files() []File {
	var out []File
	add := func(name, what, scenario string, private bool, render func() ([]byte, error)) {
		out = append(out, File{Name: name, What: what, Scenario: scenario, Private: private, render: render})
	}
	static := func(b []byte) func() ([]byte, error) { return func() ([]byte, error) { return b, nil } }
	for _, is := range p.All() {
		role := roles[is.Name]
		add(is.Name+".crt.pem", role[0]+": certificate (PEM)", role[1], false, static(is.CertPEM()))
		add(is.Name+".key.pem", role[0]+": private key (PKCS#8 PEM, TEST-ONLY)", role[1], true, is.KeyPEM)
		if is.Cert.IsCA {
			add(is.Name+".cer", role[0]+": certificate (DER), the form APIM's CA store uploads", role[1], false, static(is.Cert.Raw))
			continue
		}
		if len(is.Chain) > 0 {
			add(is.Name+".chain.pem", role[0]+": certificate followed by its intermediate (PEM)", role[1], false, static(is.ChainPEM()))
		}
		content := "key and certificate"
		if len(is.Chain) > 0 {
			content = "key, certificate and intermediate"
		}
		add(is.Name+".pfx", role[0]+": "+content+" (PFX, AES-256/PBES2)", role[1], true,
			func() ([]byte, error) { return is.PFX(pkcs12.Modern, p.Password) })
	}
	add("client-legacy.pfx", "`client` as a legacy PFX (3DES, SHA-1 MAC), as older Windows and OpenSSL 1.x export it",
		"legacy PFX encryption must still load", true,
		func() ([]byte, error) { return p.Client.PFX(pkcs12.LegacyDES, p.Password) })
	add("client-nokey.pfx", "`client` certificate and intermediate without the private key (PFX)",
		"PFX without private key: unusable as a client certificate", false,
		func() ([]byte, error) { return p.Client.PFXCertsOnly(pkcs12.Modern, p.Password) })
	add("client-no-intermediate.pfx", "`client` key and certificate with the root but without intermediate-ca (PFX)",
		"incomplete chain: the intermediate is missing", true,
		func() ([]byte, error) {
			return p.Client.PFXWithChain(pkcs12.Modern, p.Password, []*x509.Certificate{p.Root.Cert})
		})
	return out
}
