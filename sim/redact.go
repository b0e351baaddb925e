package sim

import (
	"net/url"
	"strings"
)

// Redacted is the value that replaces a credential in a result's echo of
// the scenario.
const Redacted = "REDACTED"

// credentialHeader reports whether a request header probably carries a
// credential (subscription keys, tokens, cookies).
func credentialHeader(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "authorization", "proxy-authorization", "cookie":
		return true
	}
	for _, s := range []string{"key", "token", "secret", "password", "signature", "auth"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// credentialParam reports whether a query parameter probably carries a
// credential (APIM's subscription-key, an Azure Functions code, a SAS sig).
func credentialParam(name string) bool {
	n := strings.ToLower(name)
	return n == "code" || n == "sig" || credentialHeader(n)
}

// Redacted returns the scenario as a result echoes it: the values of
// request headers and query parameters that look like credentials are
// replaced by Redacted (keys belong in --header-env, and results are
// shared). s itself is not changed.
func (s *Scenario) Redacted() *Scenario {
	if s == nil {
		return nil
	}
	c := *s
	c.Load = make([]*Stream, len(s.Load))
	for i, st := range s.Load {
		if st == nil {
			continue
		}
		cs := *st
		cs.Request = redactRequest(st.Request)
		cs.Phases = make([]*Phase, len(st.Phases))
		for j, ph := range st.Phases {
			if ph == nil {
				continue
			}
			cp := *ph
			cp.Request = redactRequest(ph.Request)
			cs.Phases[j] = &cp
		}
		c.Load[i] = &cs
	}
	return &c
}

func redactRequest(r Request) Request {
	if len(r.Headers) > 0 {
		h := make(map[string]string, len(r.Headers))
		for k, v := range r.Headers {
			if credentialHeader(k) {
				v = Redacted
			}
			h[k] = v
		}
		r.Headers = h
	}
	if path, query, ok := strings.Cut(r.Path, "?"); ok {
		parts := strings.Split(query, "&")
		for i, p := range parts {
			k, _, ok := strings.Cut(p, "=")
			if name, err := url.QueryUnescape(k); ok && err == nil && credentialParam(name) {
				parts[i] = k + "=" + Redacted
			}
		}
		r.Path = path + "?" + strings.Join(parts, "&")
	}
	return r
}
