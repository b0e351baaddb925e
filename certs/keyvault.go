package certs

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// keyVaultSuffixes are the DNS suffixes of Key Vault and Managed HSM in the
// public and sovereign clouds (Key Vault has no custom domains).
var keyVaultSuffixes = []string{
	".vault.azure.net", ".vault.azure.cn", ".vault.usgovcloudapi.net", ".vault.microsoftazure.de",
	".managedhsm.azure.net", ".managedhsm.azure.cn", ".managedhsm.usgovcloudapi.net",
}

// KeyVaultRef is a parsed Key Vault object identifier
// https://{vault}.vault.azure.net/{kind}/{name}[/{version}].
type KeyVaultRef struct {
	// Host is the vault's host name, lower-cased ("myvault.vault.azure.net").
	Host string
	// Vault is the vault name ("myvault").
	Vault string
	// Kind is "secrets", "certificates" or "keys".
	Kind string
	// Name is the object name.
	Name string
	// Version is the object version, "" for an unversioned identifier
	// (which APIM re-reads on rotation).
	Version string
}

// Versioned reports whether the identifier pins a version. APIM only picks
// up rotated certificates from unversioned secret identifiers.
func (r KeyVaultRef) Versioned() bool { return r.Version != "" }

// ParseKeyVaultURI parses a Key Vault object identifier. It fails with an
// error wrapping ErrKeyVaultURI that says what is wrong.
func ParseKeyVaultURI(uri string) (KeyVaultRef, error) {
	bad := func(format string, args ...any) (KeyVaultRef, error) {
		return KeyVaultRef{}, fmt.Errorf("%w %q: %s", ErrKeyVaultURI, uri, fmt.Sprintf(format, args...))
	}
	u, err := url.Parse(strings.TrimSpace(uri))
	if err != nil {
		return bad("not a URL")
	}
	if !strings.EqualFold(u.Scheme, "https") {
		return bad("scheme must be https")
	}
	host := strings.ToLower(u.Hostname())
	var vault string
	for _, suf := range keyVaultSuffixes {
		if strings.HasSuffix(host, suf) {
			vault = strings.TrimSuffix(host, suf)
			break
		}
	}
	if vault == "" {
		// Other Key Vault endpoints ("<vault>.vault-int.azure-int.net",
		// Azure's own test cloud, used in the REST API examples) follow
		// the same shape: the vault name, then a label starting "vault".
		labels := strings.Split(host, ".")
		if len(labels) < 3 || !strings.HasPrefix(labels[1], "vault") {
			return bad("host %q is not a Key Vault (*.vault.azure.net)", host)
		}
		vault = labels[0]
	}
	if !validName(vault, 3, 24) {
		return bad("vault name %q must be 3-24 letters, digits or hyphens", vault)
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(segs) < 2 || segs[0] == "" {
		return bad("path must be /secrets/{name}[/{version}]")
	}
	if len(segs) > 3 {
		return bad("too many path segments")
	}
	ref := KeyVaultRef{Host: host, Vault: vault, Kind: strings.ToLower(segs[0]), Name: segs[1]}
	switch ref.Kind {
	case "secrets", "certificates", "keys":
	default:
		return bad("object kind %q is not secrets, certificates or keys", segs[0])
	}
	if !validName(ref.Name, 1, 127) {
		return bad("object name %q must be 1-127 letters, digits or hyphens", ref.Name)
	}
	if len(segs) == 3 {
		ref.Version = segs[2]
		if !validName(ref.Version, 1, 64) || strings.Contains(ref.Version, "-") {
			return bad("version %q must be letters and digits", ref.Version)
		}
	}
	return ref, nil
}

func validName(s string, minLen, maxLen int) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for _, r := range s {
		if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// KeyVaultSecretURI classifies a Key Vault identifier used as a certificate's
// keyVault.secretIdentifier: kind is "secrets", "certificates" or "keys"
// (APIM needs "secrets"), versioned reports a pinned version (which stops
// auto-rotation).
func KeyVaultSecretURI(uri string) (kind string, versioned bool, err error) {
	ref, err := ParseKeyVaultURI(uri)
	if err != nil {
		return "", false, err
	}
	return ref.Kind, ref.Versioned(), nil
}

// KeyVaultDir is a local stand-in for Key Vault: a directory holding one
// file per secret, named after the secret with a .pfx or .pem extension
// ("backend-client.pfx" for .../secrets/backend-client).
type KeyVaultDir string

// Resolve returns the path of the file standing in for secretURI's object.
// The vault, kind and version are ignored; the name matches exactly first,
// then case-insensitively (Key Vault names are case-insensitive). .pfx wins
// over .pem when both exist. When no file matches, the error wraps
// ErrNotFound.
func (d KeyVaultDir) Resolve(secretURI string) (string, error) {
	ref, err := ParseKeyVaultURI(secretURI)
	if err != nil {
		return "", err
	}
	exts := []string{".pfx", ".pem"}
	for _, ext := range exts {
		p := filepath.Join(string(d), ref.Name+ext)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	entries, err := os.ReadDir(string(d))
	if err != nil {
		return "", fmt.Errorf("key vault dir: %w", err)
	}
	for _, ext := range exts {
		for _, e := range entries {
			if e.Type().IsRegular() && strings.EqualFold(e.Name(), ref.Name+ext) {
				return filepath.Join(string(d), e.Name()), nil
			}
		}
	}
	return "", fmt.Errorf("secret %q: %w (no %s.pfx or %s.pem in %s)", ref.Name, ErrNotFound, ref.Name, ref.Name, string(d))
}

// ResolveKeyVault is dir.Resolve(secretURI).
func ResolveKeyVault(dir KeyVaultDir, secretURI string) (string, error) {
	return dir.Resolve(secretURI)
}
