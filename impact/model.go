package impact

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/backends"
	"github.com/apimlab/apimlab/pool"
)

// Change is one semantic difference between the two configurations: what
// changed in the backends, pools, breakers, TLS, credentials, certificates
// and the policies that affect routing — not a text diff. Secret values
// are never part of a change (only that they changed).
type Change struct {
	// Kind groups changes: backend, pool, breaker, tls, credentials,
	// certificate, api, policy.
	Kind string `json:"kind"`
	// Entity names what changed ("orders-pool", "API orders").
	Entity string `json:"entity"`
	// Field names the property ("weight of orders-westus"); "" when the
	// entity was added or removed.
	Field string `json:"field,omitempty"`
	// From and To are the values ("" for added / removed).
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Note adds what follows from the change ("share 25% → 50%").
	Note string `json:"note,omitempty"`
}

// String renders the change for people: "orders-pool: weight of
// orders-westus 1 → 3 (share 25% → 50%)".
func (c Change) String() string {
	var s string
	switch {
	case c.Field == "" && c.From == "":
		s = fmt.Sprintf("%s: added", c.Entity)
	case c.Field == "" && c.To == "":
		s = fmt.Sprintf("%s: removed", c.Entity)
	default:
		s = fmt.Sprintf("%s: %s %s → %s", c.Entity, c.Field, orNone(c.From), orNone(c.To))
	}
	if c.Note != "" {
		s += " (" + c.Note + ")"
	}
	return s
}

func orNone(v string) string {
	if v == "" {
		return "(none)"
	}
	return v
}

// ModelDelta returns the semantic changes from base to head, in a stable
// order: backends, then certificates, APIs and policies.
func ModelDelta(base, head *apim.Service) []Change {
	var out []Change
	bb, hb := backendMap(base), backendMap(head)
	for _, name := range unionKeys(bb, hb) {
		b, h := bb[name], hb[name]
		switch {
		case b == nil:
			out = append(out, Change{Kind: kindOf(h), Entity: h.Name})
		case h == nil:
			out = append(out, Change{Kind: kindOf(b), Entity: b.Name})
		default:
			out = append(out, backendDelta(b, h)...)
		}
	}
	bc, hc := certMap(base), certMap(head)
	for _, id := range unionKeys(bc, hc) {
		b, h := bc[id], hc[id]
		switch {
		case b == nil:
			out = append(out, Change{Kind: "certificate", Entity: "certificate " + h.Name})
		case h == nil:
			out = append(out, Change{Kind: "certificate", Entity: "certificate " + b.Name})
		default:
			if b.Data.Value != h.Data.Value {
				out = append(out, Change{Kind: "certificate", Entity: "certificate " + h.Name, Field: "data", From: "(old)", To: "(new)"})
			}
			if kv(b) != kv(h) {
				out = append(out, Change{Kind: "certificate", Entity: "certificate " + h.Name, Field: "Key Vault secret", From: kv(b), To: kv(h)})
			}
		}
	}
	ba, ha := apiMap(base), apiMap(head)
	for _, name := range unionKeys(ba, ha) {
		b, h := ba[name], ha[name]
		switch {
		case b == nil:
			out = append(out, Change{Kind: "api", Entity: "API " + h.Name})
		case h == nil:
			out = append(out, Change{Kind: "api", Entity: "API " + b.Name})
		default:
			out = appendIf(out, "api", "API "+h.Name, "path", b.Path.Value, h.Path.Value, "")
			out = appendURL(out, "api", "API "+h.Name, "serviceUrl", b.ServiceURL.Value, h.ServiceURL.Value)
		}
	}
	bp, hp := policyMap(base), policyMap(head)
	for _, owner := range unionKeys(bp, hp) {
		out = append(out, policyDelta(owner, bp[owner], hp[owner])...)
	}
	return out
}

func kindOf(b *apim.Backend) string {
	if b.IsPool() {
		return "pool"
	}
	return "backend"
}

func appendIf(out []Change, kind, entity, field, from, to, note string) []Change {
	if from == to {
		return out
	}
	return append(out, Change{Kind: kind, Entity: entity, Field: field, From: from, To: to, Note: note})
}

