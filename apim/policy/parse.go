package policy

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/apimlab/apimlab/apim"
	"github.com/beevik/etree"
)

// CodeMalformed is the problem code of policy XML that cannot be read.
const CodeMalformed = apim.Malformed

// maxDepth is the deepest element nesting accepted (etree's default).
const maxDepth = 1024

// ParseFile reads and parses a policy XML file (a <policies> document or a
// <fragment>). Positions name the file; the PolicyDoc's Scope is
// ScopeFragment for a fragment and ScopeAPI otherwise (a file does not say
// which scope it is for; the loader that knows sets it).
func ParseFile(path string) (*Document, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		ae := apim.Errorf(apim.Position{File: path}, CodeMalformed, "read policy: %v", err)
		ae.Kind = apim.IssueUnreadable
		return nil, ae
	}
	d, err := Parse(&apim.PolicyDoc{
		Scope:  apim.ScopeAPI,
		Format: "rawxml",
		XML:    string(data),
		Pos:    apim.Position{File: path, Line: 1, Col: 1},
	})
	if err == nil && d.IsFragment() {
		d.Doc.Scope = apim.ScopeFragment
	}
	return d, err
}

// Parse parses a policy document into a Document.
//
// Policy XML as APIM accepts it is not always well-formed XML: policy
// expressions may contain unescaped quotes, '<' and '&'
// (condition="@("a".Equals(x) && y < 3)"). Parse finds every @(…) and @{…}
// expression in attribute values and text, balancing parentheses or braces
// while skipping C# string, verbatim string, interpolated string and char
// literals, and escapes what XML forbids inside them before handing the
// text to etree. A byte-offset map keeps every position pointing at the
// original text.
//
// Errors are *apim.Error with code APIM901 and the position of the problem.
func Parse(doc *apim.PolicyDoc) (*Document, error) {
	if doc == nil {
		return nil, apim.Errorf(apim.Position{}, CodeMalformed, "no policy document")
	}
	pm := newPosMapper(doc)
	pp := preprocess([]byte(doc.XML))
	tree := etree.NewDocument()
	b := &builder{doc: doc, pm: pm, pp: pp, pending: map[*Element][]Ignore{}, tree: tree}
	if err := b.tokens(); err != nil {
		return nil, err
	}
	d := &Document{
		Doc:      doc,
		Tree:     tree,
		Root:     b.root,
		Sections: map[Section]*Element{},
		Comments: b.comments,
		Escaped:  pp.escapes,
		size:     b.size,
	}
	d.assignSections()
	if !doc.Embedded && d.Root != nil {
		setPaths(d.Root, "/"+d.Root.Name)
	}
	return d, nil
}

// builder turns the token stream of the preprocessed text into Elements.
type builder struct {
	doc      *apim.PolicyDoc
	pm       *posMapper
	pp       *preprocessed
	root     *Element
	stack    []*Element
	size     int        // elements so far
	spans    []attrSpan // scanAttrSpans's buffer, reused per start tag
	comments []*Comment
	// pending holds ignore directives waiting for the next sibling element
	// (key nil: before the root).
	pending map[*Element][]Ignore
	// tree is the etree document built from the same tokens, so that the
	// text is decoded once and Element.Node needs no matching up.
	tree *etree.Document
}

// node returns the etree node new tokens go into.
func (b *builder) node() *etree.Element {
	if e := b.top(); e != nil {
		return e.Node
	}
	return &b.tree.Element
}

func (b *builder) errAt(off int, format string, args ...any) error {
	return apim.Errorf(b.pm.pos(b.pp.origOffset(off), ""), CodeMalformed, format, args...)
}

func (b *builder) top() *Element {
	if len(b.stack) == 0 {
		return nil
	}
	return b.stack[len(b.stack)-1]
}

// entityText matches the entity text encoding/xml quotes in its error.
var entityText = regexp.MustCompile(`invalid character entity &\S*`)

