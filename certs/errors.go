package certs

import "errors"

// Sentinel errors. Functions wrap them with context (file name, field,
// target) but never with a password or key material; test with errors.Is.
var (
	// ErrWrongPassword is returned when a PFX's integrity check (MAC) or
	// decryption fails with the given password.
	ErrWrongPassword = errors.New("certs: wrong PFX password")
	// ErrCorrupt is returned when data is neither a well-formed PFX nor PEM
	// holding a certificate, or a certificate/key inside cannot be parsed.
	ErrCorrupt = errors.New("certs: corrupt certificate data")
	// ErrUnsupported is returned for well-formed input this package cannot
	// read (encrypted PEM keys, unusual PFX layouts).
	ErrUnsupported = errors.New("certs: unsupported certificate format")
	// ErrNoPrivateKey is returned by Material.TLSCertificate (and by LoadPFX
	// for key-less PFX files whose certificates cannot be recovered) when
	// there is no private key.
	ErrNoPrivateKey = errors.New("certs: no private key")
	// ErrKeyMismatch is returned by Material.TLSCertificate when the private
	// key does not belong to the leaf certificate.
	ErrKeyMismatch = errors.New("certs: private key does not match certificate")
	// ErrNotFound is returned by KeyVaultDir.Resolve when no file is named
	// after the secret.
	ErrNotFound = errors.New("not found")
	// ErrKeyVaultURI is returned for a malformed Key Vault identifier.
	ErrKeyVaultURI = errors.New("certs: invalid Key Vault URI")
	// ErrPasswordEnvUnset is returned by Source.Load when PasswordEnv names
	// an environment variable that is not set.
	ErrPasswordEnvUnset = errors.New("certs: password environment variable not set")
	// ErrExists is returned by Init when a file it would write already
	// exists and InitOptions.Force is false.
	ErrExists = errors.New("certs: file exists")
)
