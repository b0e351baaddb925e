package gateway

import (
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net/url"
	"os"
	"path"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/jsontree"
)

// OpenID configurations offline (Options.OpenIDConfigDir, `apimlab gateway
// --openid-config DIR`). Learn, "Validate JWT": <openid-config url> names
// "a compliant OpenID configuration endpoint URL from which signing keys and
// issuer can be obtained"; the document follows OpenID Connect Discovery
// 1.0 (`issuer`, `jwks_uri`). apimlab never fetches it: the URL is mapped to
// a file of the directory, and so is the document's jwks_uri.
//
// The mapping: https://HOST/PATH is the file DIR/HOST/PATH (HOST lowercased,
// with its :port when the URL has one). So
// https://login.example.com/tenant/v2.0/.well-known/openid-configuration is
// DIR/login.example.com/tenant/v2.0/.well-known/openid-configuration, and a
// jwks_uri of https://login.example.com/tenant/discovery/v2.0/keys is
// DIR/login.example.com/tenant/discovery/v2.0/keys. A URL with a query,
// a fragment, no host or a ".." segment is refused; files are opened
// through os.Root, so a symbolic link cannot leave DIR either. The files
// are read when the gateway starts (Azure refreshes them hourly).

// openIDKeys is what one OpenID configuration gives validate-jwt.
type openIDKeys struct {
	// issuer is the document's issuer ("" when it is a template such as
	// Entra ID's multi-tenant ".../{tenantid}/v2.0").
	issuer string
	rsa    []*rsa.PublicKey
	hmac   [][]byte
}

// errOpenIDDir is wrapped by every error of loadOpenID.
var errOpenIDDir = errors.New("--openid-config")

// openIDFile maps an https URL to a slash-separated path inside the
// --openid-config directory.
func openIDFile(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case err != nil:
		return "", fmt.Errorf("URL %q: %v", raw, err)
	case u.Scheme != "https" && u.Scheme != "http":
		return "", fmt.Errorf("URL %q: want an https URL", raw)
	case u.Host == "":
		return "", fmt.Errorf("URL %q has no host", raw)
	case u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("URL %q: a query or fragment cannot be mapped to a file", raw)
	}
	p := strings.Trim(u.Path, "/")
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." || seg == "." {
			return "", fmt.Errorf("URL %q: path segment %q cannot be mapped to a file", raw, seg)
		}
	}
	if p == "" {
		return "", fmt.Errorf("URL %q has no path", raw)
	}
	return path.Join(strings.ToLower(u.Host), p), nil
}

