package gateway

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// writeOpenID writes an OpenID configuration (issuer, jwks_uri) and its key
// set into dir at the files the documented mapping names:
// https://HOST/PATH is dir/HOST/PATH.
func writeOpenID(t *testing.T, dir, configFile, issuer, jwksURI, jwksFile string, keys ...*rsa.PublicKey) {
	t.Helper()
	var jwk []map[string]string
	for i, k := range keys {
		jwk = append(jwk, map[string]string{"kty": "RSA", "use": "sig", "kid": fmt.Sprint("k", i),
			"n": base64.RawURLEncoding.EncodeToString(k.N.Bytes()), "e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes())})
	}
	// An encryption key and an EC key are not signing keys validate-jwt
	// can use: they are skipped.
	jwk = append(jwk, map[string]string{"kty": "RSA", "use": "enc", "n": "AQAB", "e": "AQAB"}, map[string]string{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"})
	write := func(rel string, v any) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		b, _ := json.MarshalIndent(v, "", "  ")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(configFile, map[string]any{"issuer": issuer, "jwks_uri": jwksURI, "id_token_signing_alg_values_supported": []string{"RS256"}})
	write(jwksFile, map[string]any{"keys": jwk})
}

// rsaKey generates an RSA key pair for the test.
func rsaKey(t *testing.T, bits int) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestOpenIDConfigOffline: <openid-config url> (Learn, "Validate JWT":
// "a compliant OpenID configuration endpoint URL from which signing keys
// and issuer can be obtained") is read from Options.OpenIDConfigDir, never
// the network. A token signed with a key of the key set is accepted; one
// signed by another key is refused with failed-validation-httpcode and
// failed-validation-error-message; the configuration's issuer is the
// accepted issuer.
func TestOpenIDConfigOffline(t *testing.T) {
	dir := t.TempDir()
	key, other := rsaKey(t, 2048), rsaKey(t, 2048)
	const issuer = "https://login.example.test/tenant-1/v2.0"
	writeOpenID(t, dir, "login.example.test/tenant-1/v2.0/.well-known/openid-configuration", issuer,
		"https://login.example.test/tenant-1/discovery/v2.0/keys", "login.example.test/tenant-1/discovery/v2.0/keys", &key.PublicKey)
	// Learn's "Azure Active Directory token validation" example, with
	// require-scheme.
	policy := `<validate-jwt header-name="Authorization" require-scheme="Bearer" failed-validation-httpcode="401" failed-validation-error-message="Unauthorized. Access token is missing or invalid.">
<openid-config url="https://login.example.test/tenant-1/v2.0/.well-known/openid-configuration" />
<audiences><audience>25eef6e4-c905-4a07-8eb4-0d08d5df8b3f</audience></audiences></validate-jwt>`
	be := newFakeBackend(t, "be", 200)
	_, front := startGateway(t, &apim.Service{APIs: []*apim.API{apiWith("/a", be.URL, policy)}}, Options{Clock: newFakeClock(), OpenIDConfigDir: dir})
	good := map[string]any{"aud": "25eef6e4-c905-4a07-8eb4-0d08d5df8b3f", "iss": issuer, "exp": testStart.Unix() + 600}
	otherIssuer := map[string]any{"aud": good["aud"], "iss": "https://login.example.test/tenant-2/v2.0", "exp": good["exp"]}
	tests := []struct {
		name, token, reason string
	}{
		{"signed with the key set's key", signRS256(t, key, good), ""},
		{"signed by another key", signRS256(t, other, good), "TokenSignatureInvalid"},
		{"issuer not the configuration's", signRS256(t, key, otherIssuer), "TokenIssuerNotAllowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, hdr, body := get(t, front.URL+"/a/x", map[string]string{"Authorization": "Bearer " + tt.token})
			if tt.reason == "" {
				if status != 200 {
					t.Fatalf("status %d (%s), want 200", status, hdr.Get(HeaderReason))
				}
				return
			}
			if status != 401 || hdr.Get(HeaderReason) != tt.reason || !strings.Contains(body, "Unauthorized. Access token is missing or invalid.") {
				t.Errorf("%d %q %q, want 401 %s with the policy's message", status, hdr.Get(HeaderReason), body, tt.reason)
			}
		})
	}
}

// TestValidateAzureADTokenOpenIDConfig: validate-azure-ad-token without
// inline keys reads its tenant's Entra ID OpenID configuration (v2.0
// endpoint) from Options.OpenIDConfigDir.
func TestValidateAzureADTokenOpenIDConfig(t *testing.T) {
	dir := t.TempDir()
	key, other := rsaKey(t, 2048), rsaKey(t, 2048)
	writeOpenID(t, dir, "login.microsoftonline.com/contoso-tenant/v2.0/.well-known/openid-configuration",
		"https://login.microsoftonline.com/contoso-tenant/v2.0",
		"https://login.microsoftonline.com/contoso-tenant/discovery/v2.0/keys", "login.microsoftonline.com/contoso-tenant/discovery/v2.0/keys", &key.PublicKey)
	policy := `<validate-azure-ad-token tenant-id="contoso-tenant"><client-application-ids><application-id>app-1</application-id></client-application-ids></validate-azure-ad-token>`
	be := newFakeBackend(t, "be", 200)
	_, front := startGateway(t, &apim.Service{APIs: []*apim.API{apiWith("/a", be.URL, policy)}}, Options{Clock: newFakeClock(), OpenIDConfigDir: dir})
	claims := map[string]any{"iss": "https://login.microsoftonline.com/contoso-tenant/v2.0", "azp": "app-1", "exp": testStart.Unix() + 600}
	for _, tt := range []struct {
		name   string
		token  string
		status int
	}{
		{"tenant key", signRS256(t, key, claims), 200},
		{"another key", signRS256(t, other, claims), 401},
	} {
		status, hdr, _ := get(t, front.URL+"/a/x", map[string]string{"Authorization": "Bearer " + tt.token})
		if status != tt.status {
			t.Errorf("%s: status %d (%s), want %d", tt.name, status, hdr.Get(HeaderReason), tt.status)
		}
	}
}

// TestOpenIDConfigLoadErrors: what cannot be read from the directory stops
// the gateway with the <openid-config> element's position and the file
// that is missing or wrong.
func TestOpenIDConfigLoadErrors(t *testing.T) {
	dir := t.TempDir()
	key := rsaKey(t, 1024)
	writeOpenID(t, dir, "idp.example.test/.well-known/openid-configuration", "https://idp.example.test/",
		"https://idp.example.test/jwks.json", "idp.example.test/jwks.json", &key.PublicKey)
	// A configuration whose key set is not in the directory.
	writeOpenID(t, dir, "idp.example.test/nokeys/.well-known/openid-configuration", "https://idp.example.test/nokeys",
		"https://keys.example.test/nokeys/jwks", "elsewhere/jwks", &key.PublicKey)
	if err := os.WriteFile(filepath.Join(dir, "idp.example.test", "bad.json"), []byte("{\n  \"issuer\": \"x\",\n  oops\n}"), 0o644); err != nil {
		t.Fatal(err)
	}
	el := func(url string) string {
		return `<validate-jwt header-name="Authorization" require-scheme="Bearer"><openid-config url="` + url + `" /></validate-jwt>`
	}
	tests := []struct {
		name   string
		policy string
		dir    string
		want   []string
	}{
		{"URL not in the directory", el("https://idp.example.test/other/.well-known/openid-configuration"), dir,
			[]string{"has no file idp.example.test/other/.well-known/openid-configuration", "the OpenID configuration"}},
		{"jwks_uri not in the directory", el("https://idp.example.test/nokeys/.well-known/openid-configuration"), dir,
			// json.MarshalIndent sorts the keys: the supported algorithms
			// take lines 2-4, issuer line 5, jwks_uri line 6, its value at
			// column 15 (after `  "jwks_uri": `).
			[]string{"has no file keys.example.test/nokeys/jwks for jwks_uri", "nokeys/.well-known/openid-configuration:6:15"}},
		{"malformed JSON", el("https://idp.example.test/bad.json"), dir,
			[]string{filepath.Join(dir, "idp.example.test", "bad.json") + ":3:3"}},
		{"path leaving the directory", el("https://idp.example.test/../../etc/passwd"), dir,
			[]string{`path segment ".."`}},
		{"no directory given", el("https://idp.example.test/.well-known/openid-configuration"), "",
			[]string{"--openid-config DIR", "DIR/idp.example.test/.well-known/openid-configuration"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := apiWith("/a", "http://backend.invalid", tt.policy)
			_, err := New(&apim.Service{APIs: []*apim.API{api}}, Options{Clock: newFakeClock(), OpenIDConfigDir: tt.dir})
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("New: %v, want ErrConfig", err)
			}
			// <openid-config> starts after "<policies><inbound><base />"
			// and the <validate-jwt ...> start tag, on line 1 of api.xml.
			col := len("<policies><inbound><base />") + strings.Index(tt.policy, "<openid-config") + 1
			for _, w := range append([]string{fmt.Sprintf("api.xml:1:%d", col)}, tt.want...) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestOpenIDFile: the documented URL → file mapping.
func TestOpenIDFile(t *testing.T) {
	tests := []struct {
		url, want, err string
	}{
		{"https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration", "login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration", ""},
		{"https://IdP.Example.TEST/Keys/JWKS", "idp.example.test/Keys/JWKS", ""}, // host lowercased, path kept
		{"https://idp.example.test:8443/jwks", "idp.example.test:8443/jwks", ""},
		{"http://idp.example.test/jwks/", "idp.example.test/jwks", ""},
		{"https://idp.example.test/.well-known/openid-configuration?p=b2c_1_signin", "", "query or fragment"},
		{"https://idp.example.test/jwks#k", "", "query or fragment"},
		{"https://idp.example.test/a/../../b", "", `path segment ".."`},
		{"https://idp.example.test/", "", "has no path"},
		{"ftp://idp.example.test/jwks", "", "want an https URL"},
		{"/relative/jwks", "", "want an https URL"},
	}
	for _, tt := range tests {
		got, err := openIDFile(tt.url)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("openIDFile(%q) = %q, %v; want an error containing %q", tt.url, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("openIDFile(%q) = %q, %v; want %q", tt.url, got, err, tt.want)
		}
	}
}

// TestLoadOpenIDKeys: symmetric ("oct") keys are used, a templated issuer
// (Entra ID's multi-tenant "{tenantid}") is not an accepted issuer, and
// documents without what validate-jwt needs, or reached through a link
// out of the directory, are errors naming the file.
func TestLoadOpenIDKeys(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	secret := []byte("0123456789abcdef0123456789abcdef")
	write("idp.test/multi/.well-known/openid-configuration", `{"issuer": "https://idp.test/{tenantid}/v2.0", "jwks_uri": "https://idp.test/multi/keys"}`)
	write("idp.test/multi/keys", `{"keys": [{"kty": "oct", "k": "`+base64.RawURLEncoding.EncodeToString(secret)+`"}]}`)
	write("idp.test/nojwks/.well-known/openid-configuration", `{"issuer": "https://idp.test/nojwks"}`)
	write("idp.test/enconly/.well-known/openid-configuration", `{"issuer": "https://idp.test/enconly", "jwks_uri": "https://idp.test/enconly/keys"}`)
	write("idp.test/enconly/keys", `{"keys": [{"kty": "RSA", "use": "enc", "n": "AQAB", "e": "AQAB"}]}`)
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "openid-configuration"), []byte(`{"jwks_uri": "https://idp.test/multi/keys"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "openid-configuration"), filepath.Join(dir, "idp.test", "link")); err != nil {
		t.Fatal(err)
	}

	k, err := loadOpenID(dir, "https://idp.test/multi/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	if len(k.hmac) != 1 || string(k.hmac[0]) != string(secret) || len(k.rsa) != 0 || k.issuer != "" {
		t.Errorf("keys %+v, want one symmetric key and no issuer", k)
	}
	for _, tt := range []struct{ url, want string }{
		{"https://idp.test/nojwks/.well-known/openid-configuration", "no jwks_uri"},
		{"https://idp.test/enconly/.well-known/openid-configuration", "no RSA or symmetric signing key"},
		{"https://idp.test/link", "path escapes"}, // os.Root refuses the link out of DIR
	} {
		if _, err := loadOpenID(dir, tt.url); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("loadOpenID(%s) = %v, want an error containing %q", tt.url, err, tt.want)
		}
	}
}
