package policyexpr

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// System.Xml.Linq basics: XDocument/XElement parsing, navigation (Root,
// Elements, Element, Descendants, Attribute, Attributes, Parent), Name
// (LocalName, NamespaceName), Value and ToString().

var errXML = errors.New("XmlException")

// xElem is an XElement.
type xElem struct {
	space, local string
	attrs        []*xAttr
	nodes        []any // *xElem or xText
	parent       *xElem
}

// xText is a text node.
type xText string

// xAttr is an XAttribute.
type xAttr struct{ space, local, value string }

// xDoc is an XDocument.
type xDoc struct{ root *xElem }

// xName is an XName.
type xName struct{ space, local string }

func (n xName) String() string {
	if n.space == "" {
		return n.local
	}
	return "{" + n.space + "}" + n.local
}

func (a *xAttr) String() string { return a.local + "=\"" + xmlEscape(a.value, true) + "\"" }

// parseXName splits "{namespace}local".
func parseXName(s string) xName {
	if strings.HasPrefix(s, "{") {
		if i := strings.IndexByte(s, '}'); i > 0 {
			return xName{s[1:i], s[i+1:]}
		}
	}
	return xName{"", s}
}

func (e *xElem) is(n xName) bool { return e.local == n.local && e.space == n.space }

// parseXML parses a document; the root element is returned.
func parseXML(s string) (*xElem, error) {
	d := xml.NewDecoder(strings.NewReader(s))
	var root, cur *xElem
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errXML, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > 256 {
				return nil, fmt.Errorf("%w: document nested too deeply", errXML)
			}
			e := &xElem{space: t.Name.Space, local: t.Name.Local, parent: cur}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
					continue
				}
				e.attrs = append(e.attrs, &xAttr{a.Name.Space, a.Name.Local, a.Value})
			}
			if cur == nil {
				if root != nil {
					return nil, fmt.Errorf("%w: There are multiple root elements", errXML)
				}
				root = e
			} else {
				cur.nodes = append(cur.nodes, e)
			}
			cur = e
		case xml.EndElement:
			depth--
			cur = cur.parent
		case xml.CharData:
			if cur != nil {
				cur.nodes = append(cur.nodes, xText(string(t)))
			} else if strings.TrimSpace(string(t)) != "" {
				return nil, fmt.Errorf("%w: Data at the root level is invalid", errXML)
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("%w: Root element is missing", errXML)
	}
	return root, nil
}

// value is XElement.Value: the concatenated text of all descendants.
func (e *xElem) value() string {
	var b strings.Builder
	var walk func(*xElem)
	walk = func(x *xElem) {
		for _, n := range x.nodes {
			switch c := n.(type) {
			case xText:
				b.WriteString(string(c))
			case *xElem:
				walk(c)
			}
		}
	}
	walk(e)
	return b.String()
}

func (e *xElem) elements(filter *xName) []any {
	out := []any{}
	for _, n := range e.nodes {
		if c, ok := n.(*xElem); ok && (filter == nil || c.is(*filter)) {
			out = append(out, c)
		}
	}
	return out
}

func (e *xElem) descendants(filter *xName) []any {
	out := []any{}
	var walk func(*xElem)
	walk = func(x *xElem) {
		for _, n := range x.nodes {
			if c, ok := n.(*xElem); ok {
				if filter == nil || c.is(*filter) {
					out = append(out, c)
				}
				walk(c)
			}
		}
	}
	walk(e)
	return out
}

// String is XElement.ToString(): elements whose children are all elements
// are indented by two spaces, as LINQ to XML's default SaveOptions do.
func (e *xElem) String() string {
	var b strings.Builder
	e.write(&b, 0)
	return b.String()
}

func (d *xDoc) String() string { return d.root.String() }

