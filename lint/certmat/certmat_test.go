package certmat

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/certs"
	"github.com/apimlab/apimlab/lint"
	"software.sslmate.com/src/go-pkcs12"
)

var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func known(v string) apim.Field[string] {
	return apim.Field[string]{Value: v, Set: true, Literal: true}
}

func TestResolve(t *testing.T) {
	pki, err := certs.NewPKI(certs.InitOptions{Now: now, Password: "pfx-pw"})
	if err != nil {
		t.Fatal(err)
	}
	pfx, err := pki.Client.PFX(pkcs12.Modern, "pfx-pw")
	if err != nil {
		t.Fatal(err)
	}
	kvPFX, err := pki.Client.PFX(pkcs12.LegacyDES, "")
	if err != nil {
		t.Fatal(err)
	}
	data := base64.StdEncoding.EncodeToString(pfx)
	dir := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "kv"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "kv", "kv-secret.pfx"), kvPFX, 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "mapped.pfx"), pfx, 0o600))
	env := map[string]string{"MAPPED_PW": "pfx-pw", PasswordEnvName("env-pw"): "pfx-pw"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	unknownPw := apim.Field[string]{Set: true, Secure: true}.WithUnknown(`parameter "p" has no value`)

	svc := &apim.Service{Certificates: []*apim.Certificate{
		{Name: "data", Data: known(data), Password: known("pfx-pw")},
		{Name: "wrong", Data: known(data), Password: known("not-the-password")},
		{Name: "env-pw", Data: known(data), Password: unknownPw},
		{Name: "no-pw", Data: known(data), Password: unknownPw},
		{Name: "kv", KeyVault: &apim.KeyVaultRef{SecretIdentifier: known("https://contoso-kv.vault.azure.net/secrets/kv-secret")}},
		{Name: "kv-missing", KeyVault: &apim.KeyVaultRef{SecretIdentifier: known("https://contoso-kv.vault.azure.net/secrets/nope")}},
		{Name: "apiops"},
		{Name: "Mapped", Data: known("ignored: the configuration wins")},
	}}
	cfg := &lint.Config{File: filepath.Join(dir, ".apimlab.yaml"), KeyVaultDir: "kv",
		Certificates: map[string]lint.CertificateConfig{
			"mapped":      {File: "mapped.pfx", PasswordEnv: "MAPPED_PW"},
			"config-only": {File: "mapped.pfx", PasswordEnv: "UNSET_VAR"},
		}}
	set := Resolve(svc, cfg, Options{LookupEnv: lookup})
	tp := pki.Client.Material().Thumbprint

	for _, tc := range []struct {
		id, origin, skipped string
		err                 error
	}{
		{"data", "data", "", nil},
		{"wrong", "data", "", certs.ErrWrongPassword},
		{"env-pw", "data", "", nil},
		{"no-pw", "", "APIMLAB_CERT_PASSWORD_NO_PW", nil},
		{"kv", "keyvault", "", nil},
		{"kv-missing", "", "no nope.pfx or nope.pem", nil},
		{"apiops", "", "carries no certificate data", nil},
		{"mapped", "config", "", nil},
		{"config-only", "", "$UNSET_VAR", nil},
	} {
		e := set.Lookup(tc.id)
		if e == nil {
			t.Errorf("%s: no entry", tc.id)
			continue
		}
		if string(e.Origin) != tc.origin || !strings.Contains(e.Skipped, tc.skipped) || (tc.skipped == "") != (e.Skipped == "") {
			t.Errorf("%s: origin %q skipped %q, want %q / %q", tc.id, e.Origin, e.Skipped, tc.origin, tc.skipped)
		}
		switch {
		case tc.err != nil:
			if !errors.Is(e.Err, tc.err) {
				t.Errorf("%s: err %v, want %v", tc.id, e.Err, tc.err)
			}
		case tc.skipped == "":
			if e.Err != nil || e.Material == nil || e.Thumbprint() != tp {
				t.Errorf("%s: material %v err %v, want the client certificate", tc.id, e.Material != nil, e.Err)
			}
		}
		for _, s := range []string{"pfx-pw", "not-the-password"} {
			if strings.Contains(e.Skipped, s) || e.Err != nil && strings.Contains(e.Err.Error(), s) {
				t.Errorf("%s: password in %q / %v", tc.id, e.Skipped, e.Err)
			}
		}
	}
	if len(set.Entries) != 9 || set.Entries[8].ID != "config-only" || set.Entries[8].Pos != cfg.Certificates["config-only"].Pos {
		t.Errorf("entries: %d, last %+v", len(set.Entries), set.Entries[len(set.Entries)-1])
	}
	for _, ref := range []string{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/x/certificates/DATA", "/certificates/data", "data"} {
		if e := set.Lookup(ref); e == nil || e.ID != "data" {
			t.Errorf("Lookup(%q) = %v", ref, e)
		}
	}
	if e, _ := set.ByThumbprint(strings.ToLower(tp[:2]) + ":" + tp[2:]); e == nil || e.ID != "data" {
		t.Errorf("ByThumbprint: %v", e)
	}
	if e, unknown := set.ByThumbprint("00"); e != nil || len(unknown) != 5 { // wrong, no-pw, kv-missing, apiops, config-only
		t.Errorf("ByThumbprint(00) = %v, %d unknown", e, len(unknown))
	}
}

