package gateway

import (
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"hash"
	"math/big"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim/policy"
)

// validateJWTStep is <validate-jwt> (Learn, "Validate JWT"): the token is
// read from header-name (scheme require-scheme), query-parameter-name or
// token-value; its signature is checked against the inline
// <issuer-signing-keys> (base64 symmetric keys for HS256/384/512, <key n e>
// RSA keys for RS256/384/512); exp and nbf on the gateway's clock with
// clock-skew; <audiences>, <issuers> and <required-claims> as listed. A
// failure answers failed-validation-httpcode (default 401) with
// failed-validation-error-message. Keys (and the issuer) of an
// <openid-config url> are read from local copies in Options.OpenIDConfigDir,
// never from the network (openid.go). validate-azure-ad-token is the same
// check with the Entra ID issuer of tenant-id, client-application-ids as
// allowed appid/azp claims, and keys from the tenant's OpenID configuration
// in Options.OpenIDConfigDir when no inline key is given.
type validateJWTStep struct {
	policy        string
	header        string
	scheme        string
	query         string
	tokenValue    *value
	code          int
	message       string
	requireExp    bool
	requireSigned bool
	skew          time.Duration
	outVar        string
	hmacKeys      [][]byte
	rsaKeys       []*rsa.PublicKey
	audiences     []string
	issuers       []string
	claims        []claimRule
	clientAppIDs  []string
	id            string
}

// claimRule is one <required-claims><claim name match>.
type claimRule struct {
	name   string
	all    bool
	values []string
}