// appendURL is appendIf for values that may be URLs: the report (a
// pull-request comment, often public) shows them with redactURL, and a
// change only to redacted parts is reported as such.
func appendURL(out []Change, kind, entity, field, from, to string) []Change {
	if from == to {
		return out
	}
	rf, rt := redactURL(from), redactURL(to)
	note := ""
	if rf == rt {
		note = "a secret part of the URL changed (not shown)"
	}
	return append(out, Change{Kind: kind, Entity: entity, Field: field, From: rf, To: rt, Note: note})
}

// redactURL hides what may be a credential in an absolute http(s) URL
// written literally: the userinfo password and every query value (an
// Azure Functions key travels as ?code=…, SAS tokens as sig=…). Named
// value references ({{name}}) are kept: they name a secret, they are not
// one. Anything else is returned unchanged.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// A {{named value}} host does not parse; its password is masked.
		return apim.MaskURLPasswords(s, "REDACTED")
	}
	changed := false
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "REDACTED")
		changed = true
	}
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		for i, p := range parts {
			k, v, ok := strings.Cut(p, "=")
			if ok && v != "" && !(strings.HasPrefix(v, "{{") && strings.HasSuffix(v, "}}")) {
				parts[i] = k + "=REDACTED"
				changed = true
			}
		}
		u.RawQuery = strings.Join(parts, "&")
	}
	if !changed {
		return s
	}
	return u.String()
}

// backendDelta compares two backends of one name through the shared
// translation (what the gateway and the simulator run).
func backendDelta(b, h *apim.Backend) []Change {
	var out []Change
	name := h.Name
	out = appendIf(out, "backend", name, "type", string(b.Type.Value), string(h.Type.Value), "")
	if !h.IsPool() {
		out = appendURL(out, "backend", name, "url", b.URL.Value, h.URL.Value)
		out = appendIf(out, "tls", name, "validateCertificateChain", strconv.FormatBool(b.TLS.ValidatesChain()), strconv.FormatBool(h.TLS.ValidatesChain()), "")
		out = appendIf(out, "tls", name, "validateCertificateName", strconv.FormatBool(b.TLS.ValidatesName()), strconv.FormatBool(h.TLS.ValidatesName()), "")
		out = appendIf(out, "credentials", name, "credentials", credentialShape(b.Credentials), credentialShape(h.Credentials), "")
		out = append(out, breakerDelta(name, b, h)...)
		return out
	}
	return append(out, poolDelta(name, b, h)...)
}

// credentialShape describes credentials without their values.
func credentialShape(c *apim.Credentials) string {
	if c == nil {
		return ""
	}
	var parts []string
	for _, id := range c.CertificateIDs {
		parts = append(parts, "client certificate "+id.Value[strings.LastIndexByte(id.Value, '/')+1:])
	}
	if len(c.Certificate) > 0 && len(c.CertificateIDs) == 0 {
		parts = append(parts, "client certificate by thumbprint")
	}
	for _, kv := range c.Header {
		parts = append(parts, "header "+kv.Name)
	}
	for _, kv := range c.Query {
		parts = append(parts, "query "+kv.Name)
	}
	if a := c.Authorization; a != nil {
		parts = append(parts, "authorization "+a.Scheme.Value)
	}
	if c.ManagedIdentity != nil {
		parts = append(parts, "managed identity")
	}
	return strings.Join(parts, ", ")
}

