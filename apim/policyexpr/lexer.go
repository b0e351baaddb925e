package policyexpr

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind classifies a C# token.
type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tInt
	tReal
	tString     // regular or verbatim string literal; val holds the decoded text
	tChar       // character literal; val holds the character as a string
	tInterp     // interpolated string; parts holds the pieces
	tPunct      // operator or punctuation; text holds it
	tNamedValue // {{name}}: an unsubstituted APIM named value
)

// token is one C# token. off/end are byte offsets into the expression source.
type token struct {
	kind  tokKind
	off   int
	end   int
	text  string // raw text (identifier name without @, punctuation, number)
	val   string // decoded value of string and char literals
	parts []interpPart
}

// interpPart is a piece of an interpolated string: literal text, or a hole
// whose C# source spans src[holeOff:holeEnd].
type interpPart struct {
	lit     string
	hole    bool
	holeOff int
	holeEnd int
	format  string // ":format" or ",align" suffix, unsupported when non-empty
}

// puncts lists operators longest first. ">>" is deliberately absent: it would
// break nested generic type arguments, and shifts are outside the subset.
var puncts = []string{
	"??=", "<<=", "=>", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "++", "--",
	"+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<", "::", "->",
	"(", ")", "[", "]", "{", "}", ".", ",", ";", ":", "?", "+", "-", "*", "/", "%",
	"!", "~", "&", "|", "^", "=", "<", ">",
}

// lexer tokenizes src[pos:end].
type lexer struct {
	src string
	pos int
	end int
}

// tokenize returns every token of src[off:end] followed by tEOF.
func tokenize(src string, off, end int) ([]token, error) {
	lx := &lexer{src: src, pos: off, end: end}
	var toks []token
	for {
		t, err := lx.next()
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
		if t.kind == tEOF {
			return toks, nil
		}
	}
}

func (lx *lexer) peekByte(i int) byte {
	if lx.pos+i < lx.end {
		return lx.src[lx.pos+i]
	}
	return 0
}

// skipSpace skips white space and comments.
func (lx *lexer) skipSpace() error {
	for lx.pos < lx.end {
		c := lx.src[lx.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			lx.pos++
		case c == '/' && lx.peekByte(1) == '/':
			for lx.pos < lx.end && lx.src[lx.pos] != '\n' {
				lx.pos++
			}
		case c == '/' && lx.peekByte(1) == '*':
			i := strings.Index(lx.src[lx.pos+2:lx.end], "*/")
			if i < 0 {
				return syntaxErr(lx.pos, "unterminated comment")
			}
			lx.pos += 2 + i + 2
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(lx.src[lx.pos:lx.end])
			if !unicode.IsSpace(r) {
				return nil
			}
			lx.pos += n
		default:
			return nil
		}
	}
	return nil
}

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isIdentPart(r rune) bool  { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

func (lx *lexer) next() (token, error) {
	if err := lx.skipSpace(); err != nil {
		return token{}, err
	}
	start := lx.pos
	if lx.pos >= lx.end {
		return token{kind: tEOF, off: start, end: start}, nil
	}
	c := lx.src[lx.pos]
	switch {
	case c == '"':
		return lx.regularString(start)
	case c == '@' && lx.peekByte(1) == '"':
		lx.pos++
		return lx.verbatimString(start)
	case c == '$' && lx.peekByte(1) == '"':
		lx.pos++
		return lx.interpolated(start, false)
	case (c == '$' && lx.peekByte(1) == '@' || c == '@' && lx.peekByte(1) == '$') && lx.peekByte(2) == '"':
		lx.pos += 2
		return lx.interpolated(start, true)
	case c == '\'':
		return lx.charLit(start)
	case c >= '0' && c <= '9' || c == '.' && lx.peekByte(1) >= '0' && lx.peekByte(1) <= '9':
		return lx.number(start)
	case c == '{' && lx.peekByte(1) == '{':
		if t, ok := lx.namedValue(start); ok {
			return t, nil
		}
	case c == '@':
		r, _ := utf8.DecodeRuneInString(lx.src[lx.pos+1 : lx.end])
		if isIdentStart(r) {
			lx.pos++
			t := lx.ident(lx.pos)
			t.off = start
			return t, nil
		}
	}
	r, n := utf8.DecodeRuneInString(lx.src[lx.pos:lx.end])
	if isIdentStart(r) {
		return lx.ident(start), nil
	}
	for _, p := range puncts {
		if strings.HasPrefix(lx.src[lx.pos:lx.end], p) {
			if p == "?." && lx.peekByte(2) >= '0' && lx.peekByte(2) <= '9' {
				p = "?"
			}
			lx.pos += len(p)
			return token{kind: tPunct, off: start, end: lx.pos, text: p}, nil
		}
	}
	if r == utf8.RuneError && n <= 1 {
		return token{}, syntaxErr(start, "invalid UTF-8 byte %#x", c)
	}
	return token{}, syntaxErr(start, "unexpected character %q", r)
}

func (lx *lexer) ident(start int) token {
	for lx.pos < lx.end {
		r, n := utf8.DecodeRuneInString(lx.src[lx.pos:lx.end])
		if !isIdentPart(r) {
			break
		}
		lx.pos += n
	}
	return token{kind: tIdent, off: start, end: lx.pos, text: lx.src[start:lx.pos]}
}

// namedValue lexes {{name}}, the APIM named-value placeholder.
func (lx *lexer) namedValue(start int) (token, bool) {
	i := lx.pos + 2
	for i < lx.end {
		c := lx.src[i]
		if c == '_' || c == '-' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			i++
			continue
		}
		break
	}
	if i == lx.pos+2 || !strings.HasPrefix(lx.src[i:lx.end], "}}") {
		return token{}, false
	}
	lx.pos = i + 2
	return token{kind: tNamedValue, off: start, end: lx.pos, text: lx.src[start+2 : i]}, true
}

