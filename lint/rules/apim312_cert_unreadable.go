package rules

import (
	"errors"
	"io/fs"
	"strings"

	"github.com/apimlab/apimlab/certs"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/certmat"
)

// CertUnreadable reports certificate material that cannot be decoded.
var CertUnreadable = &lint.Rule{
	ID:       "APIM312",
	Name:     "cert-unreadable",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "The certificate data cannot be decoded, or the password is wrong",
		Why: "Azure rejects the deployment of a certificate whose `data` is not a PFX it can open with the " +
			"given `password`; a corrupt file mapped in .apimlab.yaml or the Key Vault stand-in directory " +
			"means the certificate apimlab checks is not the one that will be deployed. Modern (AES) and " +
			"legacy (3DES/RC2) PFX files, PEM and DER are read. The message never contains the password.",
		Fix: "Re-export the PFX (base64-encode the whole file for `data`) and check that the password " +
			"parameter holds the export password.",
		Bad:   `"properties": { "data": "MIIK…(truncated)", "password": "[parameters('pfxPassword')]" }  // wrong password`,
		Good:  `"properties": { "data": "MIIK…(the whole file)", "password": "[parameters('pfxPassword')]" }`,
		Since: "0.1.0",
	},
	Requires: []lint.Requirement{certmat.Material},
	Check:    checkCertUnreadable,
}

func checkCertUnreadable(pass *lint.Pass) {
	for _, e := range certmat.For(pass).Entries {
		if e.Err == nil {
			continue
		}
		what := e.Where
		if what == "" {
			what = "the certificate data"
		}
		var why string
		fix := "re-export the PFX and check its password"
		switch {
		case errors.Is(e.Err, certmat.ErrPEMData):
			why = strings.TrimPrefix(e.Err.Error(), "certs: corrupt certificate data: ")
			fix = "export the certificate and its key as a PFX and put its base64 in properties.data"
		case errors.Is(e.Err, certmat.ErrNoPassword):
			why = strings.TrimPrefix(e.Err.Error(), "certs: corrupt certificate data: ")
			why = strings.TrimSuffix(why, ": "+certs.ErrWrongPassword.Error())
			fix = "configure the PFX password (passwordEnv in .apimlab.yaml, or APIMLAB_CERT_PASSWORD_<ID>)"
		case errors.Is(e.Err, certs.ErrWrongPassword):
			why = "the password is wrong (the PFX integrity check failed)"
		case errors.Is(e.Err, fs.ErrNotExist):
			why = strings.TrimPrefix(e.Err.Error(), "certs: ")
			fix = "check the certificate file's path (.apimlab.yaml certificates, or --keyvault-dir)"
		default:
			why = strings.TrimPrefix(e.Err.Error(), "certs: ")
		}
		pass.ReportFixf(e.Pos, e.Subject(), fix, "certificate %q: %s cannot be read: %s", e.ID, what, why)
	}
}
