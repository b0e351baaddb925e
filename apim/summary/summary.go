// Package summary renders an *apim.Service as a plain, secret-free view for
// `apimlab inspect`: resolved values, what stayed unknown and why, and where
// each entity was declared. Equal configurations written in different input
// forms give equal summaries once positions are dropped.
package summary

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/apimlab/apimlab/apim"
)

// Summary is the serialisable view of a service.
type Summary struct {
	Service      string        `json:"service,omitempty"`
	Backends     []Backend     `json:"backends"`
	Certificates []Certificate `json:"certificates,omitempty"`
	CAStore      []string      `json:"caStore,omitempty"`
	NamedValues  []NamedValue  `json:"namedValues,omitempty"`
	APIs         []API         `json:"apis,omitempty"`
	Products     []Product     `json:"products,omitempty"`
	Fragments    []Policy      `json:"fragments,omitempty"`
	Policies     []Policy      `json:"policies,omitempty"`
	Unknown      []Unknown     `json:"unknown,omitempty"`
	Issues       []Issue       `json:"issues,omitempty"`
	Skipped      []string      `json:"skipped,omitempty"`
}

// Backend is a backend's resolved settings.
type Backend struct {
	Name           string         `json:"name"`
	Pos            string         `json:"pos,omitempty"`
	Type           string         `json:"type"`
	URL            string         `json:"url,omitempty"`
	Protocol       string         `json:"protocol,omitempty"`
	Title          string         `json:"title,omitempty"`
	Description    string         `json:"description,omitempty"`
	ValidateChain  bool           `json:"validateCertificateChain"`
	ValidateName   bool           `json:"validateCertificateName"`
	CertificateIDs []string       `json:"certificateIds,omitempty"`
	Thumbprints    []string       `json:"certificateThumbprints,omitempty"`
	Headers        []string       `json:"credentialHeaders,omitempty"`
	Query          []string       `json:"credentialQuery,omitempty"`
	Authorization  string         `json:"authorizationScheme,omitempty"`
	Proxy          string         `json:"proxy,omitempty"`
	Breaker        []BreakerRule  `json:"circuitBreaker,omitempty"`
	Members        []Member       `json:"pool,omitempty"`
	PoolFailure    int            `json:"poolFailureStatus,omitempty"`
	Extra          map[string]any `json:"extra,omitempty"`
}

// BreakerRule is one breaker rule.
type BreakerRule struct {
	Name             string   `json:"name,omitempty"`
	Count            int      `json:"count,omitempty"`
	Percentage       int      `json:"percentage,omitempty"`
	Interval         string   `json:"interval"`
	StatusCodeRanges []string `json:"statusCodeRanges,omitempty"`
	ErrorReasons     []string `json:"errorReasons,omitempty"`
	TripDuration     string   `json:"tripDuration"`
	AcceptRetryAfter bool     `json:"acceptRetryAfter,omitempty"`
	FailureStatus    int      `json:"failureStatus,omitempty"`
}

// Member is a pool member.
type Member struct {
	Backend  string `json:"backend"`
	Priority *int   `json:"priority,omitempty"`
	Weight   *int   `json:"weight,omitempty"`
}

// Certificate is a client certificate entity (secrets omitted).
type Certificate struct {
	Name       string `json:"name"`
	Pos        string `json:"pos,omitempty"`
	Source     string `json:"source"`
	KeyVault   string `json:"keyVault,omitempty"`
	Subject    string `json:"subject,omitempty"`
	Password   string `json:"password,omitempty"`
	Thumbprint string `json:"thumbprint,omitempty"`
}

// NamedValue is a named value (secret values masked).
type NamedValue struct {
	Name   string `json:"name"`
	Pos    string `json:"pos,omitempty"`
	Value  string `json:"value"`
	Secret bool   `json:"secret,omitempty"`
}

// API is an API with its operations.
type API struct {
	Name       string   `json:"name"`
	Pos        string   `json:"pos,omitempty"`
	Path       string   `json:"path"`
	ServiceURL string   `json:"serviceUrl,omitempty"`
	Operations []string `json:"operations,omitempty"`
	Products   []string `json:"products,omitempty"`
}

// Product is a product.
type Product struct {
	Name string   `json:"name"`
	Pos  string   `json:"pos,omitempty"`
	APIs []string `json:"apis,omitempty"`
}

