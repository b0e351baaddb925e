package certmat

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/certs"
	"github.com/apimlab/apimlab/lint"
)

// Origin says where an entry's material came from.
type Origin string

// The origins of certificate material.
const (
	// FromConfig: a file named under `certificates` in .apimlab.yaml.
	FromConfig Origin = "config"
	// FromData: the entity's base64 `data` property.
	FromData Origin = "data"
	// FromKeyVault: a file of the Key Vault stand-in directory.
	FromKeyVault Origin = "keyvault"
)

// Entry is one certificate: an entity of the service, an id mapped only in
// .apimlab.yaml, or both. Exactly one of Material, Err and Skipped is set.
type Entry struct {
	// ID is the certificate id (the entity name or the .apimlab.yaml key).
	ID string
	// Cert is the entity; nil when the id is only in .apimlab.yaml.
	Cert *apim.Certificate
	// Pos is where findings about the certificate point: the entity's
	// start (never the line of its data or password, which the text
	// report would print) or the .apimlab.yaml entry.
	Pos apim.Position
	// Origin is where the material was read from ("" when Skipped).
	Origin Origin
	// Where describes the source for messages ("properties.data",
	// `file "client.pfx"`), never its content.
	Where string
	// Material is the loaded certificate.
	Material *certs.Material
	// Err says why the material cannot be read (corrupt data, wrong
	// password, missing file); it never contains the password.
	Err error
	// Skipped says why no material is available offline.
	Skipped string
	// KeyVault reports a Key Vault-backed entity.
	KeyVault bool
	// Expiration is the entity's expirationDate (REST/az output) when
	// known; rules use it when Material is nil.
	Expiration time.Time
}

// Subject is the finding subject for the certificate.
func (e *Entry) Subject() lint.Subject { return lint.Subject{Kind: "certificate", Name: e.ID} }

// Thumbprint returns the certificate's SHA-1 thumbprint (upper-case hex)
// from its material, else from the entity's thumbprint property, else "".
func (e *Entry) Thumbprint() string {
	if e.Material != nil {
		return e.Material.Thumbprint
	}
	if e.Cert != nil && e.Cert.Thumbprint.Known() {
		return certs.NormalizeThumbprint(e.Cert.Thumbprint.Value)
	}
	return ""
}

// Set is the certificate material of one service.
type Set struct {
	// Entries are the entities in service order, then the ids only
	// .apimlab.yaml names, sorted.
	Entries []*Entry
	byID    map[string]*Entry
}

// Lookup returns the entry a certificate reference names: a full ARM id,
// "/certificates/name" or a bare name, case-insensitively; nil if none.
func (s *Set) Lookup(ref string) *Entry {
	if s == nil {
		return nil
	}
	return s.byID[strings.ToLower(IDName(ref))]
}

// ByThumbprint returns the entry whose thumbprint is tp (spaces, colons and
// case ignored). When none matches, unknown lists the entries whose
// thumbprint cannot be known offline, any of which might be the one.
func (s *Set) ByThumbprint(tp string) (match *Entry, unknown []*Entry) {
	if s == nil {
		return nil, nil
	}
	tp = certs.NormalizeThumbprint(tp)
	for _, e := range s.Entries {
		switch t := e.Thumbprint(); {
		case t == "":
			unknown = append(unknown, e)
		case t == tp:
			return e, nil
		}
	}
	return nil, unknown
}

// IDName returns the certificate name a reference names: the segment after
// "certificates/" of an ARM or relative id, or the reference itself.
func IDName(ref string) string {
	ref = strings.TrimSpace(ref)
	lower := strings.ToLower(ref)
	if i := strings.LastIndex(lower, "certificates/"); i >= 0 {
		rest := ref[i+len("certificates/"):]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			rest = rest[:j]
		}
		return rest
	}
	return strings.Trim(ref, "/")
}

// PasswordEnvName is the environment variable that supplies the PFX
// password of certificate id when the configuration cannot:
// APIMLAB_CERT_PASSWORD_ followed by the id in upper case with every
// character other than a letter or digit replaced by "_"
// ("backend-client" → APIMLAB_CERT_PASSWORD_BACKEND_CLIENT).
func PasswordEnvName(id string) string {
	return "APIMLAB_CERT_PASSWORD_" + strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, id)
}

// ConfigPath resolves a path written in the configuration: relative paths
// are relative to the directory of cfg.File (the working directory when
// the configuration was not read from a file).
func ConfigPath(cfg *lint.Config, p string) string {
	if p == "" || filepath.IsAbs(p) || cfg == nil || cfg.File == "" {
		return p
	}
	return filepath.Join(filepath.Dir(cfg.File), p)
}