func (e *xElem) write(b *strings.Builder, depth int) {
	b.WriteString("<" + e.local)
	if e.space != "" && (e.parent == nil || e.parent.space != e.space) {
		b.WriteString(` xmlns="` + xmlEscape(e.space, true) + `"`)
	}
	for _, a := range e.attrs {
		b.WriteString(" " + a.String())
	}
	if len(e.nodes) == 0 {
		b.WriteString(" />")
		return
	}
	b.WriteString(">")
	onlyElems := true
	for _, n := range e.nodes {
		if t, ok := n.(xText); ok && strings.TrimSpace(string(t)) != "" {
			onlyElems = false
		}
	}
	for _, n := range e.nodes {
		switch c := n.(type) {
		case xText:
			if !onlyElems {
				b.WriteString(xmlEscape(string(c), false))
			}
		case *xElem:
			if onlyElems {
				b.WriteString("\n" + strings.Repeat("  ", depth+1))
			}
			c.write(b, depth+1)
		}
	}
	if onlyElems {
		b.WriteString("\n" + strings.Repeat("  ", depth))
	}
	b.WriteString("</" + e.local + ">")
}

func xmlEscape(s string, attr bool) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	if attr {
		r = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	}
	return r.Replace(s)
}

func xnameArg(args []any, i int) (*xName, error) {
	switch v := argAt(args, i).(type) {
	case nil:
		return nil, nil
	case string:
		n := parseXName(v)
		return &n, nil
	case xName:
		return &v, nil
	}
	return nil, castError(argAt(args, i), "System.Xml.Linq.XName")
}

// xmlMember reads a property of an XDocument, XElement, XAttribute or XName.
func xmlMember(v any, name string) (any, bool) {
	switch x := v.(type) {
	case *xDoc:
		if name == "Root" {
			return x.root, true
		}
	case *xElem:
		switch name {
		case "Name":
			return xName{x.space, x.local}, true
		case "Value":
			return x.value(), true
		case "Parent":
			if x.parent == nil {
				return nil, true
			}
			return x.parent, true
		case "HasElements":
			return len(x.elements(nil)) > 0, true
		case "HasAttributes":
			return len(x.attrs) > 0, true
		case "IsEmpty":
			return len(x.nodes) == 0, true
		}
	case *xAttr:
		switch name {
		case "Name":
			return xName{x.space, x.local}, true
		case "Value":
			return x.value, true
		}
	case xName:
		switch name {
		case "LocalName":
			return x.local, true
		case "NamespaceName":
			return x.space, true
		}
	}
	return nil, false
}

// xmlMethod calls a method of an XDocument or XElement.
func xmlMethod(v any, name string, args []any) (any, bool, error) {
	var e *xElem
	switch x := v.(type) {
	case *xDoc:
		if name == "Descendants" || name == "Elements" || name == "Element" {
			// XDocument's children are its root element.
			e = &xElem{nodes: []any{x.root}}
		} else {
			e = x.root
		}
	case *xElem:
		e = x
	default:
		return nil, false, nil
	}
	filter, err := xnameArg(args, 0)
	if err != nil {
		return nil, true, err
	}
	switch name {
	case "Descendants":
		return e.descendants(filter), true, nil
	case "Elements":
		return e.elements(filter), true, nil
	case "Element":
		if filter == nil {
			return nil, true, fmt.Errorf("%w: Element(null)", errArgument)
		}
		if els := e.elements(filter); len(els) > 0 {
			return els[0], true, nil
		}
		return nil, true, nil
	case "Attribute":
		if filter == nil {
			return nil, true, fmt.Errorf("%w: Attribute(null)", errArgument)
		}
		for _, a := range e.attrs {
			if a.local == filter.local && a.space == filter.space {
				return a, true, nil
			}
		}
		return nil, true, nil
	case "Attributes":
		out := []any{}
		for _, a := range e.attrs {
			if filter == nil || a.local == filter.local && a.space == filter.space {
				out = append(out, a)
			}
		}
		return out, true, nil
	case "ToString":
		return e.String(), true, nil
	}
	return nil, false, nil
}