func TestForCachesPerService(t *testing.T) {
	calls := 0
	cfg := &lint.Config{Certificates: map[string]lint.CertificateConfig{"c": {File: "x.pfx", PasswordEnv: "V"}}}
	Attach(cfg, Options{LookupEnv: func(string) (string, bool) { calls++; return "", false }})
	svc := &apim.Service{}
	pass := lint.NewPass(&lint.Rule{ID: "APIM300", Requires: []lint.Requirement{Material}}, svc, cfg, now, func(lint.Finding) {})
	if a, b := For(pass), For(pass); a != b || calls != 1 {
		t.Errorf("For resolved %d times, sets equal %v", calls, a == b)
	}
	other := lint.NewPass(&lint.Rule{ID: "APIM300", Requires: []lint.Requirement{Material}}, &apim.Service{}, cfg, now, func(lint.Finding) {})
	if For(other); calls != 2 {
		t.Errorf("a new service was not resolved afresh (%d calls)", calls)
	}
}

func TestNames(t *testing.T) {
	for in, want := range map[string]string{"backend-client": "APIMLAB_CERT_PASSWORD_BACKEND_CLIENT", "a.b_C9": "APIMLAB_CERT_PASSWORD_A_B_C9"} {
		if got := PasswordEnvName(in); got != want {
			t.Errorf("PasswordEnvName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"/certificates/x": "x", "x": "x", "/subscriptions/s/providers/M.A/service/svc/certificates/y/": "y", " /z/ ": "z"} {
		if got := IDName(in); got != want {
			t.Errorf("IDName(%q) = %q, want %q", in, got, want)
		}
	}
	cfg := &lint.Config{File: filepath.Join("conf", ".apimlab.yaml")}
	if got := ConfigPath(cfg, "a.pem"); got != filepath.Join("conf", "a.pem") {
		t.Errorf("ConfigPath = %q", got)
	}
	if got := ConfigPath(&lint.Config{}, "a.pem"); got != "a.pem" {
		t.Errorf("ConfigPath without file = %q", got)
	}
}

func TestScrub(t *testing.T) {
	leaky := errors.New("decoding with hunter2 failed")
	if err := scrub(leaky, "hunter2"); strings.Contains(err.Error(), "hunter2") || !errors.Is(err, certs.ErrCorrupt) {
		t.Errorf("scrub = %v", err)
	}
	if err := scrub(leaky, ""); err != leaky {
		t.Errorf("scrub without password changed the error: %v", err)
	}
}

func TestTrustedClientCAsAndCAStore(t *testing.T) {
	pki, err := certs.NewPKI(certs.InitOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "cas.pem"), append(pki.Root.CertPEM(), pki.WrongRoot.CertPEM()...), 0o644))
	cfg := &lint.Config{File: filepath.Join(dir, ".apimlab.yaml"), Backends: map[string]lint.BackendConfig{
		"Orders": {TrustedClientCAs: []string{"cas.pem"}},
		"broken": {TrustedClientCAs: []string{"missing.pem"}},
	}}
	cas, ok, err := TrustedClientCAs(cfg, "orders")
	if err != nil || !ok || len(cas) != 2 {
		t.Errorf("TrustedClientCAs(orders) = %d, %v, %v", len(cas), ok, err)
	}
	if _, ok, err := TrustedClientCAs(cfg, "broken"); !ok || err == nil || !strings.Contains(err.Error(), "missing.pem") {
		t.Errorf("TrustedClientCAs(broken) = %v, %v", ok, err)
	}
	if _, ok, err := TrustedClientCAs(cfg, "none"); ok || err != nil {
		t.Errorf("TrustedClientCAs(none) = %v, %v", ok, err)
	}
	svc := &apim.Service{CAStore: []*apim.CACertificate{
		{StoreName: known("Root"), EncodedCertificate: known(base64.StdEncoding.EncodeToString(pki.Root.Cert.Raw))},
		{StoreName: known("CertificateAuthority"), EncodedCertificate: known(base64.StdEncoding.EncodeToString(pki.Intermediate.Cert.Raw))},
		{StoreName: known("Root"), EncodedCertificate: known("garbage")},
	}}
	roots, inter := CAStore(svc)
	if len(roots) != 1 || !roots[0].Equal(pki.Root.Cert) || len(inter) != 1 || !inter[0].Equal(pki.Intermediate.Cert) {
		t.Errorf("CAStore = %d roots, %d intermediates", len(roots), len(inter))
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestResolvePEMDataAndMissingPassword: PEM in an entity's data is refused
// (Azure takes only a base64 PFX), and a protected PFX read with no
// configured password says so instead of "wrong password".
func TestResolvePEMDataAndMissingPassword(t *testing.T) {
	pki, err := certs.NewPKI(certs.InitOptions{Now: now, Password: "pfx-pw"})
	if err != nil {
		t.Fatal(err)
	}
	key, err := pki.Client.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	pemText := string(pki.Client.CertPEM()) + string(key)
	pfx, err := pki.Client.PFX(pkcs12.Modern, "pfx-pw")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "kv"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "kv", "kv-secret.pfx"), pfx, 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "mapped.pfx"), pfx, 0o600))
	svc := &apim.Service{Certificates: []*apim.Certificate{
		{Name: "pem", Data: known(pemText)},
		{Name: "pem-b64", Data: known(base64.StdEncoding.EncodeToString([]byte(pemText)))},
		{Name: "no-pw", Data: known(base64.StdEncoding.EncodeToString(pfx))},
		{Name: "kv", KeyVault: &apim.KeyVaultRef{SecretIdentifier: known("https://contoso-kv.vault.azure.net/secrets/kv-secret")}},
	}}
	cfg := &lint.Config{File: filepath.Join(dir, ".apimlab.yaml"), KeyVaultDir: "kv",
		Certificates: map[string]lint.CertificateConfig{"mapped": {File: "mapped.pfx"}}}
	set := Resolve(svc, cfg, Options{LookupEnv: func(string) (string, bool) { return "", false }})
	tests := []struct {
		id, want string
		sentinel error
	}{
		{"pem", "holds PEM text", ErrPEMData},
		{"pem-b64", "holds PEM text", ErrPEMData},
		{"no-pw", "no properties.password", ErrNoPassword},
		{"kv", "$APIMLAB_CERT_PASSWORD_KV", ErrNoPassword},
		{"mapped", "certificates.mapped.passwordEnv", ErrNoPassword},
	}
	for _, tt := range tests {
		e := set.Lookup(tt.id)
		if e == nil || e.Err == nil {
			t.Errorf("%s: entry %+v, want an error", tt.id, e)
			continue
		}
		if !errors.Is(e.Err, tt.sentinel) || !errors.Is(e.Err, certs.ErrCorrupt) && !errors.Is(e.Err, certs.ErrWrongPassword) {
			t.Errorf("%s: err = %v, want %v", tt.id, e.Err, tt.sentinel)
		}
		if !strings.Contains(e.Err.Error(), tt.want) {
			t.Errorf("%s: err = %q, want it to contain %q", tt.id, e.Err, tt.want)
		}
		if strings.Contains(e.Err.Error(), "BEGIN") || strings.Contains(e.Err.Error(), "pfx-pw") {
			t.Errorf("%s: err leaks material: %q", tt.id, e.Err)
		}
	}
}
