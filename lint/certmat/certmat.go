// Package certmat resolves the certificate material the certificate rules
// (APIM3xx) inspect: for every `certificates` entity of a service, and for
// every id mapped in .apimlab.yaml, the loaded PFX/PEM (a certs.Material),
// or why it cannot be read (APIM312), or why it is not available offline
// (reported once, as the info rule APIM315 cert-checks-skipped, so that a
// clean run is not mistaken for a checked one).
//
// Where material comes from, first match wins:
//
//  1. .apimlab.yaml `certificates: {<id>: {file: client.pfx, passwordEnv: VAR}}`
//     (PEM, PFX, base64 PFX or DER; relative to the configuration file).
//     This is how APIOps setups, whose extractor leaves certificate data
//     out, provide it.
//  2. The entity's `data` (base64 PFX) with its `password`: the literal or
//     the ARM parameter's value (--parameters). When the password is a
//     parameter without a value, the environment variable
//     APIMLAB_CERT_PASSWORD_<ID> (see PasswordEnvName) supplies it.
//  3. The entity's Key Vault `secretIdentifier`, resolved offline through
//     the Key Vault stand-in directory (`--keyvault-dir` or `keyvaultDir`):
//     DIR/<secret-name>.pfx or .pem. Key Vault holds PFX secrets without a
//     password; APIMLAB_CERT_PASSWORD_<ID> supplies one if needed.
//
// Otherwise the entry is Skipped with the reason. Nothing in this package
// puts a password or key material into an error, a reason or a message.
package certmat

import (
	"os"

	"github.com/apimlab/apimlab/lint"
)

// Options tune resolution. The zero value reads the process environment and
// uses the configuration's keyvaultDir.
type Options struct {
	// LookupEnv reads environment variables (PFX passwords). If nil,
	// os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// KeyVaultDir, when non-empty, overrides Config.KeyVaultDir (the CLI's
	// --keyvault-dir; relative to the working directory).
	KeyVaultDir string
}

func (o Options) lookupEnv() func(string) (string, bool) {
	if o.LookupEnv != nil {
		return o.LookupEnv
	}
	return os.LookupEnv
}

// options are the Options handed to Attach for the runs of a Config.
var options = &lint.Input[Options]{Name: "certificate options"}

// Material is the certificate material of the run's service, resolved
// once per run with the attached Options (rules list it in Requires and
// read it with For).
var Material = &lint.Input[*Set]{Name: "certificate material", Compute: func(p *lint.Pass) *Set {
	return Resolve(p.Service, p.Config, lint.Get(p, options))
}}

// Attach makes Material use opts for the runs of cfg. Without it,
// Material resolves with the zero Options (environment variables of the
// process, the configuration's Key Vault folder).
func Attach(cfg *lint.Config, opts Options) {
	lint.Provide(cfg, options, opts)
}

// For returns the certificate material of the pass's service (Material;
// the rule must list Material in its Requires).
func For(pass *lint.Pass) *Set {
	return lint.Get(pass, Material)
}
