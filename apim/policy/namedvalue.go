package policy

import (
	"errors"
	"strings"

	"github.com/apimlab/apimlab/apim"
)

// Ref is a {{named value}} reference in a piece of text.
type Ref struct {
	// Name is the named value's name (the text between the braces).
	Name string
	// Offset and Len locate "{{name}}" in the text searched, in bytes.
	Offset, Len int
}

// DocRef is a named value reference in a policy document.
type DocRef struct {
	Ref
	// Pos is the position of the opening "{{".
	Pos apim.Position
	// Element is the element whose attribute or text holds the reference.
	Element *Element
	// Attr is the attribute holding it, or nil when it is in the text.
	Attr *Attr
}

// ErrUnknownNamedValue is returned (wrapped, with the position) by
// Substitute for a reference the lookup does not know.
var ErrUnknownNamedValue = errors.New("unknown named value")

// isNameByte reports whether c may appear in a named value name. Azure
// allows letters, digits, '.', '-' and '_' in names.
func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_'
}

// NamedValueRefs finds the {{name}} references in text, in order.
func NamedValueRefs(text string) []Ref {
	var out []Ref
	for i := 0; i+4 < len(text); {
		k := strings.Index(text[i:], "{{")
		if k < 0 {
			break
		}
		start := i + k
		j := start + 2
		for j < len(text) && isNameByte(text[j]) {
			j++
		}
		if j > start+2 && j+1 < len(text) && text[j] == '}' && text[j+1] == '}' {
			out = append(out, Ref{Name: text[start+2 : j], Offset: start, Len: j + 2 - start})
			i = j + 2
			continue
		}
		i = start + 1
	}
	return out
}

// NamedValueRefs returns every {{name}} reference in the document's
// attribute values and element text, with positions, in document order.
func (d *Document) NamedValueRefs() []DocRef {
	var out []DocRef
	d.Walk(func(e *Element) bool {
		out = append(out, e.namedValueRefs()...)
		return true
	})
	return out
}

func (e *Element) namedValueRefs() []DocRef {
	var out []DocRef
	for _, a := range e.Attrs {
		for _, r := range NamedValueRefs(a.Source) {
			out = append(out, DocRef{Ref: r, Pos: a.seg.pos(r.Offset, a.Pos.Path), Element: e, Attr: a})
		}
	}
	for i := range e.segs {
		s := &e.segs[i]
		for _, r := range NamedValueRefs(s.text) {
			out = append(out, DocRef{Ref: r, Pos: s.pos(r.Offset, e.TextPos.Path), Element: e})
		}
	}
	return out
}

// Substitute replaces every {{name}} reference in attribute values and
// element text with lookup(name), as the gateway does before it evaluates
// policy expressions, and re-detects expressions in the new values (a named
// value may hold an expression). The etree nodes are updated too. Source
// keeps the text as written.
//
// References lookup does not know are left in place and reported, each as
// an *apim.Error naming the reference's position and name; the error never
// contains a substituted value, so secrets cannot leak through it.
func Substitute(doc *Document, lookup func(name string) (string, bool)) error {
	var errs []error
	doc.Walk(func(e *Element) bool {
		for _, a := range e.Attrs {
			refs := NamedValueRefs(a.Value)
			if len(refs) == 0 {
				continue
			}
			v, missing := replaceRefs(a.Value, refs, lookup)
			if !InLiquidTemplate(e) {
				for _, r := range missing {
					errs = append(errs, unknownRef(r, a.seg.pos(r.Offset, a.Pos.Path)))
				}
			}
			a.Value = v
			if a.Expr = wholeExpr(v, &segment{}); a.Expr != nil {
				a.Expr.Pos = a.ValuePos
			}
			if e.Node != nil {
				if na := e.Node.SelectAttr(a.Name); na != nil {
					na.Value = v
				}
			}
		}
		errs = append(errs, substituteText(e, lookup)...)
		return true
	})
	return errors.Join(errs...)
}

func substituteText(e *Element, lookup func(string) (string, bool)) []error {
	var errs []error
	changed := false
	for i := range e.segs {
		s := &e.segs[i]
		refs := NamedValueRefs(s.text)
		if len(refs) == 0 {
			continue
		}
		v, missing := replaceRefs(s.text, refs, lookup)
		if !InLiquidTemplate(e) {
			for _, r := range missing {
				errs = append(errs, unknownRef(r, s.pos(r.Offset, e.TextPos.Path)))
			}
		}
		if v != s.text {
			// Positions inside the new text no longer map to the source;
			// keep the segment's start so messages point at the text.
			s.text, s.omap = v, nil
			changed = true
		}
	}
	if !changed {
		return errs
	}
	pos := e.TextPos
	e.Exprs, e.TextExpr, e.TextPos = nil, nil, apim.Position{}
	finishText(e)
	e.TextPos = pos
	for _, x := range e.Exprs {
		x.Pos = pos
	}
	if e.Node != nil {
		e.Node.SetText(e.Text)
	}
	return errs
}

// replaceRefs substitutes known refs and returns the unknown ones.
// InLiquidTemplate reports whether e is a <set-body template="liquid">
// or inside one (the element content of Learn's "Convert JSON to SOAP
// using a Liquid template" example). There {{body.x}} is a Liquid output,
// not a named value: Substitute replaces a {{name}} that names a named
// value and leaves the others to Liquid instead of reporting them.
func InLiquidTemplate(e *Element) bool {
	for ; e != nil; e = e.Parent {
		if e.Name == "set-body" && strings.EqualFold(strings.TrimSpace(e.AttrValue("template", "")), "liquid") {
			return true
		}
	}
	return false
}

func replaceRefs(s string, refs []Ref, lookup func(string) (string, bool)) (string, []Ref) {
	var b strings.Builder
	var missing []Ref
	last := 0
	for _, r := range refs {
		v, ok := lookup(r.Name)
		if !ok {
			missing = append(missing, r)
			continue
		}
		b.WriteString(s[last:r.Offset])
		b.WriteString(v)
		last = r.Offset + r.Len
	}
	b.WriteString(s[last:])
	return b.String(), missing
}

func unknownRef(r Ref, pos apim.Position) error {
	return apim.Errorf(pos, apim.Unresolved, "named value %q is not defined (%v)", r.Name, ErrUnknownNamedValue)
}