// Resolve loads the material of every certificate of svc (see the package
// documentation for the order of sources). It never fails: problems are
// recorded in each Entry.
func Resolve(svc *apim.Service, cfg *lint.Config, opts Options) *Set {
	if cfg == nil {
		cfg = &lint.Config{}
	}
	r := &resolver{cfg: cfg, env: opts.lookupEnv(), kvDir: opts.KeyVaultDir}
	if r.kvDir == "" {
		r.kvDir = ConfigPath(cfg, cfg.KeyVaultDir)
	}
	s := &Set{byID: map[string]*Entry{}}
	add := func(e *Entry) {
		key := strings.ToLower(e.ID)
		if _, dup := s.byID[key]; dup {
			return // an entity declared twice (two inputs): the first counts
		}
		s.byID[key] = e
		s.Entries = append(s.Entries, e)
	}
	if svc != nil {
		for _, c := range svc.Certificates {
			if c == nil || c.Name == "" {
				continue
			}
			add(r.entity(c))
		}
	}
	var onlyConfig []string
	for id := range cfg.Certificates {
		if _, ok := s.byID[strings.ToLower(id)]; !ok {
			onlyConfig = append(onlyConfig, id)
		}
	}
	slices.Sort(onlyConfig)
	for _, id := range onlyConfig {
		cc := cfg.Certificates[id]
		e := &Entry{ID: id, Pos: cc.Pos}
		r.fromConfig(e, id, cc)
		add(e)
	}
	return s
}

type resolver struct {
	cfg   *lint.Config
	env   func(string) (string, bool)
	kvDir string
}

func (r *resolver) configEntry(id string) (lint.CertificateConfig, bool) {
	if cc, ok := r.cfg.Certificates[id]; ok {
		return cc, true
	}
	for k, cc := range r.cfg.Certificates {
		if strings.EqualFold(k, id) {
			return cc, true
		}
	}
	return lint.CertificateConfig{}, false
}

func (r *resolver) entity(c *apim.Certificate) *Entry {
	e := &Entry{ID: c.Name, Cert: c, Pos: c.Pos, KeyVault: c.KeyVault != nil}
	if c.Expiration.Known() {
		if t, err := time.Parse(time.RFC3339, c.Expiration.Value); err == nil {
			e.Expiration = t
		}
	}
	if cc, ok := r.configEntry(c.Name); ok {
		r.fromConfig(e, c.Name, cc)
		return e
	}
	switch {
	case c.Data.Set:
		r.fromData(e, c)
	case c.KeyVault != nil:
		r.fromKeyVault(e, c.KeyVault)
	default:
		e.Skipped = "the entity carries no certificate data (APIOps and az output leave it out); " +
			"map the id to a PFX or PEM file under certificates in .apimlab.yaml"
	}
	return e
}

func (r *resolver) fromConfig(e *Entry, id string, cc lint.CertificateConfig) {
	e.Origin, e.Where = FromConfig, fmt.Sprintf("file %q (.apimlab.yaml certificates.%s)", cc.File, id)
	pw := ""
	if cc.PasswordEnv != "" {
		v, ok := r.env(cc.PasswordEnv)
		if !ok {
			e.Origin = ""
			e.Skipped = fmt.Sprintf("the password variable $%s (certificates.%s.passwordEnv) is not set", cc.PasswordEnv, id)
			return
		}
		pw = v
	}
	hint := "set certificates." + id + ".passwordEnv in .apimlab.yaml"
	if cc.PasswordEnv != "" {
		hint = "$" + cc.PasswordEnv + " is empty"
	}
	r.load(e, ConfigPath(r.cfg, cc.File), pw, hint)
}

func (r *resolver) fromData(e *Entry, c *apim.Certificate) {
	e.Origin, e.Where = FromData, "properties.data"
	switch {
	case c.Data.Unknown() != "":
		e.Origin, e.Skipped = "", "properties.data could not be resolved ("+c.Data.Unknown()+")"
		return
	case c.Data.Null || strings.TrimSpace(c.Data.Value) == "":
		e.Err = fmt.Errorf("%w: properties.data is empty", certs.ErrCorrupt)
		return
	}
	pw, ok := r.password(e.ID, c.Password)
	if !ok {
		e.Origin = ""
		e.Skipped = fmt.Sprintf("the password (properties.password) is not known (%s); pass --parameters or set $%s",
			c.Password.Unknown(), PasswordEnvName(e.ID))
		return
	}
	if err := pfxOnly(c.Data.Value); err != nil {
		e.Err = err
		return
	}
	m, err := certs.LoadBytes([]byte(c.Data.Value), pw)
	if err != nil {
		e.Err = noPassword(scrub(err, pw), pw, "the entity has no properties.password")
		return
	}
	e.Material = m
}