func (b *builder) tokens() error {
	dec := xml.NewDecoder(bytes.NewReader(b.pp.buf))
	dec.Strict = true
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	for {
		off := int(dec.InputOffset())
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			msg := err.Error()
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				msg = se.Msg
			}
			// encoding/xml quotes the text after a stray & ("invalid
			// character entity &-777 (no semicolon)"), which is often
			// the rest of a password: the position says where it is.
			msg = entityText.ReplaceAllString(msg, "invalid character entity")
			return b.errAt(int(dec.InputOffset()), "malformed policy XML: %s", msg)
		}
		end := int(dec.InputOffset())
		switch t := tok.(type) {
		case xml.StartElement:
			if err := b.start(t, off); err != nil {
				return err
			}
		case xml.EndElement:
			if err := b.end(t, off); err != nil {
				return err
			}
		case xml.CharData:
			if err := b.text(t, off, end); err != nil {
				return err
			}
		case xml.Comment:
			b.node().CreateComment(string(t))
			b.comment(string(t), off)
		case xml.ProcInst:
			b.node().CreateProcInst(t.Target, string(t.Inst))
		case xml.Directive:
			b.node().CreateDirective(string(t))
		}
	}
	if e := b.top(); e != nil {
		return apim.Errorf(e.Pos, CodeMalformed, "element <%s> is never closed", e.Name)
	}
	if b.root == nil {
		return b.errAt(0, "empty policy document: no root element")
	}
	if igs := b.pending[nil]; len(igs) > 0 {
		b.root.Ignore = append(b.root.Ignore, igs...)
	}
	return nil
}

func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

func (b *builder) start(t xml.StartElement, off int) error {
	parent := b.top()
	if parent == nil && b.root != nil {
		return b.errAt(off, "second root element <%s>: a policy has one root", qname(t.Name))
	}
	if len(b.stack) >= maxDepth {
		return b.errAt(off, "elements nested deeper than %d", maxDepth)
	}
	e := &Element{Name: qname(t.Name), Parent: parent}
	e.Pos = b.pm.pos(b.pp.origOffset(off), "")
	e.Node = b.node().CreateElement(e.Name)
	b.spans = scanAttrSpans(b.spans[:0], b.pp.buf, off)
	spans := b.spans
	var seen map[string]bool // for many attributes; a few are compared in turn
	if len(t.Attr) > 8 {
		seen = make(map[string]bool, len(t.Attr))
	}
	if len(t.Attr) > 0 {
		e.Attrs = make([]*Attr, 0, len(t.Attr))
	}
	for i, a := range t.Attr {
		name := qname(a.Name)
		if seen != nil && seen[name] || seen == nil && e.Attr(name) != nil {
			return b.errAt(off, "element <%s> has attribute %q twice", e.Name, name)
		}
		if seen != nil {
			seen[name] = true
		}
		e.Node.CreateAttr(name, a.Value)
		at := &Attr{Name: name, Value: a.Value, Source: a.Value, Pos: e.Pos, ValuePos: e.Pos}
		if i < len(spans) {
			sp := spans[i]
			at.Pos = b.pm.pos(b.pp.origOffset(sp.name), "")
			at.seg = b.segment(a.Value, sp.val, sp.valEnd)
			at.ValuePos = at.seg.pos(0, "")
		}
		at.Expr = wholeExpr(at.Value, &at.seg)
		e.Attrs = append(e.Attrs, at)
	}
	if parent == nil {
		b.root = e
	} else {
		parent.Children = append(parent.Children, e)
	}
	if igs := b.pending[parent]; len(igs) > 0 {
		e.Ignore = append(e.Ignore, igs...)
		delete(b.pending, parent)
	}
	b.stack = append(b.stack, e)
	b.size++
	return nil
}

func (b *builder) end(t xml.EndElement, off int) error {
	e := b.top()
	name := qname(t.Name)
	if e == nil {
		return b.errAt(off, "closing tag </%s> without an open element", name)
	}
	if e.Name != name {
		return b.errAt(off, "closing tag </%s> does not match <%s> opened at %d:%d", name, e.Name, e.Pos.Line, e.Pos.Col)
	}
	// A directive with no element after it applies to the enclosing element.
	if igs := b.pending[e]; len(igs) > 0 {
		e.Ignore = append(e.Ignore, igs...)
		delete(b.pending, e)
	}
	b.stack = b.stack[:len(b.stack)-1]
	finishText(e)
	return nil
}

