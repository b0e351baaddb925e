package gateway

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
)

// signHS256 and signRS256 build tokens independently of the gateway's code.
func signHS256(t *testing.T, key []byte, claims map[string]any) string {
	t.Helper()
	b64 := base64.RawURLEncoding.EncodeToString
	h, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT"})
	c, _ := json.Marshal(claims)
	signed := b64(h) + "." + b64(c)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(signed))
	return signed + "." + b64(m.Sum(nil))
}

func signRS256(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	b64 := base64.RawURLEncoding.EncodeToString
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT"})
	c, _ := json.Marshal(claims)
	signed := b64(h) + "." + b64(c)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signed + "." + b64(sig)
}

// TestValidateJWT follows Learn, "Validate JWT": signature against
// issuer-signing-keys (symmetric base64 keys, RSA n/e), exp on the clock
// with clock-skew, audiences, issuers and required-claims; a failure
// answers failed-validation-httpcode with failed-validation-error-message.
func TestValidateJWT(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	secret := []byte("0123456789abcdef0123456789abcdef")
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	n := base64.RawURLEncoding.EncodeToString(rk.N.Bytes())
	e := base64.RawURLEncoding.EncodeToString(big.NewInt(int64(rk.E)).Bytes())
	policy := `<validate-jwt header-name="Authorization" require-scheme="Bearer" failed-validation-httpcode="401" failed-validation-error-message="Unauthorized. Access token is missing or invalid." clock-skew="30">
<issuer-signing-keys><key>` + base64.StdEncoding.EncodeToString(secret) + `</key><key n="` + n + `" e="` + e + `" /></issuer-signing-keys>
<audiences><audience>api://orders</audience></audiences><issuers><issuer>https://issuer.example</issuer></issuers>
<required-claims><claim name="roles" match="any"><value>reader</value><value>writer</value></claim></required-claims></validate-jwt>`
	clk := newFakeClock()
	_, front := startGateway(t, &apim.Service{APIs: []*apim.API{apiWith("/a", be.URL, policy)}}, Options{Clock: clk})
	now := testStart.Unix()
	good := map[string]any{"aud": "api://orders", "iss": "https://issuer.example", "exp": now + 60, "roles": []string{"reader"}}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for a, b := range good {
			m[a] = b
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	tests := []struct {
		name, auth, reason string
	}{
		{"HS256 valid", "Bearer " + signHS256(t, secret, good), ""},
		{"RS256 valid", "Bearer " + signRS256(t, rk, good), ""},
		{"missing token", "", "TokenNotPresent"},
		{"wrong scheme", "Basic " + signHS256(t, secret, good), "TokenNotPresent"},
		{"wrong key", "Bearer " + signRS256(t, other, good), "TokenSignatureInvalid"},
		{"tampered", "Bearer " + strings.Replace(signHS256(t, secret, good), ".", ".x", 1), "TokenInvalid"},
		{"expired beyond the skew", "Bearer " + signHS256(t, secret, with("exp", now-31)), "TokenExpired"},
		{"expired within the skew", "Bearer " + signHS256(t, secret, with("exp", now-29)), ""},
		{"no exp", "Bearer " + signHS256(t, secret, with("exp", nil)), "TokenExpirationTimeMissing"},
		{"wrong audience", "Bearer " + signHS256(t, secret, with("aud", "api://other")), "TokenAudienceNotAllowed"},
		{"wrong issuer", "Bearer " + signHS256(t, secret, with("iss", "https://evil")), "TokenIssuerNotAllowed"},
		{"claim missing", "Bearer " + signHS256(t, secret, with("roles", nil)), "TokenClaimNotFound"},
		{"claim value not allowed", "Bearer " + signHS256(t, secret, with("roles", []string{"admin"})), "TokenClaimValueNotAllowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h map[string]string
			if tt.auth != "" {
				h = map[string]string{"Authorization": tt.auth}
			}
			status, hdr, body := get(t, front.URL+"/a/x", h)
			if tt.reason == "" {
				if status != 200 {
					t.Fatalf("status %d (%s), want 200", status, hdr.Get(HeaderReason))
				}
				return
			}
			if status != 401 || hdr.Get(HeaderReason) != tt.reason || !strings.Contains(body, "Access token is missing or invalid") {
				t.Errorf("%d %q %q, want 401 %s", status, hdr.Get(HeaderReason), body, tt.reason)
			}
		})
	}
	// The clock moves: the good token expires 60 s (+30 s skew) later.
	clk.Advance(90 * time.Second)
	if status, hdr, _ := get(t, front.URL+"/a/x", map[string]string{"Authorization": "Bearer " + signHS256(t, secret, good)}); status != 401 || hdr.Get(HeaderReason) != "TokenExpired" {
		t.Errorf("after 90 s: %d %s", status, hdr.Get(HeaderReason))
	}
}