func (lx *lexer) number(start int) (token, error) {
	kind := tInt
	digits := func(hex bool) {
		for lx.pos < lx.end {
			c := lx.src[lx.pos]
			if c >= '0' && c <= '9' || c == '_' || hex && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				lx.pos++
				continue
			}
			break
		}
	}
	if lx.src[lx.pos] == '0' && (lx.peekByte(1) == 'x' || lx.peekByte(1) == 'X') {
		lx.pos += 2
		digits(true)
	} else {
		digits(false)
		if lx.peekByte(0) == '.' && lx.peekByte(1) >= '0' && lx.peekByte(1) <= '9' {
			kind = tReal
			lx.pos++
			digits(false)
		}
		if c := lx.peekByte(0); c == 'e' || c == 'E' {
			save := lx.pos
			lx.pos++
			if c := lx.peekByte(0); c == '+' || c == '-' {
				lx.pos++
			}
			if c := lx.peekByte(0); c >= '0' && c <= '9' {
				kind = tReal
				digits(false)
			} else {
				lx.pos = save
			}
		}
	}
	text := strings.ReplaceAll(lx.src[start:lx.pos], "_", "")
	// Suffixes: integer (U, L, UL) and real (F, D, M).
	for lx.pos < lx.end {
		switch lx.src[lx.pos] {
		case 'u', 'U', 'l', 'L':
			lx.pos++
			continue
		case 'f', 'F', 'd', 'D', 'm', 'M':
			kind = tReal
			lx.pos++
			continue
		}
		break
	}
	if r, _ := utf8.DecodeRuneInString(lx.src[lx.pos:lx.end]); lx.pos < lx.end && isIdentPart(r) {
		return token{}, syntaxErr(start, "invalid number literal %q", lx.src[start:lx.pos+1])
	}
	return token{kind: kind, off: start, end: lx.pos, text: text}, nil
}