func (b *builder) text(t xml.CharData, off, end int) error {
	e := b.top()
	s := string(t)
	if e == nil {
		if off == 0 {
			// A UTF-8 byte order mark (editors on Windows write one) is
			// not text; APIM and XML parsers skip it.
			s = strings.TrimPrefix(s, "\ufeff")
		}
		if strings.TrimSpace(s) != "" {
			return b.errAt(off, "text outside the root element")
		}
		return nil
	}
	cdata := bytes.HasPrefix(b.pp.buf[off:], []byte("<![CDATA["))
	if cdata {
		e.Node.CreateCData(s)
	} else {
		e.Node.CreateText(s)
	}
	if len(e.segs) == 0 && firstNonSpace(s) < 0 {
		// Blank text before any other (the indentation before a child)
		// adds nothing: finishText trims it and finds no position or
		// expression in it, and it holds no {{name}} to substitute.
		return nil
	}
	var seg segment
	if cdata {
		seg = segment{text: s, orig: b.pp.origOffset(off + len("<![CDATA[")), pm: b.pm}
	} else {
		seg = b.segment(s, off, end)
	}
	e.segs = append(e.segs, seg)
	return nil
}

func (b *builder) comment(text string, off int) {
	c := &Comment{Text: text, Pos: b.pm.pos(b.pp.origOffset(off), "")}
	b.comments = append(b.comments, c)
	if ig, ok := parseIgnore(text, c.Pos); ok {
		p := b.top()
		if p == nil && b.root != nil {
			p = b.root // after the root element: applies to the document
		}
		b.pending[p] = append(b.pending[p], ig)
	}
}

// segment builds the decoded text's map back to the original: raw is the
// original text from orig(out) to orig(outEnd), decoded is what the XML
// decoder produced from it.
func (b *builder) segment(decoded string, out, outEnd int) segment {
	o0, o1 := b.pp.origOffset(out), b.pp.origOffset(outEnd)
	seg := segment{text: decoded, orig: o0, pm: b.pm}
	if o0 > o1 || o1 > len(b.doc.XML) {
		return seg
	}
	raw := b.doc.XML[o0:o1]
	if raw == decoded {
		return seg
	}
	omap, ok := decodeMap(raw, o0, decoded)
	if ok {
		seg.omap = omap
	}
	return seg
}

// decodeMap decodes raw the way encoding/xml does (character references,
// CR LF and CR to LF) and maps every decoded byte to its original offset.
// ok is false when the result differs from want.
func decodeMap(raw string, base int, want string) ([]int, bool) {
	omap := make([]int, 0, len(want))
	var dec []byte
	src := []byte(raw)
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '&':
			if r, n := entityAt(src, i); n > 0 {
				before := len(dec)
				dec = utf8.AppendRune(dec, r)
				for k := before; k < len(dec); k++ {
					omap = append(omap, base+i)
				}
				i += n
				continue
			}
		case c == '\r':
			dec = append(dec, '\n')
			omap = append(omap, base+i)
			i++
			if i < len(src) && src[i] == '\n' {
				i++
			}
			continue
		}
		dec = append(dec, c)
		omap = append(omap, base+i)
		i++
	}
	return omap, string(dec) == want
}

// finishText sets Text, TextPos, Exprs and TextExpr from the segments.
func finishText(e *Element) {
	var all strings.Builder
	for i := range e.segs {
		s := &e.segs[i]
		if len(e.segs) > 1 {
			all.WriteString(s.text)
		}
		e.Exprs = append(e.Exprs, findExprs(s.text, s)...)
		if e.TextPos.Line == 0 {
			if k := firstNonSpace(s.text); k >= 0 {
				e.TextPos = s.pos(k, "")
			}
		}
	}
	if len(e.segs) == 1 {
		e.Text = strings.TrimSpace(e.segs[0].text)
	} else {
		e.Text = strings.TrimSpace(all.String())
	}
	if len(e.Exprs) == 1 && e.Exprs[0].Raw == e.Text {
		e.TextExpr = e.Exprs[0]
	}
}

func firstNonSpace(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
		default:
			return i
		}
	}
	return -1
}

// findExprs returns the policy expressions in decoded text.
func findExprs(text string, seg *segment) []*Expr {
	if strings.IndexByte(text, '@') < 0 {
		return nil
	}
	var out []*Expr
	sc := newBoundedScanner([]byte(text), false)
	for i := 0; i+1 < len(text); {
		if text[i] != '@' || (text[i+1] != '(' && text[i+1] != '{') {
			i++
			continue
		}
		end := sc.match(i)
		if end < 0 {
			i++
			continue
		}
		out = append(out, &Expr{
			Src:   text[i+2 : end-1],
			Block: text[i+1] == '{',
			Raw:   text[i:end],
			Pos:   seg.pos(i, ""),
		})
		i = end
	}
	return out
}

