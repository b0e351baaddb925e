package certmat

import (
	"crypto/x509"
	"fmt"
	"os"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/certs"
	"github.com/apimlab/apimlab/lint"
)

// TrustedClientCAs returns the CAs .apimlab.yaml says backend accepts
// client certificates from (backends.<name>.trustedClientCAs, backend
// names matched case-insensitively), with the files they came from.
// configured is false when the backend has no such list. A file that
// cannot be read is an error naming it; the CAs of the other files are
// still returned.
func TrustedClientCAs(cfg *lint.Config, backend string) (cas []*x509.Certificate, configured bool, err error) {
	if cfg == nil {
		return nil, false, nil
	}
	var files []string
	for name, bc := range cfg.Backends {
		if strings.EqualFold(name, backend) && len(bc.TrustedClientCAs) > 0 {
			files = append(files, bc.TrustedClientCAs...)
			configured = true
		}
	}
	var errs []string
	for _, f := range files {
		got, ferr := LoadCAFile(ConfigPath(cfg, f))
		if ferr != nil {
			errs = append(errs, ferr.Error())
			continue
		}
		cas = append(cas, got...)
	}
	if len(errs) > 0 {
		err = fmt.Errorf("backends.%s.trustedClientCAs: %s", backend, strings.Join(errs, "; "))
	}
	return cas, configured, err
}

// LoadCAFile reads every certificate of a PEM bundle, a DER certificate or
// a PFX without password.
func LoadCAFile(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := certs.LoadBytes(data, "")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return append([]*x509.Certificate{m.Leaf}, m.Chain...), nil
}

// CAStore decodes the service's CA certificate store
// (properties.certificates[]): storeName Root entries are trust anchors,
// CertificateAuthority entries intermediates. Entries that are unknown or
// do not decode are left out (the gateway's start-up reports them).
func CAStore(svc *apim.Service) (roots, intermediates []*x509.Certificate) {
	if svc == nil {
		return nil, nil
	}
	for _, ca := range svc.CAStore {
		if ca == nil || !ca.EncodedCertificate.Known() {
			continue
		}
		pw := ""
		if ca.CertificatePassword.Known() {
			pw = ca.CertificatePassword.Value
		}
		m, err := certs.LoadBytes([]byte(ca.EncodedCertificate.Value), pw)
		if err != nil {
			continue
		}
		all := append([]*x509.Certificate{m.Leaf}, m.Chain...)
		if ca.IsIntermediate() {
			intermediates = append(intermediates, all...)
		} else {
			roots = append(roots, all...)
		}
	}
	return roots, intermediates
}