// breakerDelta compares the breaker rules the gateway runs.
func breakerDelta(name string, b, h *apim.Backend) []Change {
	bs, _ := backends.BreakerSpecOf(b, backends.Options{})
	hs, _ := backends.BreakerSpecOf(h, backends.Options{})
	switch {
	case bs == nil && hs == nil:
		return nil
	case bs == nil:
		return []Change{{Kind: "breaker", Entity: name, Field: "circuit breaker", To: describeBreaker(hs)}}
	case hs == nil:
		return []Change{{Kind: "breaker", Entity: name, Field: "circuit breaker", From: describeBreaker(bs)}}
	}
	var out []Change
	x, y := bs.Settings, hs.Settings
	add := func(field, from, to string) { out = appendIf(out, "breaker", name, "breaker "+field, from, to, "") }
	add("count", itoa0(x.Count), itoa0(y.Count))
	add("percentage", pct0(x.Percentage), pct0(y.Percentage))
	add("interval", x.Interval.String(), y.Interval.String())
	add("tripDuration", x.TripDuration.String(), y.TripDuration.String())
	add("acceptRetryAfter", strconv.FormatBool(x.AcceptRetryAfter), strconv.FormatBool(y.AcceptRetryAfter))
	add("statusCodeRanges", ranges(x.StatusRanges), ranges(y.StatusRanges))
	add("errorReasons", strings.Join(x.ErrorReasons, ", "), strings.Join(y.ErrorReasons, ", "))
	add("failureResponse", strconv.Itoa(bs.FailureStatus), strconv.Itoa(hs.FailureStatus))
	return out
}

func describeBreaker(s *backends.BreakerSpec) string {
	c := fmt.Sprintf("%d failures", s.Settings.Count)
	if s.Settings.Percentage > 0 {
		c = fmt.Sprintf("%d%% failures", s.Settings.Percentage)
	}
	return fmt.Sprintf("%s in %s, open %s", c, s.Settings.Interval, s.Settings.TripDuration)
}

func itoa0(v int) string {
	if v == 0 {
		return ""
	}
	return strconv.Itoa(v)
}

func pct0(v int) string {
	if v == 0 {
		return ""
	}
	return strconv.Itoa(v) + "%"
}

func ranges(rs [][2]int) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		if r[0] == r[1] {
			parts[i] = strconv.Itoa(r[0])
		} else {
			parts[i] = fmt.Sprintf("%d-%d", r[0], r[1])
		}
	}
	return strings.Join(parts, ", ")
}

// poolDelta compares the members, priorities, weights and static shares
// of a pool (shares from the pool package, as the gateway splits traffic).
func poolDelta(name string, b, h *apim.Backend) []Change {
	bm, _ := backends.PoolMembers(b)
	hm, _ := backends.PoolMembers(h)
	bsh, _ := backends.Shares(bm)
	hsh, _ := backends.Shares(hm)
	type member struct {
		prio, weight int
		share        float64
	}
	index := func(ms []backends.MemberSpec, sh []pool.Share) map[string]member {
		out := map[string]member{}
		for i, m := range ms {
			mm := member{prio: m.Priority, weight: m.Weight}
			if i < len(sh) {
				mm.share = sh[i].Share
			}
			out[strings.ToLower(m.Name)] = mm
		}
		return out
	}
	bx, hx := index(bm, bsh), index(hm, hsh)
	names := map[string]string{}
	for _, m := range append(slices.Clone(bm), hm...) {
		names[strings.ToLower(m.Name)] = m.Name
	}
	var out []Change
	for _, k := range unionKeys(bx, hx) {
		bv, inB := bx[k]
		hv, inH := hx[k]
		member := names[k]
		shareNote := fmt.Sprintf("share %s → %s", percent(bv.share), percent(hv.share))
		switch {
		case !inB:
			out = append(out, Change{Kind: "pool", Entity: name, Field: "member", To: fmt.Sprintf("%s (priority %d, weight %d)", member, hv.prio, hv.weight), Note: "share " + percent(hv.share)})
		case !inH:
			out = append(out, Change{Kind: "pool", Entity: name, Field: "member", From: fmt.Sprintf("%s (priority %d, weight %d)", member, bv.prio, bv.weight), Note: "share was " + percent(bv.share)})
		default:
			note := ""
			if bv.share != hv.share {
				note = shareNote
			}
			out = appendIf(out, "pool", name, "priority of "+member, strconv.Itoa(bv.prio), strconv.Itoa(hv.prio), note)
			if bv.prio != hv.prio {
				note = ""
			}
			out = appendIf(out, "pool", name, "weight of "+member, strconv.Itoa(bv.weight), strconv.Itoa(hv.weight), note)
		}
	}
	return out
}

func percent(v float64) string { return strconv.FormatFloat(v*100, 'f', 0, 64) + "%" }