func (c *compiler) validateJWT(e *policy.Element) step {
	errsBefore := len(c.errs)
	st := &validateJWTStep{policy: e.Name, header: e.AttrValue("header-name", ""), scheme: e.AttrValue("require-scheme", ""),
		query: e.AttrValue("query-parameter-name", ""), tokenValue: c.attrValue(e, "token-value"),
		code: c.intAttr(e, "failed-validation-httpcode", 401), message: e.AttrValue("failed-validation-error-message", "Unauthorized"),
		requireExp: c.boolAttr(e, "require-expiration-time", true), requireSigned: c.boolAttr(e, "require-signed-tokens", true),
		skew: time.Duration(c.intAttr(e, "clock-skew", 0)) * time.Second, outVar: e.AttrValue("output-token-variable-name", ""), id: policyID(e)}
	if e.Name == "validate-azure-ad-token" {
		st.message = e.AttrValue("failed-validation-error-message", "Unauthorized")
		if st.header == "" && st.query == "" && st.tokenValue == nil {
			st.header, st.scheme = "Authorization", "Bearer"
		}
		tenant := strings.TrimSpace(e.AttrValue("tenant-id", ""))
		if tenant == "" {
			c.fail(e.Pos, "<validate-azure-ad-token>: attribute %q is required", "tenant-id")
		}
		st.issuers = []string{"https://login.microsoftonline.com/" + tenant + "/v2.0", "https://sts.windows.net/" + tenant + "/"}
		if ids := e.Child("client-application-ids"); ids != nil {
			for _, a := range ids.ChildrenNamed("application-id") {
				st.clientAppIDs = append(st.clientAppIDs, strings.TrimSpace(a.Text))
			}
		}
		if e.Child("backend-application-ids") != nil {
			for _, a := range e.Child("backend-application-ids").ChildrenNamed("application-id") {
				st.audiences = append(st.audiences, strings.TrimSpace(a.Text), "api://"+strings.TrimSpace(a.Text))
			}
		}
	} else if st.header == "" && st.query == "" && st.tokenValue == nil {
		c.fail(e.Pos, "<validate-jwt>: one of header-name, query-parameter-name or token-value is required")
	}
	for _, ch := range e.Children {
		switch ch.Name {
		case "openid-config":
			c.addOpenID(st, ch.Pos, e.Name, ch.AttrValue("url", ""))
		case "issuer-signing-keys", "decryption-keys":
			if ch.Name == "decryption-keys" {
				c.fail(ch.Pos, "<%s>: encrypted tokens (<decryption-keys>) are not emulated", e.Name)
				continue
			}
			for _, k := range ch.ChildrenNamed("key") {
				switch {
				case k.Attr("n") != nil:
					n, err1 := base64.RawURLEncoding.DecodeString(strings.TrimRight(k.AttrValue("n", ""), "="))
					ex, err2 := base64.RawURLEncoding.DecodeString(strings.TrimRight(k.AttrValue("e", ""), "="))
					if err1 != nil || err2 != nil || len(n) == 0 || len(ex) == 0 {
						c.fail(k.Pos, "<%s>: RSA key n/e must be base64url", e.Name)
						continue
					}
					st.rsaKeys = append(st.rsaKeys, &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(ex).Int64())})
				case k.Attr("certificate-id") != nil:
					c.fail(k.Pos, "<%s>: certificate-id keys are not emulated; give the key's n and e", e.Name)
				default:
					b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(k.Text))
					if err != nil || len(b) == 0 {
						c.fail(k.Pos, "<%s>: a symmetric key must be base64", e.Name)
						continue
					}
					st.hmacKeys = append(st.hmacKeys, b)
				}
			}
		case "audiences":
			for _, a := range ch.ChildrenNamed("audience") {
				st.audiences = append(st.audiences, strings.TrimSpace(a.Text))
			}
		case "issuers":
			for _, a := range ch.ChildrenNamed("issuer") {
				st.issuers = append(st.issuers, strings.TrimSpace(a.Text))
			}
		case "required-claims":
			for _, cl := range ch.ChildrenNamed("claim") {
				r := claimRule{name: cl.AttrValue("name", ""), all: cl.AttrValue("match", "all") == "all"}
				for _, v := range cl.ChildrenNamed("value") {
					r.values = append(r.values, strings.TrimSpace(v.Text))
				}
				st.claims = append(st.claims, r)
			}
		case "client-application-ids", "backend-application-ids":
		default:
			c.fail(ch.Pos, "<%s>: unexpected <%s>", e.Name, ch.Name)
		}
	}
	if e.Name == "validate-azure-ad-token" && len(st.hmacKeys) == 0 && len(st.rsaKeys) == 0 && c.opts.OpenIDConfigDir != "" {
		// Azure reads the tenant's keys from Entra ID's OpenID
		// configuration; apimlab reads its local copy.
		c.addOpenID(st, e.Pos, e.Name, entraOpenIDConfig(e.AttrValue("tenant-id", "")))
	}
	if st.requireSigned && len(st.hmacKeys) == 0 && len(st.rsaKeys) == 0 && len(c.errs) == errsBefore {
		c.fail(e.Pos, "<%s>: no signing keys: list them in <issuer-signing-keys>, or give <openid-config> and a directory of local OpenID configurations with --openid-config DIR (apimlab never fetches them)", e.Name)
	}
	return st
}

// token returns the token of the request, "" when absent.
func (s *validateJWTStep) token(x *exchange) (string, error) {
	switch {
	case s.tokenValue != nil:
		return s.tokenValue.str(x)
	case s.header != "":
		v := strings.TrimSpace(x.header.Get(s.header))
		sch, rest, hasScheme := strings.Cut(v, " ")
		switch {
		case s.scheme != "":
			if !hasScheme || !strings.EqualFold(sch, s.scheme) {
				return "", nil
			}
			v = strings.TrimSpace(rest)
		case hasScheme && strings.EqualFold(s.header, "Authorization"):
			// Learn's validate-jwt examples read header-name="Authorization"
			// without require-scheme, and clients send "Bearer <token>"
			// (users confirm it passes: MicrosoftDocs/azure-docs#108628): a
			// token has no space, so the word before one is the scheme.
			v = strings.TrimSpace(rest)
		}
		return v, nil
	case s.query != "":
		q := x.ec.Request.Url.RawQuery
		for _, p := range strings.Split(q, "&") {
			if k, v, ok := strings.Cut(p, "="); ok && k == s.query {
				return v, nil
			}
		}
	}
	return "", nil
}