// Policy is a policy document's identity and size.
type Policy struct {
	Scope string `json:"scope"`
	Owner string `json:"owner"`
	Pos   string `json:"pos,omitempty"`
	Lines int    `json:"lines"`
}

// Unknown is a value that could not be resolved.
type Unknown struct {
	Where  string `json:"where"`
	Pos    string `json:"pos,omitempty"`
	Reason string `json:"reason"`
}

// Issue is a load problem. Code is the rule that reports it when
// Options.RuleOf is set, else the problem's class ("malformed").
type Issue struct {
	Code    string `json:"code"`
	Pos     string `json:"pos"`
	Message string `json:"message"`
}

// Options tunes the summary.
type Options struct {
	// NoPositions drops positions (to compare input forms).
	NoPositions bool
	// RuleOf names the lint rule that reports a load problem (lint's
	// mapping, which this package does not import); if nil, or when it
	// returns "", an issue shows its class.
	RuleOf func(*apim.Error) string
}

type builder struct {
	s    *Summary
	opts Options
}

func (b *builder) pos(p apim.Position) string {
	if b.opts.NoPositions {
		return ""
	}
	return p.String()
}

func str[T any](b *builder, where string, f apim.Field[T]) string {
	if f.Unknown() != "" {
		b.s.Unknown = append(b.s.Unknown, Unknown{Where: where, Pos: b.pos(f.Pos), Reason: f.Unknown()})
		return "<unknown>"
	}
	if !f.Known() {
		return ""
	}
	return fmt.Sprint(f.Value)
}

// masked describes a secret value without revealing it.
func masked(f apim.Field[string]) string {
	switch {
	case !f.Set || f.Null:
		return ""
	case f.Unknown() != "":
		return "<unknown>"
	case f.Secure:
		return "<secure parameter>"
	case strings.Contains(f.Value, "{{"):
		return "<named value " + strings.TrimSpace(f.Value) + ">"
	case f.Literal:
		return "<literal, hidden>"
	}
	return "<hidden>"
}

// Of builds the summary of svc.
func Of(svc *apim.Service, opts Options) *Summary {
	b := &builder{s: &Summary{Service: svc.Name, Backends: []Backend{}}, opts: opts}
	for _, be := range svc.Backends {
		b.backend(be)
	}
	for _, c := range svc.Certificates {
		cs := Certificate{Name: c.Name, Pos: b.pos(c.Pos), Subject: str(b, "certificate "+c.Name+" subject", c.Subject),
			Thumbprint: str(b, "certificate "+c.Name+" thumbprint", c.Thumbprint)}
		switch {
		case c.KeyVault != nil:
			cs.Source = "keyVault"
			cs.KeyVault = str(b, "certificate "+c.Name+" keyVault", c.KeyVault.SecretIdentifier)
		case c.Data.Set:
			cs.Source = "data"
			cs.Password = masked(c.Password)
		default:
			cs.Source = "reference"
		}
		b.s.Certificates = append(b.s.Certificates, cs)
	}
	for _, ca := range svc.CAStore {
		b.s.CAStore = append(b.s.CAStore, str(b, "CA store", ca.StoreName)+" "+str(b, "CA store thumbprint", ca.Thumbprint))
	}
	for _, nv := range svc.NamedValues {
		v := NamedValue{Name: nv.Name, Pos: b.pos(nv.Pos), Secret: nv.Secret.Or(false)}
		switch {
		case nv.KeyVault != nil:
			v.Value = "<key vault " + str(b, "named value "+nv.Name, nv.KeyVault.SecretIdentifier) + ">"
		case v.Secret:
			v.Value = masked(nv.Value)
		default:
			v.Value = str(b, "named value "+nv.Name, nv.Value)
		}
		b.s.NamedValues = append(b.s.NamedValues, v)
	}
	for _, a := range svc.APIs {
		av := API{Name: a.Name, Pos: b.pos(a.Pos), Path: str(b, "api "+a.Name+" path", a.Path),
			ServiceURL: str(b, "api "+a.Name+" serviceUrl", a.ServiceURL), Products: a.Products}
		for _, o := range a.Operations {
			op := o.Name
			if m := o.Method.Or(""); m != "" {
				op += " (" + m + " " + o.URLTemplate.Or("") + ")"
			}
			av.Operations = append(av.Operations, op)
		}
		b.s.APIs = append(b.s.APIs, av)
	}
	for _, p := range svc.Products {
		b.s.Products = append(b.s.Products, Product{Name: p.Name, Pos: b.pos(p.Pos), APIs: p.APIs})
	}
	for _, d := range svc.Policies() {
		pv := Policy{Scope: string(d.Scope), Owner: d.Owner, Pos: b.pos(d.Pos), Lines: strings.Count(strings.TrimSpace(d.XML), "\n") + 1}
		if strings.TrimSpace(d.XML) == "" {
			pv.Lines = 0
		}
		if d.Scope == apim.ScopeFragment {
			b.s.Fragments = append(b.s.Fragments, pv)
		} else {
			b.s.Policies = append(b.s.Policies, pv)
		}
	}
	for _, is := range append(append([]*apim.Error{}, svc.Issues...), svc.DurationErrors()...) {
		code := is.Code.String()
		if b.opts.RuleOf != nil {
			if id := b.opts.RuleOf(is); id != "" {
				code = id
			}
		}
		b.s.Issues = append(b.s.Issues, Issue{Code: code, Pos: b.pos(is.Pos), Message: is.Msg})
	}
	for _, sk := range svc.Skipped {
		b.s.Skipped = append(b.s.Skipped, sk.Type+" "+sk.Name)
	}
	sort.Slice(b.s.Backends, func(i, j int) bool { return b.s.Backends[i].Name < b.s.Backends[j].Name })
	return b.s
}

