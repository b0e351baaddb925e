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
	"sync"

	"github.com/apimlab/apimlab/apim"
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

// attachKey is the lint.Config.Attached key of the holder.
type attachKey struct{}

// holder memoises the Set of the last service resolved with a Config, so
// that the dozen certificate rules of one run decode each PFX once.
type holder struct {
	opts Options
	mu   sync.Mutex
	svc  *apim.Service
	set  *Set
}

// Attach makes For use opts and remember what it resolved for cfg. Call it
// before lint.Run; without it, For resolves afresh on every call with the
// zero Options (correct, slower).
func Attach(cfg *lint.Config, opts Options) {
	if cfg.Attached == nil {
		cfg.Attached = map[any]any{}
	}
	cfg.Attached[attachKey{}] = &holder{opts: opts}
}

// For returns the certificate material of the pass's service.
func For(pass *lint.Pass) *Set {
	h, _ := pass.Config.Attached[attachKey{}].(*holder)
	if h == nil {
		return Resolve(pass.Service, pass.Config, Options{})
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.set == nil || h.svc != pass.Service {
		h.svc, h.set = pass.Service, Resolve(pass.Service, pass.Config, h.opts)
	}
	return h.set
}
