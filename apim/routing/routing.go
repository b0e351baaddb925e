// Package routing is how API Management matches a request to an API and
// an operation, and a URL to a backend entity, in one place for the
// gateway and the model engine: API path prefixes (case-insensitive, on
// segment boundaries, longest first), operation URL templates
// ("/users/{id}", "/files/{*path}", the wildcard "/*"), their specificity
// order, and the normal form of backend URLs.
package routing

import (
	"net/url"
	"sort"
	"strings"
)

// Prefix normalises an API path to "/path" without a trailing slash ("" for
// the root API).
func Prefix(p string) string {
	p = strings.Trim(strings.TrimSpace(p), "/")
	if p == "" {
		return ""
	}
	return "/" + p
}

// Under reports whether path is prefix (from Prefix) or below it on a
// segment boundary, compared case-insensitively, and returns the rest of
// path after the prefix.
func Under(path, prefix string) (rest string, ok bool) {
	n := len(prefix)
	if len(path) < n || !strings.EqualFold(path[:n], prefix) {
		return "", false
	}
	if r := path[n:]; r == "" || r[0] == '/' {
		return r, true
	}
	return "", false
}

// Seg is one segment of a URL template.
type Seg struct {
	Lit   string // literal text; "" for a parameter or the wildcard
	Param string // parameter name ("" for a literal or the wildcard "*")
}

// Template is a parsed operation URL template.
type Template struct {
	Segs []Seg
	// TailAny: the last segment takes the rest of the path, any depth,
	// including none ("{*param}" or APIM's wildcard "*").
	TailAny bool
	// Literal counts literal segments (specificity).
	Literal int
}

// Parse splits a URL template ("/users/{id}/orders?x={x}"); the query part
// is ignored.
func Parse(t string) Template {
	var tp Template
	if i := strings.IndexByte(t, '?'); i >= 0 {
		t = t[:i]
	}
	for _, s := range strings.Split(strings.Trim(t, "/"), "/") {
		if s == "" {
			continue
		}
		if s == "*" {
			// APIM's wildcard operation ("/*", "/users/*").
			tp.Segs = append(tp.Segs, Seg{})
			tp.TailAny = true
			break
		}
		if len(s) > 2 && s[0] == '{' && s[len(s)-1] == '}' {
			name := s[1 : len(s)-1]
			if strings.HasPrefix(name, "*") {
				tp.Segs = append(tp.Segs, Seg{Param: name[1:]})
				tp.TailAny = true
				break
			}
			tp.Segs = append(tp.Segs, Seg{Param: name})
			continue
		}
		tp.Segs = append(tp.Segs, Seg{Lit: s})
		tp.Literal++
	}
	return tp
}

// Match reports whether rest (the path after the API prefix) matches the
// template; on success params (when not nil) holds the parameter values.
// Literal segments compare case-insensitively; a parameter takes one
// non-empty segment.
func (t *Template) Match(rest string, params map[string]string) bool {
	p := strings.Trim(rest, "/")
	for i, s := range t.Segs {
		last := t.TailAny && i == len(t.Segs)-1
		if last {
			if params != nil && s.Param != "" {
				params[s.Param] = p
			}
			return true
		}
		if p == "" {
			return false
		}
		seg := p
		if k := strings.IndexByte(p, '/'); k >= 0 {
			seg, p = p[:k], p[k+1:]
		} else {
			p = ""
		}
		if s.Lit != "" {
			if !strings.EqualFold(seg, s.Lit) {
				return false
			}
			continue
		}
		if seg == "" {
			return false
		}
		if params != nil {
			params[s.Param] = seg
		}
	}
	return p == ""
}

// MoreSpecific orders templates so that the first match wins: more literal
// segments, then more segments, then no trailing wildcard.
func MoreSpecific(x, y *Template) bool {
	if x.Literal != y.Literal {
		return x.Literal > y.Literal
	}
	if len(x.Segs) != len(y.Segs) {
		return len(x.Segs) > len(y.Segs)
	}
	return !x.TailAny && y.TailAny
}

// SortByPrefix orders items by longest prefix first (stable), so the first
// API whose prefix a path is Under is the one APIM picks.
func SortByPrefix[T any](items []T, prefix func(T) string) {
	sort.SliceStable(items, func(i, j int) bool { return len(prefix(items[i])) > len(prefix(items[j])) })
}

// URLKey normalises a backend URL for matching an API's serviceUrl or a
// set-backend-service base-url against backend entities: scheme and host
// case-insensitive, default ports dropped, trailing slashes ignored, query
// ignored.
func URLKey(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if p := u.Port(); p != "" && !(scheme == "http" && p == "80") && !(scheme == "https" && p == "443") {
		host += ":" + p
	}
	return scheme + "://" + host + strings.TrimRight(u.EscapedPath(), "/")
}