func (b *builder) backend(be *apim.Backend) {
	w := "backend " + be.Name
	v := Backend{Name: be.Name, Pos: b.pos(be.Pos), Type: string(be.Type.Value),
		URL: str(b, w+" url", be.URL), Protocol: str(b, w+" protocol", be.Protocol),
		Title: str(b, w+" title", be.Title), Description: str(b, w+" description", be.Description),
		ValidateChain: be.TLS.ValidatesChain(), ValidateName: be.TLS.ValidatesName()}
	if c := be.Credentials; c != nil {
		for _, id := range c.CertificateIDs {
			v.CertificateIDs = append(v.CertificateIDs, str(b, w+" certificateIds", id))
		}
		for _, t := range c.Certificate {
			v.Thumbprints = append(v.Thumbprints, str(b, w+" certificate", t))
		}
		for _, h := range c.Header {
			v.Headers = append(v.Headers, h.Name)
		}
		for _, q := range c.Query {
			v.Query = append(v.Query, q.Name)
		}
		if c.Authorization != nil {
			v.Authorization = str(b, w+" authorization scheme", c.Authorization.Scheme)
		}
	}
	if be.Proxy != nil {
		v.Proxy = str(b, w+" proxy url", be.Proxy.URL)
	}
	if cb := be.CircuitBreaker; cb != nil {
		for _, r := range cb.Rules {
			br := BreakerRule{Name: str(b, w+" breaker name", r.Name), TripDuration: str(b, w+" tripDuration", r.TripDuration.Field),
				AcceptRetryAfter: r.AcceptRetryAfter.Or(false)}
			if r.FailureResponse != nil {
				br.FailureStatus = r.FailureResponse.StatusCode.Or(0)
			}
			if fc := r.FailureCondition; fc != nil {
				br.Count, br.Percentage = fc.Count.Or(0), fc.Percentage.Or(0)
				br.Interval = str(b, w+" interval", fc.Interval.Field)
				for _, sr := range fc.StatusCodeRanges {
					br.StatusCodeRanges = append(br.StatusCodeRanges, str(b, w+" status min", sr.Min)+"-"+str(b, w+" status max", sr.Max))
				}
				for _, e := range fc.ErrorReasons {
					br.ErrorReasons = append(br.ErrorReasons, str(b, w+" errorReasons", e))
				}
			}
			v.Breaker = append(v.Breaker, br)
		}
	}
	if pc := be.PoolConfig; pc != nil {
		for _, m := range pc.Services {
			mv := Member{Backend: m.Name}
			if mv.Backend == "" {
				mv.Backend = str(b, w+" pool member", m.ID)
			}
			if m.Priority.Known() {
				n := m.Priority.Value
				mv.Priority = &n
			}
			if m.Weight.Known() {
				n := m.Weight.Value
				mv.Weight = &n
			}
			v.Members = append(v.Members, mv)
		}
		if pc.FailureResponse != nil {
			v.PoolFailure = pc.FailureResponse.StatusCode.Or(0)
		}
	}
	b.s.Backends = append(b.s.Backends, v)
}

