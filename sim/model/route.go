package model

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/gwerr"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/apim/policyexpr"
	"github.com/apimlab/apimlab/apim/routing"
)

// Issue is something in the configuration the model engine cannot
// represent: an expression-driven route, a policy that changes traffic and
// that the model does not emulate. Run reports every issue at the start and
// fails unless Options.AllowApproximation is set.
type Issue struct {
	// Pos is where the construct is written.
	Pos apim.Position
	// What describes the construct and what the model does with it.
	What string
}

// String renders the issue as "file:line:col: what".
func (i Issue) String() string {
	if i.Pos.IsValid() {
		return i.Pos.String() + ": " + i.What
	}
	return i.What
}

// Reasons the gateway gives context.LastError.Reason (package gwerr); the
// model raises the same ones.
const (
	reasonConnection      = gwerr.Connection
	reasonTimeout         = gwerr.Timeout
	reasonBreakerOpen     = gwerr.BreakerOpen
	reasonPoolUnavailable = gwerr.PoolUnavailable
	reasonNoBackend       = gwerr.NoBackend
	reasonAPINotFound     = gwerr.APINotFound
	reasonOpNotFound      = gwerr.OperationNotFound
)

// condReasons are the LastError reasons a retry condition is tabulated
// over; index 0 is "no error yet".
var condReasons = [...]string{"", reasonConnection, reasonTimeout, reasonBreakerOpen, reasonPoolUnavailable}

// reasonIndex returns r's index in condReasons (0 when unknown).
func reasonIndex(r string) int {
	for i, x := range condReasons {
		if x == r {
			return i
		}
	}
	return 0
}

// maxStatus bounds the status codes a retry condition is tabulated over.
const maxStatus = 600

// retrySpec is a <retry> whose attributes are literals and whose condition
// depends only on the last response's status code and the last error.
type retrySpec struct {
	count       int
	interval    time.Duration
	delta       time.Duration
	maxInterval time.Duration
	firstFast   bool
	// cond[reason][status] is the condition's value.
	cond [len(condReasons)][maxStatus]bool
}

// again reports whether the condition holds for the last status and error.
func (r *retrySpec) again(status int, reason int) bool {
	if status < 0 || status >= maxStatus {
		status = 0
	}
	return r.cond[reason][status]
}

// wait returns the delay before retry n (1-based) as the retry policy
// reference defines it (fixed; linear interval + (n-1)·delta; exponential
// interval + (2^(n-1)-1)·delta capped at max-interval), delta applied
// exactly, as the gateway does (gateway/steps_backend.go).
func (r *retrySpec) wait(n int) time.Duration {
	return policy.RetryDelay{Interval: r.interval, Delta: r.delta, MaxInterval: r.maxInterval, FirstFast: r.firstFast}.Wait(n)
}

// route is the static reading of the effective policy serving one request
// shape (method and path): where it goes, how it retries, how long the
// gateway waits.
type route struct {
	// status, when > 0, is the gateway's own answer (404 no API or
	// operation, 500 no backend): no backend is called.
	status int
	reason string
	// target is the backend entity called ("" with adhoc set: an ad hoc
	// URL that no entity matches, served without breaker or faults).
	target string
	adhoc  string
	// tid indexes the engine's targets (set by the engine).
	tid int
	// timeout is forward-request's timeout.
	timeout time.Duration
	retry   *retrySpec
	// api and op name what matched, for messages.
	api, op string
}

// defaultForwardTimeout is forward-request's documented default.
const defaultForwardTimeout = 300 * time.Second

// defaultGlobalXML is the global policy APIM creates with a service (the
// gateway uses the same when the configuration has none).
const defaultGlobalXML = `<policies><inbound></inbound><backend><forward-request /></backend><outbound></outbound><on-error></on-error></policies>`

// neutral lists the statements that do not change which backend is
// called, how often, when, or what status the client gets: the model skips
// them.
var neutral = map[string]bool{
	"base": true, "set-header": true, "set-query-parameter": true, "set-variable": true,
	"rewrite-uri": true, "set-body": true, "set-method": true,
	"authentication-basic": true, "authentication-certificate": true, "authentication-managed-identity": true,
	"trace": true, "log-to-eventhub": true, "emit-metric": true, "llm-emit-token-metric": true,
	"azure-openai-emit-token-metric": true, "find-and-replace": true, "json-to-xml": true,
	"xml-to-json": true, "redirect-content-urls": true, "include-fragment": true, "cors": true,
}

