package rules

import (
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/lint"
	"github.com/beevik/etree"
)

// Helpers shared by the policy rules (APIM4xx, APIM5xx): every policy
// document of the service parsed once, the scopes each document runs with,
// and the subjects of findings.

// parsedPolicy is one policy document of the service and its parse.
type parsedPolicy struct {
	// Src is the document as loaded.
	Src *apim.PolicyDoc
	// Doc is the parsed document; nil when it does not parse (Err) or holds
	// no XML (a linked policy, an unresolved value: reported as APIM902).
	Doc *policy.Document
	// Err is the parse error (an *apim.Error with code APIM901).
	Err error

	// marks are the policy-markup elements of Doc in document order (see
	// walk).
	marks []mark
	// uses has bit i set when Doc has an element (markup or not) whose
	// name has id i in the set's nameIDs.
	uses []uint64
}

// mark is one policy-markup element of a parsed document.
type mark struct {
	e *policy.Element
	// name is e.Name, here so that a filter by name does not read e.
	name string
	// end is the index, in the document's marks, after e's markup
	// descendants: where a walk goes on when it does not descend into e.
	end int32
}

// walk calls fn for every element of p that is policy markup, in document
// order: it does not descend into free-form content (XSLT, bodies) or into
// elements with a namespace prefix, nor into an element for which fn
// returns false. It reads the index built with the parse (marks), so the
// rules that each walk every document do not each recurse through it.
// Nothing is visited when p did not parse.
func (p *parsedPolicy) walk(fn func(e *policy.Element) bool) {
	for i := 0; i < len(p.marks); {
		if fn(p.marks[i].e) {
			i++
		} else {
			i = int(p.marks[i].end)
		}
	}
}

// walkNamed is walk calling fn only for the elements named one of names:
// the visits of walk(g) where g is fn for those names and returns true
// for every other element.
func (p *parsedPolicy) walkNamed(names []string, fn func(e *policy.Element) bool) {
	for i := 0; i < len(p.marks); {
		m := &p.marks[i]
		if slices.Contains(names, m.name) && !fn(m.e) {
			i = int(m.end)
		} else {
			i++
		}
	}
}

// policySet is every policy document of a service, parsed.
type policySet struct {
	// All are the documents in Service.Policies order.
	All   []*parsedPolicy
	bySrc map[*apim.PolicyDoc]*parsedPolicy
	// origin maps every element of every parsed document to its document;
	// effective-policy copies keep the etree node, so this finds where a
	// merged statement was written.
	origin map[*etree.Element]*apim.PolicyDoc
	// nameIDs numbers the element names used by any document (the bits
	// of parsedPolicy.uses).
	nameIDs map[string]int
	// fragmentNames holds the element names used by any fragment.
	fragmentNames map[string]bool

	// effs memoises effective policies by chain, shared by the rules.
	mu   sync.Mutex
	effs map[chainKey]*policy.Effective
}

// Parsed returns the parse of a document of the set, or nil (no document,
// or one that does not parse).
func (s *policySet) Parsed(d *apim.PolicyDoc) *policy.Document {
	if d == nil {
		return nil
	}
	if p := s.bySrc[d]; p != nil {
		return p.Doc
	}
	return nil
}

// fragmentFunc looks fragments up by id among the parsed documents, for
// policy.Merge.
func (s *policySet) fragmentFunc(svc *apim.Service) policy.FragmentFunc {
	return func(id string) (*policy.Document, bool) {
		f := svc.Fragment(id)
		if f == nil {
			return nil, false
		}
		d := s.Parsed(f.Policy)
		return d, d != nil
	}
}

// policySetKey keys the parsed policies in a lint run's memo.
type policySetKey struct{}

// servicePolicies returns the parsed policy documents of the pass's
// service, parsed once per lint run (Pass.Memo) and shared read-only by
// every policy rule.
func servicePolicies(pass *lint.Pass) *policySet {
	return pass.Memo(policySetKey{}, func() any { return parsePolicies(pass.Service.Policies()) }).(*policySet)
}