func (s *validateJWTStep) run(x *exchange) error {
	x.syncContext()
	tok, err := s.token(x)
	if err != nil {
		return err
	}
	if tok == "" {
		return s.fail(x, "TokenNotPresent")
	}
	claims, reason := s.check(tok, x.g.now())
	if reason != "" {
		return s.fail(x, reason)
	}
	if s.outVar != "" {
		x.variables()[s.outVar] = claims
	}
	return nil
}

func (s *validateJWTStep) fail(x *exchange, reason string) error {
	pe := perr(s.policy, reason, s.code, "%s", s.message)
	pe.PolicyID = s.id
	return x.reject(pe)
}

// check validates tok; it returns the claims or the failure reason.
func (s *validateJWTStep) check(tok string, now time.Time) (map[string]any, string) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, "TokenInvalid"
	}
	var head struct {
		Alg string `json:"alg"`
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	pb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	var claims map[string]any
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(hb, &head) != nil || json.Unmarshal(pb, &claims) != nil {
		return nil, "TokenInvalid"
	}
	if s.requireSigned || head.Alg != "none" {
		if !s.verify(head.Alg, parts[0]+"."+parts[1], sig) {
			return nil, "TokenSignatureInvalid"
		}
	}
	num := func(k string) (float64, bool) { f, ok := claims[k].(float64); return f, ok }
	if exp, ok := num("exp"); ok {
		if !now.Before(time.Unix(int64(exp), 0).Add(s.skew)) {
			return nil, "TokenExpired"
		}
	} else if s.requireExp {
		return nil, "TokenExpirationTimeMissing"
	}
	if nbf, ok := num("nbf"); ok && now.Add(s.skew).Before(time.Unix(int64(nbf), 0)) {
		return nil, "TokenNotYetValid"
	}
	if len(s.audiences) > 0 && !anyIn(claimStrings(claims["aud"]), s.audiences) {
		return nil, "TokenAudienceNotAllowed"
	}
	if len(s.issuers) > 0 && !anyIn(claimStrings(claims["iss"]), s.issuers) {
		return nil, "TokenIssuerNotAllowed"
	}
	if len(s.clientAppIDs) > 0 && !anyIn(append(claimStrings(claims["appid"]), claimStrings(claims["azp"])...), s.clientAppIDs) {
		return nil, "TokenClaimValueNotAllowed"
	}
	for _, r := range s.claims {
		got, ok := claims[r.name]
		if !ok {
			return nil, "TokenClaimNotFound"
		}
		vals := claimStrings(got)
		if len(r.values) == 0 {
			continue
		}
		matched := 0
		for _, want := range r.values {
			if anyIn(vals, []string{want}) {
				matched++
			}
		}
		if r.all && matched < len(r.values) || !r.all && matched == 0 {
			return nil, "TokenClaimValueNotAllowed"
		}
	}
	return claims, ""
}

// verify checks the signature with any of the keys.
func (s *validateJWTStep) verify(alg, signed string, sig []byte) bool {
	var hf func() hash.Hash
	var ch crypto.Hash
	switch alg[min(2, len(alg)):] {
	case "256":
		hf, ch = sha256.New, crypto.SHA256
	case "384":
		hf, ch = sha512.New384, crypto.SHA384
	case "512":
		hf, ch = sha512.New, crypto.SHA512
	default:
		return false
	}
	switch {
	case strings.HasPrefix(alg, "HS"):
		for _, k := range s.hmacKeys {
			m := hmac.New(hf, k)
			m.Write([]byte(signed))
			if hmac.Equal(m.Sum(nil), sig) {
				return true
			}
		}
	case strings.HasPrefix(alg, "RS"):
		h := hf()
		h.Write([]byte(signed))
		sum := h.Sum(nil)
		for _, k := range s.rsaKeys {
			if rsa.VerifyPKCS1v15(k, ch, sum, sig) == nil {
				return true
			}
		}
	}
	return false
}

func claimStrings(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func anyIn(got, allowed []string) bool {
	for _, g := range got {
		for _, a := range allowed {
			if g == a {
				return true
			}
		}
	}
	return false
}
