package gateway

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/apimlab/apimlab/apim/policy"
)

// proxyURL is the one reading of an HTTP proxy's url, username and
// password, for backend entities' proxy (transport.go) and the proxy
// policy: the credentials travel in the URL's user info, which
// net/http's transport sends as Proxy-Authorization: Basic (to the proxy
// only, never to the backend). Errors name the URL as written, never the
// password.
func proxyURL(raw, username, password string, withUser bool) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("proxy url %q is not a URL", redactUserinfo(raw))
	}
	if withUser {
		u.User = url.UserPassword(username, password)
	}
	return u, nil
}

// policyProxyURL is proxyURL with the proxy policy's rules: the form
// http://host:port (Learn, "Set HTTP proxy": "Only HTTP (not HTTPS) is
// supported between the gateway and the proxy"), credentials only in
// username and password.
func policyProxyURL(raw, username, password string, withUser bool) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.User != nil || !strings.EqualFold(u.Scheme, "http") {
		return nil, fmt.Errorf("proxy url %q is not a URL of the form http://host:port (only HTTP proxies are supported)", redactUserinfo(raw))
	}
	return proxyURL(raw, username, password, withUser && username != "")
}

// redactUserinfo hides a password written inside a URL.
func redactUserinfo(raw string) string {
	if u, err := url.Parse(strings.TrimSpace(raw)); err == nil {
		return u.Redacted()
	}
	if at := strings.LastIndexByte(raw, '@'); at >= 0 {
		return "xxxxx" + raw[at:]
	}
	return raw
}

// proxyKey is the context key of the proxy policy's URL on a forwarded
// request.
type proxyKey struct{}

// proxyFunc is the Proxy of every backend transport: the proxy policy's
// URL when the request carries one, else the backend entity's (nil: a
// direct connection). Connections are pooled per proxy by net/http.
func proxyFunc(entity *url.URL) func(*http.Request) (*url.URL, error) {
	return func(r *http.Request) (*url.URL, error) {
		if u, ok := r.Context().Value(proxyKey{}).(*url.URL); ok {
			return u, nil
		}
		return entity, nil
	}
}

// forwardContext is the context forward-request's attempts derive from:
// the client request's, carrying the proxy policy's URL when one ran.
// send-request is not affected (Learn's proxy policy routes "requests
// forwarded to backends"); its own <proxy> child is (proxyStep.context).
func (x *exchange) forwardContext() context.Context {
	if x.proxy == nil {
		return x.r.Context()
	}
	return context.WithValue(x.r.Context(), proxyKey{}, x.proxy)
}

// proxyStep is <proxy url username password /> (Learn, "Set HTTP proxy",
// https://learn.microsoft.com/azure/api-management/proxy-policy: "route
// requests forwarded to backends via an HTTP proxy. Only HTTP (not HTTPS)
// is supported between the gateway and the proxy. Basic and NTLM
// authentication only"; policy expressions allowed in every attribute).
// apimlab authenticates with Basic only. An https:// backend is reached
// through a CONNECT tunnel, an http:// one with absolute-form requests.
type proxyStep struct {
	url, username, password *value
	static                  *url.URL // all three constant: built once
}

func (c *compiler) proxy(e *policy.Element) step {
	st := &proxyStep{url: c.requireAttr(e, "url"), username: c.attrValue(e, "username"), password: c.attrValue(e, "password")}
	if st.url == nil {
		return nil
	}
	if st.url.constant() && (st.username == nil || st.username.constant()) && (st.password == nil || st.password.constant()) {
		u, err := policyProxyURL(st.url.lit, litOf(st.username), litOf(st.password), st.username != nil)
		if err != nil {
			c.fail(e.Pos, "<proxy>: %v", err)
			return nil
		}
		st.static = u
	}
	return st
}

// litOf is a constant value's text ("" for nil).
func litOf(v *value) string {
	if v == nil {
		return ""
	}
	return v.lit
}

func (s *proxyStep) run(x *exchange) error {
	u, err := s.resolve(x)
	if err != nil {
		return err
	}
	x.proxy = u
	return nil
}

// resolve returns the proxy of this request.
func (s *proxyStep) resolve(x *exchange) (*url.URL, error) {
	if s.static != nil {
		return s.static, nil
	}
	str := func(v *value) (string, error) {
		if v == nil {
			return "", nil
		}
		return v.str(x)
	}
	raw, err := s.url.str(x)
	if err != nil {
		return nil, err
	}
	user, err := str(s.username)
	if err != nil {
		return nil, err
	}
	pass, err := str(s.password)
	if err != nil {
		return nil, err
	}
	u, err := policyProxyURL(raw, user, pass, s.username != nil)
	if err != nil {
		return nil, perr("proxy", ReasonExpression, http.StatusInternalServerError, "%v", err)
	}
	return u, nil
}

// context is the context of a send-request whose <proxy> child is s (nil:
// no proxy child, a direct request or the backend entity's proxy).
func (s *proxyStep) context(x *exchange) (context.Context, error) {
	if s == nil {
		return x.r.Context(), nil
	}
	u, err := s.resolve(x)
	if err != nil {
		return nil, err
	}
	return context.WithValue(x.r.Context(), proxyKey{}, u), nil
}