// router reads routes from a service, caching documents and routes.
type router struct {
	svc       *apim.Service
	docs      map[*apim.PolicyDoc]*policy.Document
	fragments map[string]*policy.Document
	global    *policy.Document
	byURL     map[string]string // normalised Single backend URL → entity name
	routes    map[string]*route // by shape key
	// ctx is the expression context of the route being built.
	ctx    *policyexpr.Context
	issues []Issue
	seen   map[string]bool // issue texts reported already
	// errs are configuration errors (bad XML, unknown backend ids): the
	// gateway would refuse to start, so Run fails whatever the options.
	errs []string
}

func newRouter(svc *apim.Service) *router {
	rt := &router{svc: svc, docs: map[*apim.PolicyDoc]*policy.Document{}, fragments: map[string]*policy.Document{},
		byURL: map[string]string{}, routes: map[string]*route{}, seen: map[string]bool{}}
	for _, f := range svc.Fragments {
		rt.fragments[strings.ToLower(f.Name)] = rt.parse(f.Policy)
	}
	rt.global = rt.parse(svc.Policy)
	if rt.global == nil {
		d, err := policy.Parse(&apim.PolicyDoc{Scope: apim.ScopeGlobal, XML: defaultGlobalXML, Pos: apim.Position{File: "<apimlab default global policy>", Line: 1, Col: 1}})
		if err != nil {
			panic(err) // a constant document
		}
		rt.global = d
	}
	for _, b := range svc.Backends {
		if b.IsPool() || !b.URL.Known() {
			continue
		}
		if u, err := url.Parse(strings.TrimSpace(b.URL.Value)); err == nil && u.Host != "" {
			k := routing.URLKey(u)
			if _, dup := rt.byURL[k]; !dup {
				rt.byURL[k] = b.Name
			}
		}
	}
	return rt
}

func (rt *router) issue(pos apim.Position, format string, args ...any) {
	is := Issue{Pos: pos, What: fmt.Sprintf(format, args...)}
	if k := is.String(); !rt.seen[k] {
		rt.seen[k] = true
		rt.issues = append(rt.issues, is)
	}
}

func (rt *router) fail(format string, args ...any) {
	rt.errs = append(rt.errs, fmt.Sprintf(format, args...))
}

// parse returns the parsed, named-value-substituted document (nil for none).
func (rt *router) parse(d *apim.PolicyDoc) *policy.Document {
	if d == nil || strings.TrimSpace(d.XML) == "" {
		return nil
	}
	if doc, ok := rt.docs[d]; ok {
		return doc
	}
	doc, err := policy.Parse(d)
	if err != nil {
		rt.fail("%v", err)
		rt.docs[d] = nil
		return nil
	}
	if err := policy.Substitute(doc, rt.namedValue); err != nil {
		rt.fail("%v", err)
	}
	rt.docs[d] = doc
	return doc
}

func (rt *router) namedValue(name string) (string, bool) {
	nv := rt.svc.NamedValue(name)
	if nv == nil || !nv.Value.Known() {
		return "", false
	}
	return nv.Value.Value, true
}

func (rt *router) fragment(id string) (*policy.Document, bool) {
	d, ok := rt.fragments[strings.ToLower(id)]
	return d, ok && d != nil
}

// resolveURL returns the entity a base URL reaches, or its host for an ad
// hoc URL.
func (rt *router) resolveURL(raw string) (entity, adhoc string, err error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", "", fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	if name, ok := rt.byURL[routing.URLKey(u)]; ok {
		return name, "", nil
	}
	return "", u.Host, nil
}

// shape is what the model knows of a phase's requests, the same for each:
// method, path (with query) and headers.
type shape struct {
	method, path string
	headers      map[string]string
}

// key identifies a shape for the route cache.
func (q shape) key() string {
	var b strings.Builder
	b.WriteString(q.method + " " + q.path)
	names := make([]string, 0, len(q.headers))
	for k := range q.headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		b.WriteString("\n" + http.CanonicalHeaderKey(k) + ": " + q.headers[k])
	}
	return b.String()
}

// routeFor returns the route of a request shape (cached).
func (rt *router) routeFor(q shape) *route {
	key := q.key()
	if r, ok := rt.routes[key]; ok {
		return r
	}
	r := rt.build(q)
	rt.routes[key] = r
	return r
}