// wholeExpr returns the expression when the trimmed value is exactly one.
func wholeExpr(value string, seg *segment) *Expr {
	k := firstNonSpace(value)
	if k < 0 || k+1 >= len(value) || value[k] != '@' {
		return nil
	}
	trimmed := strings.TrimSpace(value)
	sc := exprScanner{src: []byte(value)}
	end := sc.match(k)
	if end < 0 || end-k != len(trimmed) {
		return nil
	}
	return &Expr{
		Src:   value[k+2 : end-1],
		Block: value[k+1] == '{',
		Raw:   value[k:end],
		Pos:   seg.pos(k, ""),
	}
}

// attrSpan is where an attribute's name and value are in the buffer.
type attrSpan struct{ name, val, valEnd int }

// scanAttrSpans finds the attributes of the start tag at buf[i] ('<').
// The buffer is well-formed inside tags (the decoder accepted it), so a
// plain scan suffices.
// The spans are appended to out.
func scanAttrSpans(out []attrSpan, buf []byte, i int) []attrSpan {
	j := i + 1
	for j < len(buf) && !isSpace(buf[j]) && buf[j] != '/' && buf[j] != '>' {
		j++
	}
	for j < len(buf) {
		for j < len(buf) && isSpace(buf[j]) {
			j++
		}
		if j >= len(buf) || buf[j] == '/' || buf[j] == '>' {
			break
		}
		sp := attrSpan{name: j}
		for j < len(buf) && buf[j] != '=' && !isSpace(buf[j]) && buf[j] != '>' {
			j++
		}
		for j < len(buf) && (isSpace(buf[j]) || buf[j] == '=') {
			j++
		}
		if j >= len(buf) || (buf[j] != '"' && buf[j] != '\'') {
			break
		}
		q := buf[j]
		sp.val = j + 1
		k := bytes.IndexByte(buf[sp.val:], q)
		if k < 0 {
			break
		}
		sp.valEnd = sp.val + k
		out = append(out, sp)
		j = sp.valEnd + 1
	}
	return out
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (d *Document) assignSections() {
	if d.Root == nil || d.Root.Name != "policies" {
		return
	}
	for _, c := range d.Root.Children {
		s := Section(c.Name)
		switch s {
		case Inbound, Backend, Outbound, OnError:
		default:
			continue
		}
		if _, dup := d.Sections[s]; !dup {
			d.Sections[s] = c
		}
		for _, g := range c.Children {
			g.Walk(func(e *Element) bool {
				e.Section = s
				return true
			})
		}
	}
}

// setPaths fills the Path of the positions of e (whose path is p) and its
// descendants, in one pass (Element.Path is quadratic in the siblings).
func setPaths(e *Element, p string) {
	counts := make(map[string]int, len(e.Children))
	for _, c := range e.Children {
		counts[c.Name]++
	}
	seen := make(map[string]int, len(counts))
	for _, c := range e.Children {
		cp := p + "/" + c.Name
		if counts[c.Name] > 1 {
			seen[c.Name]++
			cp += "[" + itoa(seen[c.Name]) + "]"
		}
		setPaths(c, cp)
	}
	e.Pos.Path = p
	if e.TextPos.IsValid() {
		e.TextPos.Path = p + "/text()"
	}
	for _, x := range e.Exprs {
		x.Pos.Path = p + "/text()"
	}
	for _, a := range e.Attrs {
		a.Pos.Path = p + "/@" + a.Name
		a.ValuePos.Path = a.Pos.Path
		if a.Expr != nil {
			a.Expr.Pos.Path = a.Pos.Path
		}
	}
}

// String renders the element start tag for messages: <name a="v">.
func (e *Element) String() string {
	var b strings.Builder
	b.WriteString("<" + e.Name)
	for _, a := range e.Attrs {
		fmt.Fprintf(&b, " %s=%q", a.Name, a.Source)
	}
	b.WriteString(">")
	return b.String()
}
