package gateway

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policyexpr"
	"github.com/apimlab/apimlab/apim/routing"
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
	// revision ("1" when unset) and current: revisions of one API share its
	// path; the current one serves requests without ";rev=N".
	revision string
	current  bool
	// version is the version identifier ("" for the original version) in
	// the version set versionSet ("" when the API is not versioned).
	version    string
	versionSet string
	// websocket marks a WebSocket API: not emulated, it answers 501.
	websocket bool
}

// Versioning schemes of a version set (lower case).
const (
	schemeSegment = "segment"
	schemeQuery   = "query"
	schemeHeader  = "header"
)

// apiGroup is every API served under one path prefix: the revisions of an
// API and the versions of a version set.
type apiGroup struct {
	prefix string
	scheme string // "" (not versioned), schemeSegment, schemeQuery, schemeHeader
	param  string // query parameter or header name carrying the version
	apis   []*apiRoute
}

// add puts r in the group; it returns why r cannot share the prefix ("" when
// it can): two APIs of a prefix must differ by version or revision, and
// versions of a prefix must share their version set.
func (grp *apiGroup) add(r *apiRoute, svc *apim.Service) string {
	for _, o := range grp.apis {
		if o.versionSet != "" && r.versionSet != "" && !strings.EqualFold(o.versionSet, r.versionSet) {
			return fmt.Sprintf("path %q is already served by API %q of version set %q", r.prefix, o.api.Name, o.versionSet)
		}
		if strings.EqualFold(o.version, r.version) && strings.EqualFold(o.revision, r.revision) {
			return fmt.Sprintf("path %q is already served by API %q", r.prefix, o.api.Name)
		}
	}
	if r.versionSet != "" && grp.scheme == "" {
		vs := versionSet(svc, r.versionSet)
		if vs == nil {
			return fmt.Sprintf("version set %q is not defined", r.versionSet)
		}
		grp.scheme = strings.ToLower(strings.TrimSpace(vs.Scheme.Value))
		switch grp.scheme {
		case schemeSegment:
		case schemeQuery:
			grp.param = vs.QueryName.Value
		case schemeHeader:
			grp.param = vs.HeaderName.Value
		default:
			return fmt.Sprintf("version set %q: versioningScheme %q (want Segment, Query or Header)", r.versionSet, vs.Scheme.Value)
		}
		if grp.scheme != schemeSegment && strings.TrimSpace(grp.param) == "" {
			return fmt.Sprintf("version set %q: versioningScheme %s needs version%sName", r.versionSet, vs.Scheme.Value, vs.Scheme.Value)
		}
	}
	grp.apis = append(grp.apis, r)
	return ""
}

// versionSet returns the service's version set named name, nil if none.
func versionSet(svc *apim.Service, name string) *apim.VersionSet {
	for _, vs := range svc.VersionSets {
		if strings.EqualFold(vs.Name, name) {
			return vs
		}
	}
	return nil
}

// finish marks a current revision in every version that has none marked:
// the revision without ";rev=" in its name, else the lowest.
func (grp *apiGroup) finish() {
	byVersion := map[string][]*apiRoute{}
	for _, a := range grp.apis {
		k := strings.ToLower(a.version)
		byVersion[k] = append(byVersion[k], a)
	}
	for _, as := range byVersion {
		cur := false
		for _, a := range as {
			cur = cur || a.current
		}
		if !cur {
			as[0].current = true
			as[0].info.IsCurrentRevision = true
		}
	}
}

// hasVersion reports whether an API of the group has version v.
func (grp *apiGroup) hasVersion(v string) bool {
	for _, a := range grp.apis {
		if strings.EqualFold(a.version, v) {
			return true
		}
	}
	return false
}

// pick returns the API for a version (when versioned; "" or absent means
// the original version) and a revision ("" means the current one); nil
// when none matches.
func (grp *apiGroup) pick(version, rev string) *apiRoute {
	for _, a := range grp.apis {
		if grp.scheme != "" && !strings.EqualFold(a.version, version) {
			continue
		}
		if rev == "" && a.current || rev != "" && strings.EqualFold(a.revision, rev) {
			return a
		}
	}
	return nil
}

// sortGroups orders groups by longest prefix, so the first match wins.
func sortGroups(gs []*apiGroup) {
	routing.SortByPrefix(gs, func(g *apiGroup) string { return g.prefix })
}

// opRoute is one operation: method plus URL template.
type opRoute struct {
	op     *apim.Operation
	method string // upper case; "*" matches any method
	tmpl   routing.Template
	plan   *plan
	info   policyexpr.Operation
}

// sortRoutes orders APIs by longest prefix and operations by specificity, so
// the first match wins.
func sortRoutes(apis []*apiRoute) {
	routing.SortByPrefix(apis, func(a *apiRoute) string { return a.prefix })
	for _, a := range apis {
		sort.SliceStable(a.ops, func(i, j int) bool { return routing.MoreSpecific(&a.ops[i].tmpl, &a.ops[j].tmpl) })
	}
}

// matchOp returns the operation matching method and rest, and fills params
// with the template parameters (params may be nil when no operation has any).
func (a *apiRoute) matchOp(method, rest string, params map[string]string) *opRoute {
	for _, o := range a.ops {
		if o.method != "*" && o.method != method {
			continue
		}
		if o.tmpl.Match(rest, params) {
			return o
		}
	}
	return nil
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