// build matches the request against the service's APIs and operations as
// the gateway does (longest API path prefix on segment boundaries, then the
// most specific operation template) and reads the effective policy.
func (rt *router) build(q shape) *route {
	method, path, query := q.method, q.path, ""
	if i := strings.IndexByte(path, '#'); i >= 0 {
		path = path[:i]
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, query = path[:i], path[i+1:]
	}
	api, rest := rt.matchAPI(path)
	if api == nil {
		return &route{status: gwerr.NotFoundStatus, reason: reasonAPINotFound}
	}
	r := &route{api: api.Name}
	// The expression context of a choose condition: what the request
	// carries (the same for every request of the phase) and where it
	// was routed.
	h := http.Header{}
	for k, v := range q.headers {
		h.Add(k, v)
	}
	u := policyexpr.Url{Scheme: "https", Host: "apim.invalid", Port: 443, Path: path, RawQuery: query}
	prefix := strings.Trim(strings.TrimSpace(api.Path.Value), "/")
	rt.ctx = &policyexpr.Context{
		Request: policyexpr.Request{Method: method, Url: u, OriginalUrl: u, Headers: h},
		Api:     policyexpr.Api{Id: api.Name, Name: api.DisplayName.Or(api.Name), Path: "/" + prefix, IsCurrentRevision: true},
	}
	product := rt.productPolicy(api)
	layers := []*policy.Document{rt.global, product, rt.parse(api.Policy)}
	if len(api.Operations) > 0 {
		op := matchOp(api, method, rest)
		if op == nil {
			return &route{status: gwerr.NotFoundStatus, reason: reasonOpNotFound, api: api.Name}
		}
		r.op = op.Name
		layers = append(layers, rt.parse(op.Policy))
		rt.ctx.Operation = policyexpr.Operation{Id: op.Name, Name: op.DisplayName.Or(op.Name), Method: strings.ToUpper(op.Method.Or("*")), UrlTemplate: op.URLTemplate.Value}
	}
	eff, err := policy.Merge(rt.fragment, layers...)
	if err != nil {
		rt.fail("%v", err)
		return r
	}
	if api.ServiceURL.Known() && strings.TrimSpace(api.ServiceURL.Value) != "" {
		ent, host, err := rt.resolveURL(api.ServiceURL.Value)
		if err != nil {
			rt.fail("%s: API %q: serviceUrl: %v", api.ServiceURL.At(api.Pos), api.Name, err)
		}
		r.target, r.adhoc = ent, host
	}
	r.timeout = -1
	if rt.readInbound(r, eff.Section(policy.Inbound)) {
		for _, e := range eff.Section(policy.Outbound) {
			rt.neutralOnly(e, policy.Outbound)
		}
		return r
	}
	rt.readBackend(r, eff.Section(policy.Backend))
	for _, s := range []policy.Section{policy.Outbound, policy.OnError} {
		for _, e := range eff.Section(s) {
			rt.neutralOnly(e, s)
		}
	}
	if r.timeout < 0 {
		// No forward-request: the gateway never calls a backend and
		// answers 200 itself.
		r.status, r.target, r.adhoc = 200, "", ""
		return r
	}
	if r.target == "" && r.adhoc == "" {
		r.status, r.reason = gwerr.NoBackendStatus, reasonNoBackend
	}
	return r
}

// neutralOnly reports e when it is not a neutral statement (recursively
// for choose).
func (rt *router) neutralOnly(e *policy.Element, s policy.Section) {
	switch {
	case neutral[e.Name]:
	case e.Name == "choose":
		if bad := firstNonNeutral(e); bad != nil {
			rt.issue(e.Pos, "<choose> in %s runs <%s> under a policy expression: the model cannot tell which requests take it and ignores the <choose>", s, bad.Name)
		}
	default:
		rt.issue(e.Pos, "<%s> in %s changes traffic or responses and is not represented by the model; it is ignored", e.Name, s)
	}
}

// firstNonNeutral returns the first non-neutral statement under a choose.
func firstNonNeutral(choose *policy.Element) *policy.Element {
	var bad *policy.Element
	choose.Walk(func(x *policy.Element) bool {
		if bad != nil || x == choose {
			return bad == nil
		}
		switch x.Name {
		case "when", "otherwise", "choose":
			return true
		}
		if !neutral[x.Name] {
			bad = x
			return false
		}
		return false
	})
	return bad
}

