package policy

import (
	"errors"
	"strings"

	"github.com/apimlab/apimlab/apim"
)

// maxFragmentDepth bounds include-fragment nesting (cycles are reported
// separately; this guards against pathological but acyclic nesting).
const maxFragmentDepth = 32

// maxEffectiveElements bounds the size of an effective policy: fragments
// included several times at several levels grow it exponentially.
const maxEffectiveElements = 100_000

// FragmentFunc returns the parsed policy fragment with the given id (its
// root is <fragment>), or false when there is none.
type FragmentFunc func(id string) (*Document, bool)

// Effective is the policy that runs for one operation: the scopes merged at
// their <base/> elements and the fragments expanded. Its elements are
// copies; they keep the positions of the documents they came from, so an
// error names the file the user must edit.
type Effective struct {
	// Root is a synthetic <policies> element (no position).
	Root *Element
	// Sections holds a synthetic element per section whose Children are
	// the statements that run in that section, in order. Every section is
	// present, possibly empty.
	Sections map[Section]*Element
	// Layers are the documents merged, outermost first (nil layers
	// omitted).
	Layers []*Document
}

// Section returns the statements of a section, in execution order.
func (e *Effective) Section(s Section) []*Element {
	if sec := e.Sections[s]; sec != nil {
		return sec.Children
	}
	return nil
}

// Walk calls fn for every element of the effective policy.
func (e *Effective) Walk(fn func(*Element) bool) { e.Root.Walk(fn) }

// Merge builds the effective policy of the layers given outermost first:
// global → product → API → operation. APIM semantics:
//
//   - In each section, a <base/> element is replaced by the effective
//     content of that section in the enclosing scopes; the global scope's
//     <base/> is empty.
//   - A section without <base/> discards what the enclosing scopes had.
//   - A nil layer (a scope without a policy) and a section absent from a
//     layer inherit the enclosing content unchanged: APIM stores a missing
//     section as <section><base /></section>. (Our choice where Azure's
//     documentation is silent; see docs/semantics.md.)
//   - <include-fragment fragment-id="x"/> is replaced by the children of
//     fragment x's <fragment> root, recursively; an unknown id or a cycle
//     is an error at the include's position and the include is kept.
//
// fragments may be nil, in which case include-fragment elements are kept
// as they are. The returned error joins every problem found (each an
// *apim.Error); the Effective is returned even then.
func Merge(fragments FragmentFunc, layers ...*Document) (*Effective, error) {
	eff := &Effective{
		Root:     &Element{Name: "policies"},
		Sections: make(map[Section]*Element, 4),
	}
	for _, l := range layers {
		if l != nil {
			eff.Layers = append(eff.Layers, l)
		}
	}
	m := merger{fragments: fragments}
	for _, s := range Sections() {
		var content []*Element
		secEl := &Element{Name: string(s), Parent: eff.Root}
		for _, l := range eff.Layers {
			sec := l.Sections[s]
			if sec == nil {
				continue
			}
			secEl.Pos = sec.Pos
			content = m.replaceBase(sec.Children, content, s)
		}
		for _, c := range content {
			c.Parent = secEl
		}
		secEl.Children = m.expand(content, secEl, s, nil)
		eff.Root.Children = append(eff.Root.Children, secEl)
		eff.Sections[s] = secEl
	}
	return eff, errors.Join(m.errs...)
}

// ExpandFragments returns a copy of elems with include-fragment elements
// replaced by fragment content (see Merge). parent becomes the copies'
// Parent and s their Section.
func ExpandFragments(elems []*Element, parent *Element, s Section, fragments FragmentFunc) ([]*Element, error) {
	m := merger{fragments: fragments}
	copies := make([]*Element, len(elems))
	for i, e := range elems {
		copies[i] = cloneElement(e, parent, s)
	}
	out := m.expand(copies, parent, s, nil)
	return out, errors.Join(m.errs...)
}

type merger struct {
	fragments FragmentFunc
	errs      []error
	// copied counts elements copied from fragments, against
	// maxEffectiveElements.
	copied int
	// tooBig is set once the budget is exhausted (reported once).
	tooBig bool
}

// replaceBase copies children, replacing each direct <base/> with copies of
// inherited.
func (m *merger) replaceBase(children, inherited []*Element, s Section) []*Element {
	var out []*Element
	for _, c := range children {
		if c.Name == "base" {
			for _, x := range inherited {
				out = append(out, cloneElement(x, nil, s))
			}
			continue
		}
		out = append(out, cloneElement(c, nil, s))
	}
	return out
}

// expand replaces include-fragment elements (at any depth) in elems, which
// are already copies owned by the effective tree.
func (m *merger) expand(elems []*Element, parent *Element, s Section, stack []string) []*Element {
	var out []*Element
	for _, e := range elems {
		if e.Name != "include-fragment" || m.fragments == nil {
			e.Parent = parent
			e.Children = m.expand(e.Children, e, s, stack)
			out = append(out, e)
			continue
		}
		out = append(out, m.include(e, parent, s, stack)...)
	}
	return out
}

func (m *merger) include(inc, parent *Element, s Section, stack []string) []*Element {
	keep := func(format string, args ...any) []*Element {
		m.errs = append(m.errs, apim.Errorf(inc.Pos, CodeMalformed, format, args...))
		inc.Parent = parent
		return []*Element{inc}
	}
	a := inc.Attr("fragment-id")
	if a == nil || strings.TrimSpace(a.Value) == "" {
		return keep("include-fragment without fragment-id")
	}
	id := strings.TrimSpace(a.Value)
	for i, x := range stack {
		if strings.EqualFold(x, id) {
			cycle := append(append([]string{}, stack[i:]...), id)
			return keep("include-fragment cycle: %s", strings.Join(cycle, " → "))
		}
	}
	if len(stack) >= maxFragmentDepth {
		return keep("include-fragment %q nested deeper than %d fragments", id, maxFragmentDepth)
	}
	frag, ok := m.fragments(id)
	if !ok || frag == nil || frag.Root == nil {
		return keep("include-fragment: no policy fragment %q", id)
	}
	if !frag.IsFragment() {
		return keep("include-fragment: %q is not a fragment (its root is <%s>, want <fragment>)", id, frag.Root.Name)
	}
	if m.copied += frag.size; m.copied > maxEffectiveElements {
		if m.tooBig {
			inc.Parent = parent
			return []*Element{inc}
		}
		m.tooBig = true
		return keep("include-fragment %q: effective policy exceeds %d elements", id, maxEffectiveElements)
	}
	copies := make([]*Element, len(frag.Root.Children))
	for i, c := range frag.Root.Children {
		copies[i] = cloneElement(c, parent, s)
	}
	return m.expand(copies, parent, s, append(stack, id))
}

// cloneElement deep-copies e (attributes included) for an effective tree.
// Positions and the etree Node still refer to the original document; Parent
// and Section are set for the new tree.
func cloneElement(e *Element, parent *Element, s Section) *Element {
	c := *e
	c.Parent = parent
	c.Section = s
	c.Attrs = make([]*Attr, len(e.Attrs))
	for i, a := range e.Attrs {
		ac := *a
		c.Attrs[i] = &ac
	}
	c.Ignore = append([]Ignore(nil), e.Ignore...)
	c.Children = make([]*Element, len(e.Children))
	for i, ch := range e.Children {
		c.Children[i] = cloneElement(ch, &c, s)
	}
	return &c
}