// TestValidateJWTAuthorizationScheme: with header-name="Authorization" and
// no require-scheme (Learn's examples), "Bearer <token>" and a bare token
// both pass; another header is read as it is.
func TestValidateJWTAuthorizationScheme(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	secret := []byte("0123456789abcdef0123456789abcdef")
	keys := `<issuer-signing-keys><key>` + base64.StdEncoding.EncodeToString(secret) + `</key></issuer-signing-keys>`
	svc := &apim.Service{APIs: []*apim.API{
		apiWith("/auth", be.URL, `<validate-jwt header-name="Authorization" failed-validation-httpcode="401">`+keys+`</validate-jwt>`),
		apiWith("/custom", be.URL, `<validate-jwt header-name="X-Token" failed-validation-httpcode="401">`+keys+`</validate-jwt>`),
	}}
	_, front := startGateway(t, svc, Options{Clock: newFakeClock()})
	tok := signHS256(t, secret, map[string]any{"exp": testStart.Unix() + 60})
	for _, tt := range []struct {
		path, header, value string
		status              int
	}{
		{"/auth/x", "Authorization", "Bearer " + tok, 200},
		{"/auth/x", "Authorization", "bearer " + tok, 200},
		{"/auth/x", "Authorization", tok, 200},
		{"/custom/x", "X-Token", tok, 200},
		{"/custom/x", "X-Token", "Bearer " + tok, 401},
	} {
		if status, hdr, _ := get(t, front.URL+tt.path, map[string]string{tt.header: tt.value}); status != tt.status {
			t.Errorf("%s %s: %.12s…: %d (%s), want %d", tt.path, tt.header, tt.value, status, hdr.Get(HeaderReason), tt.status)
		}
	}
}

// TestValidateAzureADToken: validate-azure-ad-token offline — the issuer
// must be the tenant's Entra ID issuer and appid/azp one of
// client-application-ids (Learn, "Validate Microsoft Entra token").
func TestValidateAzureADToken(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	secret := []byte("entra-test-key-entra-test-key-00")
	policy := `<validate-azure-ad-token tenant-id="contoso-tenant"><issuer-signing-keys><key>` + base64.StdEncoding.EncodeToString(secret) + `</key></issuer-signing-keys><client-application-ids><application-id>app-1</application-id></client-application-ids></validate-azure-ad-token>`
	_, front := startGateway(t, &apim.Service{APIs: []*apim.API{apiWith("/a", be.URL, policy)}}, Options{Clock: newFakeClock()})
	exp := testStart.Unix() + 600
	tests := []struct {
		name   string
		claims map[string]any
		status int
	}{
		{"v2 issuer, allowed app", map[string]any{"iss": "https://login.microsoftonline.com/contoso-tenant/v2.0", "azp": "app-1", "exp": exp}, 200},
		{"v1 issuer, allowed app", map[string]any{"iss": "https://sts.windows.net/contoso-tenant/", "appid": "app-1", "exp": exp}, 200},
		{"other tenant", map[string]any{"iss": "https://login.microsoftonline.com/other/v2.0", "azp": "app-1", "exp": exp}, 401},
		{"other app", map[string]any{"iss": "https://sts.windows.net/contoso-tenant/", "appid": "app-2", "exp": exp}, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, hdr, _ := get(t, front.URL+"/a/x", map[string]string{"Authorization": "Bearer " + signHS256(t, secret, tt.claims)})
			if status != tt.status {
				t.Errorf("status %d (%s), want %d", status, hdr.Get(HeaderReason), tt.status)
			}
		})
	}
}