func (rt *router) readInbound(r *route, elems []*policy.Element) (answered bool) {
	for _, e := range elems {
		switch e.Name {
		case "set-backend-service":
			rt.setBackend(r, e)
		case "choose":
			if firstNonNeutral(e) == nil {
				continue
			}
			branch, ok := rt.decide(e)
			if !ok {
				rt.neutralOnly(e, policy.Inbound) // reports it
				continue
			}
			if branch != nil && rt.readInbound(r, branch.Children) {
				return true
			}
		case "mock-response", "return-response":
			// Unconditional: the gateway answers every request itself
			// and the rest of the pipeline before outbound never runs.
			if code, ok := rt.answer(e); ok {
				r.status, r.reason, r.target, r.adhoc = code, "", "", ""
				return true
			}
		default:
			rt.neutralOnly(e, policy.Inbound)
		}
	}
	return false
}

// chooseAllowed lists the context members a choose condition may read for
// the model to decide it: what is the same for every request of a phase.
var chooseAllowed = map[string]bool{
	"Request.Method": true, "Request.Headers": true, "Request.OriginalUrl": true,
	"Api.Id": true, "Api.Name": true, "Api.Path": true,
	"Operation.Id": true, "Operation.Name": true, "Operation.Method": true, "Operation.UrlTemplate": true,
}

// decide picks the branch of an inbound choose the phase's requests take:
// every condition up to the first that holds must read only what the
// request shape fixes (chooseAllowed) and compile. ok is false when the
// model cannot decide; branch is nil when no when holds and there is no
// otherwise.
func (rt *router) decide(choose *policy.Element) (branch *policy.Element, ok bool) {
	for _, c := range choose.Children {
		switch c.Name {
		case "otherwise":
			return c, true
		case "when":
			holds, ok := rt.holds(c.Attr("condition"))
			if !ok {
				return nil, false
			}
			if holds {
				return c, true
			}
		}
	}
	return nil, true
}

// holds evaluates a when condition against the request shape.
func (rt *router) holds(a *policy.Attr) (bool, bool) {
	if a == nil || rt.ctx == nil {
		return false, false
	}
	if a.Expr == nil {
		b, err := a.Bool()
		return b, err == nil
	}
	for _, m := range contextRef.FindAllStringSubmatch(a.Expr.Src, -1) {
		member := strings.TrimPrefix(strings.Join(strings.Fields(m[1]+m[2]), ""), ".")
		if !chooseAllowed[strings.ReplaceAll(member, " ", "")] {
			return false, false
		}
	}
	p, err := policyexpr.Compile(a.Expr.Src, a.Expr.Block, a.Expr.Pos)
	if err != nil {
		return false, false
	}
	v, err := p.RunBool(rt.ctx)
	return v, err == nil
}

// answer reads the status a top-level mock-response (status-code, default
// 200) or return-response (its set-status, default 200) answers with.
func (rt *router) answer(e *policy.Element) (int, bool) {
	a := e.Attr("status-code")
	if e.Name == "return-response" {
		a = nil
		if ss := e.Child("set-status"); ss != nil {
			a = ss.Attr("code")
		}
	}
	if a == nil {
		return 200, true
	}
	n, err := a.Int()
	if err != nil || n < 100 || n > 599 {
		rt.issue(a.Pos, "<%s> answers a status decided per request (%s): the model cannot represent it and ignores the statement", e.Name, a.Source)
		return 0, false
	}
	return n, true
}

// readBackend reads the backend section: forward-request, possibly inside
// one retry, and set-backend-service.
func (rt *router) readBackend(r *route, elems []*policy.Element) {
	for _, e := range elems {
		switch e.Name {
		case "set-backend-service":
			rt.setBackend(r, e)
		case "forward-request":
			rt.forward(r, e)
		case "retry":
			rt.retry(r, e)
		default:
			rt.neutralOnly(e, policy.Backend)
		}
	}
}