// Text renders the summary for people.
func (s *Summary) Text() string {
	var w strings.Builder
	name := s.Service
	if name == "" {
		name = "(unnamed)"
	}
	fmt.Fprintf(&w, "service %s: %d backends, %d certificates, %d named values, %d APIs, %d products, %d fragments, %d policies\n",
		name, len(s.Backends), len(s.Certificates), len(s.NamedValues), len(s.APIs), len(s.Products), len(s.Fragments), len(s.Policies))
	for _, b := range s.Backends {
		fmt.Fprintf(&w, "\nbackend %s (%s)%s\n", b.Name, b.Type, at(b.Pos))
		if b.URL != "" {
			fmt.Fprintf(&w, "  url: %s  protocol: %s\n", b.URL, b.Protocol)
		}
		if !b.ValidateChain || !b.ValidateName {
			fmt.Fprintf(&w, "  tls: validateCertificateChain=%t validateCertificateName=%t\n", b.ValidateChain, b.ValidateName)
		}
		if len(b.CertificateIDs)+len(b.Thumbprints) > 0 {
			fmt.Fprintf(&w, "  client certificates: %s\n", strings.Join(append(append([]string{}, b.CertificateIDs...), b.Thumbprints...), ", "))
		}
		if len(b.Headers)+len(b.Query) > 0 || b.Authorization != "" {
			fmt.Fprintf(&w, "  credentials: headers %v, query %v, authorization %q (values hidden)\n", b.Headers, b.Query, b.Authorization)
		}
		for _, r := range b.Breaker {
			cond := strconv.Itoa(r.Count) + " failures"
			if r.Percentage > 0 {
				cond = strconv.Itoa(r.Percentage) + "% failures"
			}
			fmt.Fprintf(&w, "  circuit breaker %s: %s in %s on %s %s, open for %s", r.Name, cond, r.Interval,
				strings.Join(r.StatusCodeRanges, ","), strings.Join(r.ErrorReasons, ","), r.TripDuration)
			if r.AcceptRetryAfter {
				w.WriteString(", honours Retry-After")
			}
			w.WriteString("\n")
		}
		for _, m := range b.Members {
			fmt.Fprintf(&w, "  member %s priority=%s weight=%s\n", m.Backend, optInt(m.Priority), optInt(m.Weight))
		}
	}
	for _, c := range s.Certificates {
		fmt.Fprintf(&w, "\ncertificate %s (%s)%s", c.Name, c.Source, at(c.Pos))
		if c.KeyVault != "" {
			fmt.Fprintf(&w, " %s", c.KeyVault)
		}
		if c.Password != "" {
			fmt.Fprintf(&w, " password %s", c.Password)
		}
		w.WriteString("\n")
	}
	for _, n := range s.NamedValues {
		fmt.Fprintf(&w, "named value %s = %s%s\n", n.Name, n.Value, at(n.Pos))
	}
	for _, a := range s.APIs {
		fmt.Fprintf(&w, "api %s path=/%s serviceUrl=%s operations=%d%s\n", a.Name, a.Path, a.ServiceURL, len(a.Operations), at(a.Pos))
	}
	for _, p := range s.Products {
		fmt.Fprintf(&w, "product %s apis=%v%s\n", p.Name, p.APIs, at(p.Pos))
	}
	for _, p := range append(append([]Policy{}, s.Policies...), s.Fragments...) {
		fmt.Fprintf(&w, "policy %s %s (%d lines)%s\n", p.Scope, p.Owner, p.Lines, at(p.Pos))
	}
	if len(s.Unknown) > 0 {
		fmt.Fprintf(&w, "\nunresolved values (%d):\n", len(s.Unknown))
		for _, u := range s.Unknown {
			fmt.Fprintf(&w, "  %s: %s: %s\n", u.Pos, u.Where, u.Reason)
		}
	}
	if len(s.Issues) > 0 {
		fmt.Fprintf(&w, "\nissues (%d):\n", len(s.Issues))
		for _, is := range s.Issues {
			fmt.Fprintf(&w, "  %s: %s %s\n", is.Pos, is.Code, is.Message)
		}
	}
	if len(s.Skipped) > 0 {
		fmt.Fprintf(&w, "\nnot modelled (%d): %s\n", len(s.Skipped), strings.Join(s.Skipped, ", "))
	}
	return w.String()
}

func at(pos string) string {
	if pos == "" {
		return ""
	}
	return "  [" + pos + "]"
}

func optInt(p *int) string {
	if p == nil {
		return "-"
	}
	return strconv.Itoa(*p)
}