// ErrPEMData is wrapped by an Entry's Err when an entity's data holds PEM
// text (or base64-encoded PEM): Azure accepts only the base64 of a PFX
// there, so the deployment fails even though apimlab could read it.
var ErrPEMData = errors.New("properties.data holds PEM text, but Azure accepts only a base64-encoded PFX there " +
	"(openssl pkcs12 -export, then base64 the .pfx file)")

// ErrNoPassword is wrapped, together with certs.ErrWrongPassword, by an
// Entry's Err when a password-protected PFX was opened with no password
// because none is configured.
var ErrNoPassword = errors.New("the PFX is password-protected but no password is configured")

// pfxOnly rejects entity data that is PEM, as is or base64-encoded.
func pfxOnly(data string) error {
	if strings.Contains(data, "-----BEGIN") {
		return fmt.Errorf("%w: %w", certs.ErrCorrupt, ErrPEMData)
	}
	compact := strings.Join(strings.Fields(data), "")
	if dec, err := base64.StdEncoding.DecodeString(compact); err == nil && bytes.Contains(dec, []byte("-----BEGIN")) {
		return fmt.Errorf("%w: %w", certs.ErrCorrupt, ErrPEMData)
	}
	return nil
}

// noPassword marks a wrong-password error as "no password configured"
// when pw is empty; hint says how to configure one.
func noPassword(err error, pw, hint string) error {
	if pw != "" || !errors.Is(err, certs.ErrWrongPassword) {
		return err
	}
	return fmt.Errorf("%w (%s): %w", ErrNoPassword, hint, err)
}

// password returns the PFX password of an entity: its known value, "" when
// absent, else the APIMLAB_CERT_PASSWORD_<ID> variable; ok is false when
// none applies.
func (r *resolver) password(id string, f apim.Field[string]) (string, bool) {
	switch {
	case !f.Set || f.Null:
		return "", true
	case f.Unknown() == "":
		return f.Value, true
	}
	return r.env(PasswordEnvName(id))
}

func (r *resolver) fromKeyVault(e *Entry, kv *apim.KeyVaultRef) {
	sid := kv.SecretIdentifier
	switch {
	case !sid.Known() || strings.TrimSpace(sid.Value) == "":
		e.Skipped = "keyVault.secretIdentifier is not known"
		if sid.Unknown() != "" {
			e.Skipped += " (" + sid.Unknown() + ")"
		}
		return
	case r.kvDir == "":
		e.Skipped = "the Key Vault secret is not read offline: pass --keyvault-dir DIR (or set keyvaultDir) " +
			"with a file named after the secret"
		return
	}
	path, err := certs.KeyVaultDir(r.kvDir).Resolve(sid.Value)
	if err != nil {
		if errors.Is(err, certs.ErrNotFound) {
			e.Skipped = "Key Vault stand-in: " + err.Error()
		} else {
			e.Skipped = "Key Vault reference not resolved: " + err.Error()
		}
		return
	}
	e.Origin, e.Where = FromKeyVault, fmt.Sprintf("Key Vault stand-in file %q", path)
	pw, _ := r.env(PasswordEnvName(e.ID)) // Key Vault PFX secrets have no password
	r.load(e, path, pw, "Key Vault secrets carry none; set $"+PasswordEnvName(e.ID)+" for a protected stand-in file")
}

// load reads path into e; hint says how to configure a password, for
// a protected PFX read without one.
func (r *resolver) load(e *Entry, path, pw, hint string) {
	data, err := os.ReadFile(path)
	if err != nil {
		e.Err = err // *fs.PathError: names the file only
		return
	}
	m, err := certs.LoadBytes(data, pw)
	if err != nil {
		e.Err = noPassword(scrub(err, pw), pw, hint)
		return
	}
	e.Material = m
}

// errRedacted replaces an error whose text would contain the password.
var errRedacted = errors.New("certificate cannot be read (error text withheld: it contained the password)")

// scrub returns err, or errRedacted wrapping certs' sentinel when err's
// text contains the password. The certs package promises never to echo a
// password; this keeps the promise even if a library changes its messages.
func scrub(err error, pw string) error {
	if pw == "" || !strings.Contains(err.Error(), pw) {
		return err
	}
	if errors.Is(err, certs.ErrWrongPassword) {
		return certs.ErrWrongPassword
	}
	return fmt.Errorf("%w: %w", certs.ErrCorrupt, errRedacted)
}