func (rt *router) setBackend(r *route, e *policy.Element) {
	id, base := e.Attr("backend-id"), e.Attr("base-url")
	switch {
	case (id == nil) == (base == nil):
		rt.fail("%s: <set-backend-service>: exactly one of base-url and backend-id is required", e.Pos)
	case id != nil && id.Kind() != policy.Literal:
		rt.issue(id.Pos, "<set-backend-service backend-id=%q> is decided per request (%s): the model cannot route it and keeps the previous target", id.Source, id.Kind())
	case base != nil && base.Kind() != policy.Literal:
		rt.issue(base.Pos, "<set-backend-service base-url=%q> is decided per request (%s): the model cannot route it and keeps the previous target", base.Source, base.Kind())
	case id != nil:
		b := rt.svc.Backend(strings.TrimSpace(id.Value))
		if b == nil {
			rt.fail("%s: <set-backend-service>: no backend %q in the service", id.ValuePos, id.Value)
			return
		}
		r.target, r.adhoc = b.Name, ""
	default:
		ent, host, err := rt.resolveURL(base.Value)
		if err != nil {
			rt.fail("%s: <set-backend-service>: base-url %v", base.ValuePos, err)
			return
		}
		r.target, r.adhoc = ent, host
	}
	for _, a := range e.Attrs {
		switch a.Name {
		case "backend-id", "base-url", "id":
		default:
			rt.issue(a.Pos, "<set-backend-service %s> is not represented by the model; it is ignored", a.Name)
		}
	}
}

func (rt *router) forward(r *route, e *policy.Element) {
	if r.timeout >= 0 {
		rt.issue(e.Pos, "a second <forward-request> in the backend section is not represented by the model; the first one is used")
		return
	}
	r.timeout = defaultForwardTimeout
	name, unit := "timeout", time.Second
	if e.Attr("timeout-ms") != nil {
		name, unit = "timeout-ms", time.Millisecond
	}
	if a := e.Attr(name); a != nil {
		n, err := a.Int()
		switch {
		case err != nil && a.Kind() != policy.Literal:
			rt.issue(a.Pos, "<forward-request %s=%q> is decided per request: the model uses the default %s", name, a.Source, defaultForwardTimeout)
		case err != nil || n < 0:
			rt.fail("%s: <forward-request>: %s %q is not an integer >= 0", a.ValuePos, name, a.Source)
		default:
			r.timeout = time.Duration(n) * unit
		}
	}
	if a := e.Attr("fail-on-error-status-code"); a != nil && strings.EqualFold(strings.TrimSpace(a.Value), "true") {
		rt.issue(a.Pos, "<forward-request fail-on-error-status-code=\"true\"> sends error statuses through on-error; the model returns the backend's status as is")
	}
}

// contextRef matches a member access on the implicit context variable.
var contextRef = regexp.MustCompile(`\bcontext\b\s*(\.\s*\w+)?(\s*\.\s*\w+)?`)

// condAllowed lists the context members a tabulated retry condition may
// read.
var condAllowed = map[string]bool{
	"Response.StatusCode": true, "LastError.Reason": true, "LastError.Source": true,
}

func (rt *router) retry(r *route, e *policy.Element) {
	if r.retry != nil {
		rt.issue(e.Pos, "a second <retry> is not represented by the model; it is ignored")
		return
	}
	spec := &retrySpec{}
	ok := true
	lit := func(name string, def int) int {
		a := e.Attr(name)
		if a == nil {
			return def
		}
		n, err := a.Int()
		if err != nil {
			if a.Kind() != policy.Literal {
				rt.issue(a.Pos, "<retry %s=%q> is decided per request: the model cannot represent it", name, a.Source)
			} else {
				rt.fail("%s: <retry>: %s %q is not a whole number", a.ValuePos, name, a.Source)
			}
			ok = false
		}
		return n
	}
	spec.count = lit("count", 0)
	spec.interval = time.Duration(lit("interval", 0)) * time.Second
	spec.delta = time.Duration(lit("delta", 0)) * time.Second
	spec.maxInterval = time.Duration(lit("max-interval", 0)) * time.Second
	if a := e.Attr("first-fast-retry"); a != nil {
		b, err := a.Bool()
		if err != nil {
			rt.issue(a.Pos, "<retry first-fast-retry=%q> is not a literal boolean: the model cannot represent it", a.Source)
			ok = false
		}
		spec.firstFast = b
	}
	if ok && (spec.count < 1 || spec.count > 50) {
		rt.fail("%s: <retry>: count must be in 1..50 (got %d)", e.Pos, spec.count)
		ok = false
	}
	if !rt.condition(spec, e) {
		ok = false
	}
	for _, c := range e.Children {
		switch c.Name {
		case "forward-request":
			rt.forward(r, c)
		case "set-backend-service":
			rt.setBackend(r, c)
		default:
			rt.neutralOnly(c, policy.Backend)
		}
	}
	if ok {
		r.retry = spec
	}
}