// routingPolicies are the policy elements whose attributes change where
// traffic goes, how often it is retried, how long it waits and when it is
// throttled.
var routingPolicies = []string{
	"set-backend-service", "retry", "forward-request", "rate-limit", "rate-limit-by-key", "quota",
	"quota-by-key", "limit-concurrency", "mock-response", "return-response", "cache-lookup",
	"send-request", "azure-openai-token-limit", "llm-token-limit",
}

// policyDelta compares the routing elements of one scope's policy, in
// document order, attribute by attribute.
func policyDelta(owner string, b, h *policy.Document) []Change {
	be, he := routingElements(b), routingElements(h)
	var out []Change
	for i := 0; i < max(len(be), len(he)); i++ {
		switch {
		case i >= len(be):
			out = append(out, Change{Kind: "policy", Entity: owner, Field: "<" + he[i].Name + ">", To: attrs(he[i])})
		case i >= len(he):
			out = append(out, Change{Kind: "policy", Entity: owner, Field: "<" + be[i].Name + ">", From: attrs(be[i])})
		case be[i].Name != he[i].Name:
			out = append(out, Change{Kind: "policy", Entity: owner, Field: "policy", From: "<" + be[i].Name + ">", To: "<" + he[i].Name + ">"})
		default:
			bm, hm := attrMap(be[i]), attrMap(he[i])
			for _, a := range unionKeys(bm, hm) {
				out = appendURL(out, "policy", owner, "<"+he[i].Name+"> "+a, bm[a], hm[a])
			}
		}
	}
	return out
}

func routingElements(d *policy.Document) []*policy.Element {
	if d == nil {
		return nil
	}
	var out []*policy.Element
	d.Walk(func(e *policy.Element) bool {
		if slices.Contains(routingPolicies, e.Name) {
			out = append(out, e)
		}
		return true
	})
	return out
}

func attrMap(e *policy.Element) map[string]string {
	m := map[string]string{}
	for _, a := range e.Attrs {
		m[a.Name] = a.Source // as written: never a substituted secret
	}
	return m
}

func attrs(e *policy.Element) string {
	var parts []string
	for _, a := range e.Attrs {
		parts = append(parts, fmt.Sprintf("%s=%q", a.Name, redactURL(a.Source)))
	}
	return strings.Join(parts, " ")
}

// byName indexes entities by lower-case name (APIM names are
// case-insensitive).
func byName[T any](list []T, name func(T) string) map[string]T {
	out := make(map[string]T, len(list))
	for _, v := range list {
		out[strings.ToLower(name(v))] = v
	}
	return out
}

func backendMap(s *apim.Service) map[string]*apim.Backend {
	return byName(s.Backends, func(b *apim.Backend) string { return b.Name })
}

func certMap(s *apim.Service) map[string]*apim.Certificate {
	return byName(s.Certificates, func(c *apim.Certificate) string { return c.Name })
}

func apiMap(s *apim.Service) map[string]*apim.API {
	return byName(s.APIs, func(a *apim.API) string { return a.Name })
}

func kv(c *apim.Certificate) string {
	if c.KeyVault == nil {
		return ""
	}
	return c.KeyVault.SecretIdentifier.Value
}

// policyMap parses every policy document of s by scope owner ("global",
// "API orders", "operation orders/get"); documents that do not parse are
// left out (lint reports them).
func policyMap(s *apim.Service) map[string]*policy.Document {
	out := map[string]*policy.Document{}
	add := func(owner string, d *apim.PolicyDoc) {
		if d == nil {
			return
		}
		if doc, err := policy.Parse(d); err == nil {
			out[owner] = doc
		}
	}
	add("global policy", s.Policy)
	for _, p := range s.Products {
		add("product "+p.Name+" policy", p.Policy)
	}
	for _, a := range s.APIs {
		add("API "+a.Name+" policy", a.Policy)
		for _, op := range a.Operations {
			add("operation "+a.Name+"/"+op.Name+" policy", op.Policy)
		}
	}
	return out
}

// unionKeys returns the sorted union of two maps' keys.
func unionKeys[V any](a, b map[string]V) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