// escape decodes one C# escape sequence starting after the backslash at
// lx.pos; it appends the result to b.
func (lx *lexer) escape(b *strings.Builder) error {
	at := lx.pos - 1
	if lx.pos >= lx.end {
		return syntaxErr(at, "unterminated escape sequence")
	}
	c := lx.src[lx.pos]
	lx.pos++
	simple := map[byte]byte{'\'': '\'', '"': '"', '\\': '\\', '0': 0, 'a': '\a', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v'}
	if v, ok := simple[c]; ok {
		b.WriteByte(v)
		return nil
	}
	var min, max int
	switch c {
	case 'u':
		min, max = 4, 4
	case 'U':
		min, max = 8, 8
	case 'x':
		min, max = 1, 4
	default:
		return syntaxErr(at, "unrecognized escape sequence \\%c", c)
	}
	i := lx.pos
	for i < lx.end && i-lx.pos < max && isHex(lx.src[i]) {
		i++
	}
	if i-lx.pos < min {
		return syntaxErr(at, "invalid escape sequence \\%c", c)
	}
	v, _ := strconv.ParseUint(lx.src[lx.pos:i], 16, 32)
	lx.pos = i
	if v > unicode.MaxRune {
		return syntaxErr(at, "escape sequence out of range")
	}
	b.WriteRune(rune(v))
	return nil
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func (lx *lexer) regularString(start int) (token, error) {
	lx.pos++
	var b strings.Builder
	for {
		if lx.pos >= lx.end || lx.src[lx.pos] == '\n' {
			return token{}, syntaxErr(start, "unterminated string literal")
		}
		c := lx.src[lx.pos]
		lx.pos++
		switch c {
		case '"':
			return token{kind: tString, off: start, end: lx.pos, text: lx.src[start:lx.pos], val: b.String()}, nil
		case '\\':
			if err := lx.escape(&b); err != nil {
				return token{}, err
			}
		default:
			b.WriteByte(c)
		}
	}
}

func (lx *lexer) verbatimString(start int) (token, error) {
	lx.pos++
	var b strings.Builder
	for {
		if lx.pos >= lx.end {
			return token{}, syntaxErr(start, "unterminated verbatim string literal")
		}
		c := lx.src[lx.pos]
		lx.pos++
		if c == '"' {
			if lx.peekByte(0) == '"' {
				lx.pos++
				b.WriteByte('"')
				continue
			}
			return token{kind: tString, off: start, end: lx.pos, text: lx.src[start:lx.pos], val: b.String()}, nil
		}
		b.WriteByte(c)
	}
}

func (lx *lexer) charLit(start int) (token, error) {
	lx.pos++
	var b strings.Builder
	if lx.pos >= lx.end {
		return token{}, syntaxErr(start, "unterminated character literal")
	}
	if lx.src[lx.pos] == '\\' {
		lx.pos++
		if err := lx.escape(&b); err != nil {
			return token{}, err
		}
	} else {
		r, n := utf8.DecodeRuneInString(lx.src[lx.pos:lx.end])
		if r == '\'' || r == '\n' {
			return token{}, syntaxErr(start, "empty character literal")
		}
		b.WriteRune(r)
		lx.pos += n
	}
	if lx.peekByte(0) != '\'' {
		return token{}, syntaxErr(start, "unterminated character literal")
	}
	lx.pos++
	return token{kind: tChar, off: start, end: lx.pos, text: lx.src[start:lx.pos], val: b.String()}, nil
}

// interpolated lexes $"..." and $@"..."; lx.pos is at the opening quote.
func (lx *lexer) interpolated(start int, verbatim bool) (token, error) {
	lx.pos++
	var parts []interpPart
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			parts = append(parts, interpPart{lit: b.String()})
			b.Reset()
		}
	}
	for {
		if lx.pos >= lx.end || !verbatim && lx.src[lx.pos] == '\n' {
			return token{}, syntaxErr(start, "unterminated interpolated string")
		}
		c := lx.src[lx.pos]
		lx.pos++
		switch {
		case c == '"' && verbatim && lx.peekByte(0) == '"':
			lx.pos++
			b.WriteByte('"')
		case c == '"':
			flush()
			return token{kind: tInterp, off: start, end: lx.pos, text: lx.src[start:lx.pos], parts: parts}, nil
		case c == '\\' && !verbatim:
			if err := lx.escape(&b); err != nil {
				return token{}, err
			}
		case c == '{' && lx.peekByte(0) == '{', c == '}' && lx.peekByte(0) == '}':
			lx.pos++
			b.WriteByte(c)
		case c == '}':
			return token{}, syntaxErr(lx.pos-1, "unescaped '}' in interpolated string")
		case c == '{':
			flush()
			p, err := lx.hole()
			if err != nil {
				return token{}, err
			}
			parts = append(parts, p)
		default:
			b.WriteByte(c)
		}
	}
}

// hole scans an interpolation hole after its '{' up to the matching '}'.
func (lx *lexer) hole() (interpPart, error) {
	p := interpPart{hole: true, holeOff: lx.pos}
	depth := 0
	fmtStart := -1
	for {
		if err := lx.skipSpace(); err != nil {
			return p, err
		}
		if lx.pos >= lx.end {
			return p, syntaxErr(p.holeOff, "unterminated interpolation hole")
		}
		c := lx.src[lx.pos]
		switch {
		case c == '}' && depth == 0:
			if fmtStart >= 0 {
				p.holeEnd = fmtStart
				p.format = lx.src[fmtStart:lx.pos]
			} else {
				p.holeEnd = lx.pos
			}
			lx.pos++
			return p, nil
		case (c == ':' || c == ',') && depth == 0 && fmtStart < 0:
			fmtStart = lx.pos
			lx.pos++
		case fmtStart >= 0:
			lx.pos++
		default:
			t, err := lx.next()
			if err != nil {
				return p, err
			}
			switch t.text {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				depth--
			}
		}
	}
}