// condition tabulates the retry condition over status codes and error
// reasons. A condition that reads anything else (headers, variables, the
// body) is an issue.
func (rt *router) condition(spec *retrySpec, e *policy.Element) bool {
	a := e.Attr("condition")
	if a == nil {
		rt.fail("%s: <retry>: attribute \"condition\" is required", e.Pos)
		return false
	}
	var prog *policyexpr.Program
	switch {
	case a.Expr != nil:
		for _, m := range contextRef.FindAllStringSubmatch(a.Expr.Src, -1) {
			member := strings.TrimPrefix(strings.Join(strings.Fields(m[1]+m[2]), ""), ".")
			member = strings.ReplaceAll(member, " ", "")
			if !condAllowed[member] {
				rt.issue(a.Pos, "<retry condition=%q> reads context.%s: the model decides retries from the response status and error reason only", a.Source, member)
				return false
			}
		}
		p, err := policyexpr.Compile(a.Expr.Src, a.Expr.Block, a.Expr.Pos)
		if err != nil {
			rt.issue(a.Pos, "<retry condition=%q> cannot be compiled (%v): the model cannot represent it", a.Source, err)
			return false
		}
		prog = p
	default:
		b, err := a.Bool()
		if err != nil {
			rt.fail("%s: <retry>: condition %q is neither an expression nor true/false", a.ValuePos, a.Source)
			return false
		}
		for i := range spec.cond {
			for s := range spec.cond[i] {
				spec.cond[i][s] = b
			}
		}
		return true
	}
	var ctx policyexpr.Context
	for i, reason := range condReasons {
		ctx.LastError = policyexpr.LastError{Reason: reason}
		if reason != "" {
			ctx.LastError.Source = "forward-request"
		}
		for s := range maxStatus {
			if s > 0 && s < 100 {
				continue
			}
			ctx.Response.StatusCode = s
			v, err := prog.RunBool(&ctx)
			if err != nil {
				rt.issue(a.Pos, "<retry condition=%q> fails for status %d (%v): the model cannot represent it", a.Source, s, err)
				return false
			}
			spec.cond[i][s] = v
		}
	}
	return true
}

// matchAPI returns the API whose path prefix (case-insensitive, on segment
// boundaries) is the longest match of path, and the rest of the path
// (package routing, as the gateway).
func (rt *router) matchAPI(path string) (*apim.API, string) {
	var best *apim.API
	bestLen, rest := -1, ""
	for _, a := range rt.svc.APIs {
		prefix := routing.Prefix(a.Path.Value)
		if r, ok := routing.Under(path, prefix); ok && len(prefix) > bestLen {
			best, bestLen, rest = a, len(prefix), r
		}
	}
	return best, rest
}

// matchOp returns the most specific operation matching method and rest
// (routing.MoreSpecific, as the gateway).
func matchOp(api *apim.API, method, rest string) *apim.Operation {
	var best *apim.Operation
	var bestT routing.Template
	for _, o := range api.Operations {
		m := strings.ToUpper(strings.TrimSpace(o.Method.Or("*")))
		if m != "" && m != "*" && m != strings.ToUpper(method) {
			continue
		}
		t := routing.Parse(o.URLTemplate.Or("/"))
		if !t.Match(rest, nil) {
			continue
		}
		if best == nil || routing.MoreSpecific(&t, &bestT) {
			best, bestT = o, t
		}
	}
	return best
}

// productPolicy returns the policy of the first of the API's products that
// has one, as the gateway does (it has no subscriptions to tell which
// product a call uses).
func (rt *router) productPolicy(a *apim.API) *policy.Document {
	names := append([]string(nil), a.Products...)
	for _, p := range rt.svc.Products {
		for _, n := range p.APIs {
			if strings.EqualFold(n, a.Name) {
				names = append(names, p.Name)
			}
		}
	}
	for _, n := range names {
		if p := rt.svc.Product(n); p != nil && p.Policy != nil {
			return rt.parse(p.Policy)
		}
	}
	return nil
}

// describe renders a route for messages.
func (r *route) describe() string {
	var b strings.Builder
	switch {
	case r.status > 0:
		b.WriteString("gateway answers " + strconv.Itoa(r.status))
		if r.reason != "" {
			b.WriteString(" (" + r.reason + ")")
		}
		return b.String()
	case r.target != "":
		b.WriteString("backend " + r.target)
	default:
		b.WriteString("ad hoc URL " + r.adhoc)
	}
	if r.retry != nil {
		fmt.Fprintf(&b, ", retry count %d", r.retry.count)
	}
	fmt.Fprintf(&b, ", timeout %s", r.timeout)
	return b.String()
}