// loadOpenID reads the OpenID configuration of configURL and the JWKS its
// jwks_uri names, both from dir; never the network. Errors name the file.
func loadOpenID(dir, configURL string) (openIDKeys, error) {
	var k openIDKeys
	root, err := os.OpenRoot(dir)
	if err != nil {
		return k, fmt.Errorf("%w %s: %v", errOpenIDDir, dir, err)
	}
	defer root.Close()
	read := func(what, u string) (*jsontree.Value, string, error) {
		rel, err := openIDFile(u)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %v", what, err)
		}
		full := dir + string(os.PathSeparator) + rel
		data, err := root.ReadFile(rel)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, full, fmt.Errorf("%w %s has no file %s for %s %s", errOpenIDDir, dir, rel, what, u)
		}
		if err != nil {
			return nil, full, fmt.Errorf("%w: %s: %v", errOpenIDDir, full, err)
		}
		v, err := jsontree.Parse(full, data)
		if err != nil {
			return nil, full, fmt.Errorf("%w: %v", errOpenIDDir, err)
		}
		if v.Kind != jsontree.Object {
			return nil, full, fmt.Errorf("%w: %s: %s is not a JSON object", errOpenIDDir, v.Position(), what)
		}
		return v, full, nil
	}
	doc, full, err := read("the OpenID configuration", configURL)
	if err != nil {
		return k, err
	}
	if iss := doc.Get("issuer"); iss != nil && iss.Kind == jsontree.String && !strings.Contains(iss.Str, "{") {
		k.issuer = iss.Str
	}
	ju := doc.Get("jwks_uri")
	if ju == nil || ju.Kind != jsontree.String || ju.Str == "" {
		return k, fmt.Errorf("%w: %s:1:1: the OpenID configuration has no jwks_uri", errOpenIDDir, full)
	}
	jwks, full, err := read("jwks_uri", ju.Str)
	if err != nil {
		return k, fmt.Errorf("%s: %w", ju.Position(), err)
	}
	keys := jwks.Get("keys")
	if keys == nil || keys.Kind != jsontree.Array {
		return k, fmt.Errorf("%w: %s: a JSON Web Key Set needs a \"keys\" array", errOpenIDDir, jwks.Position())
	}
	for _, key := range keys.Elems() {
		if key.Kind != jsontree.Object {
			return k, fmt.Errorf("%w: %s: a key must be a JSON object", errOpenIDDir, key.Position())
		}
		if use := key.Get("use"); use != nil && use.Str != "" && use.Str != "sig" {
			continue // an encryption key
		}
		b64 := func(name string) ([]byte, error) {
			f := key.Get(name)
			if f == nil || f.Kind != jsontree.String {
				return nil, fmt.Errorf("%w: %s: key member %q (base64url) is missing", errOpenIDDir, key.Position(), name)
			}
			b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(f.Str, "="))
			if err != nil || len(b) == 0 {
				return nil, fmt.Errorf("%w: %s: key member %q is not base64url", errOpenIDDir, f.Position(), name)
			}
			return b, nil
		}
		switch kty := key.Get("kty"); {
		case kty != nil && kty.Str == "RSA":
			n, err := b64("n")
			if err != nil {
				return k, err
			}
			e, err := b64("e")
			if err != nil {
				return k, err
			}
			k.rsa = append(k.rsa, &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())})
		case kty != nil && kty.Str == "oct":
			b, err := b64("k")
			if err != nil {
				return k, err
			}
			k.hmac = append(k.hmac, b)
		}
		// Other key types (EC, OKP) are skipped: validate-jwt verifies
		// HS and RS signatures (Learn: "The policy supports HS256 and
		// RS256 signing algorithms").
	}
	if len(k.rsa) == 0 && len(k.hmac) == 0 {
		return k, fmt.Errorf("%w: %s: no RSA or symmetric signing key in the key set", errOpenIDDir, full)
	}
	return k, nil
}

// entraOpenIDConfig is the OpenID configuration URL of an Entra ID tenant
// (v2.0 endpoint; Learn, "Validate JWT", openid-config: "(v2)
// https://login.microsoftonline.com/{tenant-name}/v2.0/.well-known/openid-configuration").
func entraOpenIDConfig(tenant string) string {
	return "https://login.microsoftonline.com/" + strings.TrimSpace(tenant) + "/v2.0/.well-known/openid-configuration"
}

// addOpenID adds the keys and issuer of the OpenID configuration at
// configURL, read from Options.OpenIDConfigDir, to st, or reports at pos
// why it cannot.
func (c *compiler) addOpenID(st *validateJWTStep, pos apim.Position, policyName, configURL string) {
	switch {
	case strings.TrimSpace(configURL) == "":
		c.fail(pos, "<%s>: <openid-config>: attribute %q is required", policyName, "url")
		return
	case strings.HasPrefix(strings.TrimSpace(configURL), "@"):
		c.fail(pos, "<%s>: <openid-config url>: a policy expression cannot name a local file; write the URL", policyName)
		return
	case c.opts.OpenIDConfigDir == "":
		c.fail(pos, "<%s>: OpenID configuration %s: apimlab never fetches it; give a directory of local copies with --openid-config DIR (file DIR/%s), or list the keys in <issuer-signing-keys>",
			policyName, configURL, fileOrURL(configURL))
		return
	}
	k, err := loadOpenID(c.opts.OpenIDConfigDir, configURL)
	if err != nil {
		c.fail(pos, "<%s>: OpenID configuration %s: %v", policyName, configURL, err)
		return
	}
	st.rsaKeys = append(st.rsaKeys, k.rsa...)
	st.hmacKeys = append(st.hmacKeys, k.hmac...)
	if k.issuer != "" {
		st.issuers = append(st.issuers, k.issuer)
	}
}

// fileOrURL is the file configURL maps to, or configURL when it maps to
// none (the error then comes from loadOpenID).
func fileOrURL(configURL string) string {
	if f, err := openIDFile(configURL); err == nil {
		return f
	}
	return configURL
}