func parsePolicies(docs []*apim.PolicyDoc) *policySet {
	s := &policySet{
		bySrc:         make(map[*apim.PolicyDoc]*parsedPolicy, len(docs)),
		nameIDs:       map[string]int{},
		fragmentNames: map[string]bool{},
	}
	// Parse on every core (policy.Parse is the costly part and documents
	// are independent), then index in document order.
	parsed := make([]*parsedPolicy, len(docs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), len(docs))) {
		wg.Go(func() {
			for i := range next {
				d := docs[i]
				p := &parsedPolicy{Src: d}
				if hasPolicyText(d) {
					p.Doc, p.Err = policy.Parse(d)
				}
				parsed[i] = p
			}
		})
	}
	for i, d := range docs {
		if d != nil {
			next <- i
		}
	}
	close(next)
	wg.Wait()
	// The marks of every document share one array, cut per document at
	// the end (the documents' sizes bound its length).
	size := 0
	for _, p := range parsed {
		if p != nil && p.Doc != nil {
			size += p.Doc.Size()
		}
	}
	marks := make([]mark, 0, size)
	s.origin = make(map[*etree.Element]*apim.PolicyDoc, size)
	ends := make([]int, 0, len(docs))
	for i, d := range docs {
		p := parsed[i]
		if d == nil || s.bySrc[d] != nil {
			continue
		}
		if p.Doc != nil && p.Doc.Root != nil {
			marks = s.index(p, marks, len(marks), p.Doc.Root, true)
		}
		ends = append(ends, len(marks))
		s.All = append(s.All, p)
		s.bySrc[d] = p
	}
	start := 0
	for i, p := range s.All {
		p.marks = marks[start:ends[i]:ends[i]]
		start = ends[i]
	}
	return s
}

// index records e and its descendants, elements of document p: their
// origin, the names p uses, and (when markup, as walk decides) the marks
// of p, whose first is at start in marks.
func (s *policySet) index(p *parsedPolicy, marks []mark, start int, e *policy.Element, markup bool) []mark {
	id, ok := s.nameIDs[e.Name]
	if !ok {
		id = len(s.nameIDs)
		s.nameIDs[e.Name] = id
	}
	for len(p.uses) <= id/64 {
		p.uses = append(p.uses, 0)
	}
	p.uses[id/64] |= 1 << (id % 64)
	if e.Node != nil {
		s.origin[e.Node] = p.Src
	}
	if p.Src.Scope == apim.ScopeFragment {
		s.fragmentNames[e.Name] = true
	}
	markup = markup && strings.IndexByte(e.Name, ':') < 0
	i := len(marks)
	if markup {
		marks = append(marks, mark{e: e, name: e.Name})
	}
	for _, c := range e.Children {
		marks = s.index(p, marks, start, c, markup && !isFreeForm(e.Name))
	}
	if markup {
		marks[i].end = int32(len(marks) - start)
	}
	return marks
}

// policySubject is the finding subject for a policy document.
func policySubject(d *apim.PolicyDoc) lint.Subject {
	if d.Scope == apim.ScopeFragment {
		return lint.Subject{Kind: "fragment", Name: d.Owner}
	}
	name := d.Owner
	if name == "" {
		name = string(d.Scope)
	}
	return lint.Subject{Kind: "policy", Name: name}
}

// scopeChain is the documents whose statements run together for one
// request, outermost first: global → product → API → operation. Nil
// entries are scopes without a policy.
type scopeChain struct {
	// Label names the chain in messages ("api orders, operation get").
	Label  string
	Layers []*apim.PolicyDoc
	// API is the API the chain runs for; nil for a standalone policy file.
	API *apim.API
	// Op is the operation the chain runs for; nil when unknown (an API
	// without operations, a standalone policy file).
	Op *apim.Operation
}

// scopeChainsKey keys the scope chains in a lint run's memo.
type scopeChainsKey struct{}

// serviceChains returns scopeChains of the pass's service, built once per
// lint run for the rules that merge scopes (issue 16: a list per rule was
// 4 MB at 4,000 APIs). Read-only: slices.Clip it before appending.
func serviceChains(pass *lint.Pass) []scopeChain {
	return pass.Memo(scopeChainsKey{}, func() any { return scopeChains(pass.Service) }).([]scopeChain)
}

// scopeChains returns every chain of scopes of the service: one per
// operation (or per API without operations) and product of its API (or
// none). A standalone policy file is a chain of its own, after the global
// policy when the service has one.
func scopeChains(svc *apim.Service) []scopeChain {
	var out []scopeChain
	for _, a := range svc.APIs {
		products := []*apim.Product{nil}
		for _, name := range a.Products {
			if p := svc.Product(name); p != nil && p.Policy != nil {
				products = append(products, p)
			}
		}
		ops := a.Operations
		if len(ops) == 0 {
			ops = []*apim.Operation{nil}
		}
		for _, p := range products {
			for _, o := range ops {
				c := scopeChain{Label: "api " + a.Name, Layers: []*apim.PolicyDoc{svc.Policy}, API: a}
				if p != nil {
					c.Label = "product " + p.Name + ", " + c.Label
					c.Layers = append(c.Layers, p.Policy)
				}
				c.Layers = append(c.Layers, a.Policy)
				if o != nil {
					c.Op = o
					c.Label += ", operation " + o.Name
					c.Layers = append(c.Layers, o.Policy)
				}
				out = append(out, c)
			}
		}
	}
	for _, d := range svc.Standalone {
		out = append(out, scopeChain{Label: d.Owner, Layers: []*apim.PolicyDoc{svc.Policy, d}})
	}
	return out
}

