package gateway

import (
	"net/url"
	"sort"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policyexpr"
)

// apiRoute is one API: its path prefix, operations and API-level plan.
type apiRoute struct {
	api    *apim.API
	prefix string // "/echo", "" for the root API; never ends with '/'
	ops    []*opRoute
	// plan is the API-level plan (no operation layer): it serves requests
	// of an API without operations and runs on-error for OperationNotFound.
	plan *plan
	// service is the API's serviceUrl backend, nil when unset.
	service *backend
	info    policyexpr.Api
}

// opRoute is one operation: method plus URL template.
type opRoute struct {
	op      *apim.Operation
	method  string // upper case; "*" matches any method
	segs    []tmplSeg
	tailAny bool // the template ends with {*param}
	literal int  // number of literal segments (specificity)
	plan    *plan
	info    policyexpr.Operation
}

// tmplSeg is one segment of a URL template.
type tmplSeg struct {
	lit   string // literal text; "" for a parameter
	param string
}

// apiPrefix normalises an API path to "/path" without a trailing slash.
func apiPrefix(p string) string {
	p = strings.Trim(strings.TrimSpace(p), "/")
	if p == "" {
		return ""
	}
	return "/" + p
}

// parseTemplate splits a URL template ("/users/{id}/orders?x={x}").
func parseTemplate(t string) (segs []tmplSeg, tailAny bool, literal int) {
	if i := strings.IndexByte(t, '?'); i >= 0 {
		t = t[:i]
	}
	for _, s := range strings.Split(strings.Trim(t, "/"), "/") {
		if s == "" {
			continue
		}
		if len(s) > 2 && s[0] == '{' && s[len(s)-1] == '}' {
			name := s[1 : len(s)-1]
			if strings.HasPrefix(name, "*") {
				segs = append(segs, tmplSeg{param: name[1:]})
				tailAny = true
				break
			}
			segs = append(segs, tmplSeg{param: name})
			continue
		}
		segs = append(segs, tmplSeg{lit: s})
		literal++
	}
	return segs, tailAny, literal
}

// sortRoutes orders APIs by longest prefix and operations by specificity, so
// the first match wins.
func sortRoutes(apis []*apiRoute) {
	sort.SliceStable(apis, func(i, j int) bool { return len(apis[i].prefix) > len(apis[j].prefix) })
	for _, a := range apis {
		sort.SliceStable(a.ops, func(i, j int) bool {
			x, y := a.ops[i], a.ops[j]
			if x.literal != y.literal {
				return x.literal > y.literal
			}
			if len(x.segs) != len(y.segs) {
				return len(x.segs) > len(y.segs)
			}
			return !x.tailAny && y.tailAny
		})
	}
}

// matchAPI returns the API serving path and the remainder after its prefix
// ("" or starting with '/'). Path prefixes match case-insensitively on
// segment boundaries.
func matchAPI(apis []*apiRoute, path string) (*apiRoute, string) {
	for _, a := range apis {
		n := len(a.prefix)
		if len(path) < n || !strings.EqualFold(path[:n], a.prefix) {
			continue
		}
		rest := path[n:]
		if rest == "" || rest[0] == '/' {
			return a, rest
		}
	}
	return nil, ""
}

// matchOp returns the operation matching method and rest, and fills params
// with the template parameters (params may be nil when no operation has any).
func (a *apiRoute) matchOp(method, rest string, params map[string]string) *opRoute {
	for _, o := range a.ops {
		if o.method != "*" && o.method != method {
			continue
		}
		if o.match(rest, params) {
			return o
		}
	}
	return nil
}

// match reports whether rest matches the template; on success params holds
// the parameter values.
func (o *opRoute) match(rest string, params map[string]string) bool {
	p := strings.Trim(rest, "/")
	for i, s := range o.segs {
		if p == "" && !(o.tailAny && i == len(o.segs)-1) {
			return false
		}
		if o.tailAny && i == len(o.segs)-1 {
			if params != nil {
				params[s.param] = p
			}
			return true
		}
		seg := p
		if k := strings.IndexByte(p, '/'); k >= 0 {
			seg, p = p[:k], p[k+1:]
		} else {
			p = ""
		}
		if s.lit != "" {
			if !strings.EqualFold(seg, s.lit) {
				return false
			}
			continue
		}
		if seg == "" {
			return false
		}
		if params != nil {
			params[s.param] = seg
		}
	}
	return p == ""
}

// escapedRest returns the part of the escaped request path esc after the
// API prefix, when it decodes to rest (the decoded remainder); "" otherwise.
// The prefix is skipped segment by segment, so an encoded slash after it
// (%2F) stays encoded when the request is forwarded.
func escapedRest(esc, prefix, rest string) string {
	n := strings.Count(prefix, "/")
	i := 0
	for range n {
		k := strings.IndexByte(esc[i+1:], '/')
		if k < 0 {
			i = len(esc)
			break
		}
		i += k + 1
	}
	out := esc[i:]
	if d, err := url.PathUnescape(out); err != nil || d != rest {
		return ""
	}
	return out
}
