package policy

import (
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/beevik/etree"
)

// Section is a policy section: where in the request pipeline a statement
// runs. The empty Section is used for fragments, whose statements take the
// section of the policy that includes them.
type Section string

// The four policy sections, in pipeline order.
const (
	Inbound  Section = "inbound"
	Backend  Section = "backend"
	Outbound Section = "outbound"
	OnError  Section = "on-error"
)

// Sections lists the policy sections in pipeline order.
func Sections() []Section { return []Section{Inbound, Backend, Outbound, OnError} }

// Document is a parsed policy document: the etree tree plus a typed tree
// whose every element and attribute carries its source position.
type Document struct {
	// Doc is the document as loaded (scope, owner, text, position).
	Doc *apim.PolicyDoc
	// Tree is the etree document of the policy (decoded values; comments,
	// CDATA and processing instructions kept). Element.Node points into it.
	Tree *etree.Document
	// Root is <policies>, or <fragment> for a policy fragment.
	Root *Element
	// Sections holds the <inbound>, <backend>, <outbound> and <on-error>
	// elements present under <policies> (the first of each; none for a
	// fragment).
	Sections map[Section]*Element
	// Comments are all comments of the document in order (including the
	// apimlab-ignore directives, which are also attached to elements).
	Comments []*Comment
	// size is the number of elements.
	size int
	// Escaped counts characters inside policy expressions that had to be
	// escaped to read the document as XML ('<', '&', quotes). Non-zero
	// means the text is not well-formed XML on its own: Azure accepts it
	// as `rawxml` (and from the portal), a strict XML tool does not.
	Escaped int
}

// IsFragment reports whether the document is a policy fragment.
func (d *Document) IsFragment() bool { return d.Root != nil && d.Root.Name == "fragment" }

// Size returns the number of elements of the parsed document.
func (d *Document) Size() int { return d.size }

// Section returns the element of the given section, or nil.
func (d *Document) Section(s Section) *Element { return d.Sections[s] }

// Walk calls fn for every element of the document in document order; see
// Element.Walk.
func (d *Document) Walk(fn func(*Element) bool) {
	if d.Root != nil {
		d.Root.Walk(fn)
	}
}

// Element is one XML element of a policy with its position.
type Element struct {
	// Name is the element name ("set-header"; "prefix:name" if prefixed).
	Name string
	// Attrs in source order.
	Attrs []*Attr
	// Children are the child elements in order.
	Children []*Element
	// Text is the element's own character data (CDATA included), trimmed;
	// "" when there is none. Text of children is not included.
	Text string
	// TextPos is where Text starts (zero when Text is empty).
	TextPos apim.Position
	// TextExpr is set when Text is a single policy expression.
	TextExpr *Expr
	// Exprs are all policy expressions found in the element's text.
	Exprs []*Expr
	// Pos is the position of the element's '<'.
	Pos apim.Position
	// Parent is nil for the root.
	Parent *Element
	// Section is the policy section the element is in ("" for the root,
	// the section elements themselves and fragment content).
	Section Section
	// Ignore lists the apimlab-ignore directives that apply to the element.
	Ignore []Ignore
	// Node is the etree element this element was read from (nil for
	// elements built by Merge's synthetic sections).
	Node *etree.Element

	// text segments, for positions of named values inside the text.
	segs []segment
}

// Attr is one attribute with its position.
type Attr struct {
	// Name is the attribute name ("prefix:name" if prefixed).
	Name string
	// Value is the decoded value (after Substitute: with named values
	// replaced).
	Value string
	// Source is the value as written in the policy, before named value
	// substitution. Error messages quote Source, never Value, so that a
	// secret named value cannot leak into them.
	Source string
	// Pos is the position of the attribute name.
	Pos apim.Position
	// ValuePos is the position of the first character of the value.
	ValuePos apim.Position
	// Expr is set when the whole (trimmed) value is one policy expression.
	Expr *Expr

	seg segment
}

// Expr is a policy expression.
type Expr struct {
	// Src is the C# source without the @( ) or @{ } delimiters.
	Src string
	// Block is true for a multi-statement @{ … } expression.
	Block bool
	// Pos is the position of the '@'.
	Pos apim.Position
	// Raw is the expression as written, delimiters included (XML entities
	// decoded).
	Raw string
}

// Comment is an XML comment.
type Comment struct {
	// Text is the comment body without <!-- -->.
	Text string
	Pos  apim.Position
}

// Ignore is an apimlab-ignore directive, written as a comment before the
// element it applies to: <!-- apimlab-ignore APIM401,APIM402: reason -->.
type Ignore struct {
	// IDs are the rule IDs the directive silences.
	IDs []string
	// Reason is the text after the colon ("" when missing; lint reports a
	// suppression without a reason).
	Reason string
	// Pos is the position of the comment.
	Pos apim.Position
}

// segment is a run of decoded text with the map back to original offsets.
type segment struct {
	text string
	// orig is the original offset of text[0].
	orig int
	// omap, when not nil, maps each byte of text to its original offset
	// (needed when character references shortened the text).
	omap []int
	pm   *posMapper
}

func (s *segment) offset(i int) int {
	if s.omap != nil {
		if i < len(s.omap) {
			return s.omap[i]
		}
		if len(s.omap) > 0 {
			return s.omap[len(s.omap)-1] + 1
		}
	}
	return s.orig + i
}

func (s *segment) pos(i int, path string) apim.Position {
	if s.pm == nil {
		return apim.Position{}
	}
	return s.pm.pos(s.offset(i), path)
}

// Attr returns the attribute with the given name, or nil. Names match
// exactly: APIM attribute names are case-sensitive.
func (e *Element) Attr(name string) *Attr {
	for _, a := range e.Attrs {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// AttrValue returns the value of the named attribute, or def when absent.
func (e *Element) AttrValue(name, def string) string {
	if a := e.Attr(name); a != nil {
		return a.Value
	}
	return def
}

// Child returns the first child element with the given name, or nil.
func (e *Element) Child(name string) *Element {
	for _, c := range e.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// ChildrenNamed returns the child elements with the given name.
func (e *Element) ChildrenNamed(name string) []*Element {
	var out []*Element
	for _, c := range e.Children {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

// Walk calls fn for e and its descendants in document order. When fn
// returns false the element's children are skipped.
func (e *Element) Walk(fn func(*Element) bool) {
	if !fn(e) {
		return
	}
	for _, c := range e.Children {
		c.Walk(fn)
	}
}

// Path returns the element's XPath-like path ("/policies/inbound/choose/when[2]").
// The index is given when the parent has several children of that name.
func (e *Element) Path() string {
	var parts []string
	for x := e; x != nil; x = x.Parent {
		p := x.Name
		if x.Parent != nil {
			n, idx := 0, 0
			for _, s := range x.Parent.Children {
				if s.Name == x.Name {
					n++
					if s == x {
						idx = n
					}
				}
			}
			if n > 1 {
				p += "[" + itoa(idx) + "]"
			}
		}
		parts = append(parts, p)
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(parts[i])
	}
	return b.String()
}

// Ignored reports whether an apimlab-ignore directive on e or one of its
// ancestors silences rule id.
func (e *Element) Ignored(id string) bool {
	for x := e; x != nil; x = x.Parent {
		for _, ig := range x.Ignore {
			for _, i := range ig.IDs {
				if strings.EqualFold(i, id) {
					return true
				}
			}
		}
	}
	return false
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
