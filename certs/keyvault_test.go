package certs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeyVaultSecretURI(t *testing.T) {
	t.Parallel()
	const v = "0123456789abcdef0123456789abcdef"
	tests := []struct {
		uri       string
		kind      string
		versioned bool
		errHas    string // "" = no error
	}{
		{"https://myvault.vault.azure.net/secrets/backend-client", "secrets", false, ""},
		{"https://myvault.vault.azure.net/secrets/backend-client/", "secrets", false, ""},
		{"https://myvault.vault.azure.net/secrets/backend-client/" + v, "secrets", true, ""},
		{"https://MyVault.Vault.Azure.Net/Secrets/backend-client", "secrets", false, ""},
		{"https://myvault.vault.azure.net:443/secrets/c", "secrets", false, ""},
		{"https://myvault.vault.azure.net/certificates/backend-client", "certificates", false, ""},
		{"https://myvault.vault.azure.net/certificates/backend-client/" + v, "certificates", true, ""},
		{"https://myvault.vault.azure.net/keys/k1", "keys", false, ""},
		{"https://myvault.vault.azure.cn/secrets/c", "secrets", false, ""},
		{"https://myvault.vault.usgovcloudapi.net/secrets/c", "secrets", false, ""},
		{"https://hsm1.managedhsm.azure.net/keys/k1", "keys", false, ""},
		// Azure's test cloud, as in the REST API examples.
		{"https://rpbvtkeyvaultintegration.vault-int.azure-int.net/secrets/msitestingCert", "secrets", false, ""},
		{"https://myvault.notavault.example.com/secrets/c", "", false, "is not a Key Vault"},
		{"http://myvault.vault.azure.net/secrets/c", "", false, "scheme must be https"},
		{"https://example.com/secrets/c", "", false, "is not a Key Vault"},
		{"https://vault.azure.net/secrets/c", "", false, "is not a Key Vault"},
		{"https://ab.vault.azure.net/secrets/c", "", false, "vault name"},
		{"https://myvault.vault.azure.net/storage/c", "", false, "object kind"},
		{"https://myvault.vault.azure.net/secrets", "", false, "path must be"},
		{"https://myvault.vault.azure.net/", "", false, "path must be"},
		{"https://myvault.vault.azure.net/secrets/my_secret", "", false, "object name"},
		{"https://myvault.vault.azure.net/secrets/c/" + v + "/extra", "", false, "too many"},
		{"https://myvault.vault.azure.net/secrets/c/v-1", "", false, "version"},
		{"[concat(parameters('kv'), '/secrets/c')]", "", false, "scheme must be https"},
		{"", "", false, "scheme must be https"},
		{"https://my vault.vault.azure.net/secrets/c", "", false, "not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			kind, versioned, err := KeyVaultSecretURI(tt.uri)
			if tt.errHas != "" {
				if !errors.Is(err, ErrKeyVaultURI) || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("err = %v, want ErrKeyVaultURI mentioning %q", err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if kind != tt.kind || versioned != tt.versioned {
				t.Errorf("= (%q, %v), want (%q, %v)", kind, versioned, tt.kind, tt.versioned)
			}
		})
	}
	ref, err := ParseKeyVaultURI("https://myvault.vault.azure.net/secrets/backend-client/" + v)
	if err != nil {
		t.Fatal(err)
	}
	if want := (KeyVaultRef{Host: "myvault.vault.azure.net", Vault: "myvault", Kind: "secrets", Name: "backend-client", Version: v}); ref != want {
		t.Errorf("ParseKeyVaultURI = %+v, want %+v", ref, want)
	}
}

func TestKeyVaultDirResolve(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"both.pfx", "both.pem", "only-pem.pem", "MixedCase.pfx", "other.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "adir.pfx"), 0o755); err != nil {
		t.Fatal(err)
	}
	kv := KeyVaultDir(dir)
	tests := []struct {
		uri     string
		want    string // base name
		wantErr error
	}{
		{"https://v01.vault.azure.net/secrets/both", "both.pfx", nil},
		{"https://v01.vault.azure.net/secrets/both/abc123", "both.pfx", nil},
		{"https://v01.vault.azure.net/certificates/only-pem", "only-pem.pem", nil},
		{"https://v01.vault.azure.net/secrets/mixedcase", "MixedCase.pfx", nil},
		{"https://v01.vault.azure.net/secrets/other", "", ErrNotFound},
		{"https://v01.vault.azure.net/secrets/adir", "", ErrNotFound},
		{"https://v01.vault.azure.net/secrets/absent", "", ErrNotFound},
		{"https://example.com/secrets/both", "", ErrKeyVaultURI},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			got, err := ResolveKeyVault(kv, tt.uri)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if tt.wantErr == ErrNotFound && !strings.Contains(err.Error(), "not found") {
					t.Errorf("error %q does not say not found", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(dir, tt.want); got != want {
				t.Errorf("= %q, want %q", got, want)
			}
		})
	}
	if _, err := KeyVaultDir(filepath.Join(dir, "missing")).Resolve("https://v01.vault.azure.net/secrets/x"); err == nil {
		t.Error("missing directory: no error")
	}
}

func TestSourceLoad(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	const pw = "env-secret-pw"
	dir := t.TempDir()
	pfx, err := p.Client.PFX(nil, pw)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "client.pfx")
	if err := os.WriteFile(path, pfx, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CLIENT_PFX_PW": pw, "WRONG_PW": "nope"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct {
		name    string
		src     Source
		wantErr error
	}{
		{"password", Source{File: path, Password: pw}, nil},
		{"password env", Source{File: path, PasswordEnv: "CLIENT_PFX_PW"}, nil},
		{"password wins over env", Source{File: path, Password: pw, PasswordEnv: "WRONG_PW"}, nil},
		{"env unset", Source{File: path, PasswordEnv: "UNSET_VAR"}, ErrPasswordEnvUnset},
		{"wrong password from env", Source{File: path, PasswordEnv: "WRONG_PW"}, ErrWrongPassword},
		{"no password", Source{File: path}, ErrWrongPassword},
		{"missing file", Source{File: filepath.Join(dir, "nope.pfx"), Password: pw}, os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tt.src.Load(lookup)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), pw) {
					t.Errorf("error %q contains the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !m.Leaf.Equal(p.Client.Cert) || !m.KeyMatches {
				t.Errorf("loaded %s, KeyMatches %v", m.Leaf.Subject, m.KeyMatches)
			}
		})
	}
	if _, err := (Source{}).Load(lookup); err == nil {
		t.Error("empty source: no error")
	}
	if _, err := (Source{File: filepath.Join(dir, "x"), PasswordEnv: "UNSET_VAR"}).Load(lookup); err == nil || !strings.Contains(err.Error(), "UNSET_VAR") {
		t.Errorf("unset env error %v does not name the variable", err)
	}
}
