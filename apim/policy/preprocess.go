package policy

import "bytes"

// preprocessed is the policy text made parseable as XML, with the map back
// to the original bytes.
type preprocessed struct {
	buf []byte
	// bps maps offsets in buf to offsets in the original text: from
	// bps[k].out on, orig = bps[k].orig + (out - bps[k].out), clamped to
	// the next breakpoint's orig (inside an inserted escape).
	bps []breakpoint
	// escapes counts the characters that had to be escaped; > 0 means the
	// original is not well-formed XML (it relies on APIM's tolerance).
	escapes int
}

type breakpoint struct{ out, orig int }

// origOffset maps an offset in the preprocessed buffer to the original text.
func (p *preprocessed) origOffset(out int) int {
	lo, hi := 0, len(p.bps)
	for lo < hi {
		m := (lo + hi) / 2
		if p.bps[m].out <= out {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 {
		return out
	}
	b := p.bps[lo-1]
	o := b.orig + (out - b.out)
	if lo < len(p.bps) && o > p.bps[lo].orig {
		o = p.bps[lo].orig
	}
	return o
}

// preprocessor rewrites the original policy text so that encoding/xml (and
// etree, which uses it) can read it: inside every @(…) and @{…} policy
// expression, in attribute values and element text, the characters XML
// forbids there ('<', a bare '&', and the attribute's own quote) are
// replaced with character references. Everything else is copied verbatim,
// so malformed XML outside expressions still fails to parse.
type preprocessor struct {
	src []byte
	sc  *exprScanner
	out preprocessed
	// written is the original offset up to which src has been copied.
	written int
}

func preprocess(src []byte) *preprocessed {
	p := &preprocessor{src: src, sc: newBoundedScanner(src, true)}
	p.out.buf = make([]byte, 0, len(src)+len(src)/16)
	p.run()
	p.flush(len(src))
	return &p.out
}

// flush copies src[written:upto] unchanged.
func (p *preprocessor) flush(upto int) {
	if upto > p.written {
		p.out.buf = append(p.out.buf, p.src[p.written:upto]...)
		p.written = upto
	}
}

// escape copies src[written:end] escaping the characters in bad.
func (p *preprocessor) escape(end int, quote byte) {
	for i := p.written; i < end; i++ {
		c := p.src[i]
		var rep string
		switch {
		case c == '<':
			rep = "&lt;"
		case c == '&':
			if _, n := entityAt(p.src, i); n == 0 {
				rep = "&amp;"
			}
		case c == '"' && quote == '"':
			rep = "&quot;"
		case c == '\'' && quote == '\'':
			rep = "&apos;"
		}
		if rep == "" {
			p.out.buf = append(p.out.buf, c)
			continue
		}
		p.out.bps = append(p.out.bps, breakpoint{len(p.out.buf), i})
		p.out.buf = append(p.out.buf, rep...)
		p.out.bps = append(p.out.bps, breakpoint{len(p.out.buf), i + 1})
		p.out.escapes++
	}
	p.written = end
}

// expr handles a possible expression at i; it returns the offset after it,
// or i+1 when the '@' does not start a balanced expression.
func (p *preprocessor) expr(i int, quote byte) int {
	end := p.sc.match(i)
	if end < 0 {
		return i + 1
	}
	p.flush(i)
	p.escape(end, quote)
	return end
}

func (p *preprocessor) run() {
	src := p.src
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == '@' && i+1 < len(src) && (src[i+1] == '(' || src[i+1] == '{'):
			i = p.expr(i, 0)
		case c != '<':
			i++
		case bytes.HasPrefix(src[i:], []byte("<!--")):
			i = skipPast(src, i+4, "-->")
		case bytes.HasPrefix(src[i:], []byte("<![CDATA[")):
			i = skipPast(src, i+9, "]]>")
		case bytes.HasPrefix(src[i:], []byte("<?")):
			i = skipPast(src, i+2, "?>")
		case bytes.HasPrefix(src[i:], []byte("<!")):
			i = skipPast(src, i+2, ">")
		default:
			i = p.tag(i + 1)
		}
	}
}

// tag reads a start or end tag from just after '<' and returns the offset
// after its '>' (or where it stopped making sense).
func (p *preprocessor) tag(i int) int {
	src := p.src
	for i < len(src) {
		c := src[i]
		switch c {
		case '>':
			return i + 1
		case '<':
			return i // malformed; let the decoder report it
		case '"', '\'':
			i = p.value(i+1, c)
		default:
			i++
		}
	}
	return i
}

// value reads an attribute value from just after its opening quote and
// returns the offset after the closing quote.
func (p *preprocessor) value(i int, quote byte) int {
	src := p.src
	for i < len(src) {
		c := src[i]
		switch {
		case c == quote:
			return i + 1
		case c == '@' && i+1 < len(src) && (src[i+1] == '(' || src[i+1] == '{'):
			i = p.expr(i, quote)
		default:
			i++
		}
	}
	return i
}

func skipPast(src []byte, i int, end string) int {
	if k := bytes.Index(src[i:], []byte(end)); k >= 0 {
		return i + k + len(end)
	}
	return len(src)
}