// chainUses reports whether a document of the chain, or any fragment,
// uses one of the element names: a cheap test before merging.
func (s *policySet) chainUses(c scopeChain, names ...string) bool {
	for _, n := range names {
		if s.fragmentNames[n] {
			return true
		}
		id, ok := s.nameIDs[n]
		if !ok {
			continue
		}
		for _, l := range c.Layers {
			if p := s.bySrc[l]; p != nil && id/64 < len(p.uses) && p.uses[id/64]&(1<<(id%64)) != 0 {
				return true
			}
		}
	}
	return false
}

// chainKey identifies a chain by its parsed layers (at most four scopes).
type chainKey [4]*policy.Document

// effective merges a chain of scopes into the policy that runs. The
// returned map tells where each merged statement was written (its etree
// node is shared with the original). ok is false when no layer parsed.
// Results are memoised: the effective trees are shared and read-only.
func (s *policySet) effective(svc *apim.Service, c scopeChain) (eff *policy.Effective, origin map[*etree.Element]*apim.PolicyDoc, ok bool) {
	var layers []*policy.Document
	var key chainKey
	for _, l := range c.Layers {
		if d := s.Parsed(l); d != nil {
			if len(layers) < len(key) {
				key[len(layers)] = d
			}
			layers = append(layers, d)
		}
	}
	if len(layers) == 0 {
		return nil, nil, false
	}
	memo := len(layers) <= len(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.effs[key]; memo && e != nil {
		return e, s.origin, true
	}
	// Merge errors (unknown fragment, cycles) are not ours to report: the
	// effective policy is still built with the include kept.
	eff, _ = policy.Merge(s.fragmentFunc(svc), layers...)
	if memo {
		if s.effs == nil {
			s.effs = map[chainKey]*policy.Effective{}
		}
		s.effs[key] = eff
	}
	return eff, s.origin, true
}

// literalValue reports whether an attribute holds a plain literal: not a
// policy expression, a {{named value}} or a deploy-time placeholder.
func literalValue(a *policy.Attr) bool {
	return a != nil && a.Kind() == policy.Literal
}

// isFreeForm reports whether name is an element whose content is not
// policy statements (XSLT, bodies, payloads); rules do not look inside.
func isFreeForm(name string) bool {
	switch name {
	case "xsl-transform", "set-body", "payload", "message", "value", "sql-statement":
		return true
	}
	return false
}

// walkServicePolicies calls fn for every policy-markup element (walk) of
// every parsed policy document of the pass's service, or only for those
// named one of names (walkNamed) when names is not nil, with the document
// and the subject of its findings. Documents that do not parse are skipped
// (APIM901 reports them).
func walkServicePolicies(pass *lint.Pass, names []string, fn func(src *apim.PolicyDoc, subj lint.Subject, e *policy.Element) bool) {
	for _, p := range servicePolicies(pass).All {
		if p.Doc == nil {
			continue
		}
		src, subj := p.Src, policySubject(p.Src)
		visit := func(e *policy.Element) bool { return fn(src, subj, e) }
		if names != nil {
			p.walkNamed(names, visit)
		} else {
			p.walk(visit)
		}
	}
}

// describeDoc names a policy document in messages: "the global policy",
// `the API "orders" policy`, `fragment "auth"`.
func describeDoc(d *apim.PolicyDoc) string {
	switch d.Scope {
	case apim.ScopeGlobal:
		return "the global policy"
	case apim.ScopeProduct:
		return `the product "` + d.Owner + `" policy`
	case apim.ScopeAPI:
		return `the API "` + d.Owner + `" policy`
	case apim.ScopeOperation:
		return `the operation "` + d.Owner + `" policy`
	case apim.ScopeFragment:
		return `fragment "` + d.Owner + `"`
	}
	return `policy "` + d.Owner + `"`
}

// lineOf formats where a second place is, inside a message that already
// names its document: "line 12" (or "" when the position has no line).
func lineOf(p apim.Position) string {
	if !p.IsValid() {
		return "an unknown line"
	}
	return "line " + strconv.Itoa(p.Line)
}

// hasPolicyText reports whether d is a document to parse. A linked policy
// (format *-link) and a JSON value without text (unresolved, reported as
// APIM902) are not; a policy file is, even when empty, since Azure
// rejects an empty policy and the parser says so (APIM901).
func hasPolicyText(d *apim.PolicyDoc) bool {
	if strings.HasSuffix(strings.ToLower(d.Format), "-link") {
		return false
	}
	return !d.Embedded || strings.TrimSpace(d.XML) != ""
}
