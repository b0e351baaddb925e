package policy

// This file finds the end of a policy expression, @(…) or @{…}, in text that
// is not valid XML: APIM's own reader accepts expressions with unescaped
// quotes, '<' and '&' inside attribute values and element text, so we have to
// find where an expression ends by reading it as C#, not as XML.

// maxExprLen bounds how far an expression may extend, so that a stray "@("
// in a large document cannot make the preprocessor quadratic. Real policy
// expressions, multi-line @{…} blocks included, are far shorter.
const maxExprLen = 256 << 10

// maxNesting bounds the nesting of interpolated strings inside expressions.
const maxNesting = 64

// exprScanner reads C# source from src. When entities is true the source is
// raw XML: a predefined or numeric character reference (&quot; &#34;) counts
// as the character it stands for, so an author who escaped the expression
// properly and one who did not are read the same way.
type exprScanner struct {
	src      []byte
	entities bool
	limit    int
	// budget, when > 0, bounds the bytes that failed matches may scan in
	// total: without it "@(@(@(…" would take quadratic time, each attempt
	// scanning to the end. Once spent, match reports no expression. Zero
	// means unbounded (single matches).
	budget  int
	bounded bool
}

// newBoundedScanner returns a scanner for repeated matches over src.
func newBoundedScanner(src []byte, entities bool) *exprScanner {
	return &exprScanner{src: src, entities: entities, budget: 4*len(src) + 64<<10, bounded: true}
}

// next returns the character at i and the number of bytes it occupies.
func (s *exprScanner) next(i int) (byte, int) {
	c := s.src[i]
	if c != '&' || !s.entities {
		return c, 1
	}
	if r, n := entityAt(s.src, i); n > 0 && r < 0x80 {
		return byte(r), n
	}
	return c, 1
}

// match reports the end (exclusive) of the expression that starts with
// "@(" or "@{" at i, or -1 when the delimiters never balance.
func (s *exprScanner) match(i int) int {
	if i+1 >= len(s.src) || s.src[i] != '@' {
		return -1
	}
	open, w := s.next(i + 1)
	var closer byte
	switch open {
	case '(':
		closer = ')'
	case '{':
		closer = '}'
	default:
		return -1
	}
	span := maxExprLen
	if s.bounded {
		if s.budget <= 0 {
			return -1
		}
		span = min(span, s.budget)
	}
	s.limit = min(len(s.src), i+span)
	end := s.code(i+1+w, open, closer, 0)
	if end < 0 && s.bounded {
		s.budget -= s.limit - i
	}
	return end
}

// code scans C# code after an opening delimiter until the matching closer
// and returns the offset after it, or -1.
func (s *exprScanner) code(i int, open, closer byte, nest int) int {
	if nest > maxNesting {
		return -1
	}
	depth := 1
	for i < s.limit {
		c, w := s.next(i)
		switch {
		case c == open:
			depth++
			i += w
		case c == closer:
			depth--
			i += w
			if depth == 0 {
				return i
			}
		case c == '"':
			i = s.str(i+w, false, nest)
		case c == '\'':
			i = s.char(i + w)
		case c == '@' || c == '$':
			i = s.prefixed(i, nest)
		case c == '/' && i+w < s.limit && s.src[i+w] == '/':
			i = s.lineComment(i)
		case c == '/' && i+w < s.limit && s.src[i+w] == '*':
			i = s.blockComment(i + 2)
		default:
			i += w
		}
		if i < 0 {
			return -1
		}
	}
	return -1
}

// prefixed handles @"…" (verbatim), $"…" (interpolated) and their
// combinations $@"…" / @$"…"; any other '@' or '$' is a plain character.
func (s *exprScanner) prefixed(i, nest int) int {
	verbatim, interp := false, false
	j := i
	for k := 0; k < 2 && j < s.limit; k++ {
		c, w := s.next(j)
		if c == '@' && !verbatim {
			verbatim = true
		} else if c == '$' && !interp {
			interp = true
		} else {
			break
		}
		j += w
	}
	if j < s.limit {
		if c, w := s.next(j); c == '"' {
			if interp {
				return s.interp(j+w, verbatim, nest)
			}
			if verbatim {
				return s.verbatim(j + w)
			}
		}
	}
	_, w := s.next(i)
	return i + w
}

// skipEscaped steps over the character after a backslash at i.
func (s *exprScanner) skipEscaped(i int) int {
	if i < s.limit {
		_, w := s.next(i)
		i += w
	}
	return i
}

// str skips a regular "…" string literal (backslash escapes).
func (s *exprScanner) str(i int, _ bool, _ int) int {
	for i < s.limit {
		c, w := s.next(i)
		switch c {
		case '\\':
			i = s.skipEscaped(i + w)
			continue
		case '"':
			return i + w
		case '\n':
			return -1 // regular strings do not span lines
		}
		i += w
	}
	return -1
}

// verbatim skips a @"…" literal, where "" is an escaped quote.
func (s *exprScanner) verbatim(i int) int {
	for i < s.limit {
		c, w := s.next(i)
		i += w
		if c == '"' {
			if i < s.limit {
				if c2, w2 := s.next(i); c2 == '"' {
					i += w2
					continue
				}
			}
			return i
		}
	}
	return -1
}

// interp skips an interpolated string, recursing into {holes}.
func (s *exprScanner) interp(i int, verbatim bool, nest int) int {
	for i < s.limit {
		c, w := s.next(i)
		switch {
		case c == '\\' && !verbatim:
			i += w
			if i < s.limit {
				_, w2 := s.next(i)
				i += w2
			}
			continue
		case c == '{':
			if i+w < s.limit {
				if c2, w2 := s.next(i + w); c2 == '{' {
					i += w + w2
					continue
				}
			}
			i = s.code(i+w, '{', '}', nest+1)
			if i < 0 {
				return -1
			}
			continue
		case c == '"':
			if verbatim && i+w < s.limit {
				if c2, w2 := s.next(i + w); c2 == '"' {
					i += w + w2
					continue
				}
			}
			return i + w
		case c == '\n' && !verbatim:
			return -1
		}
		i += w
	}
	return -1
}

// char skips a character literal such as 'a', '\” or '"'. A quote that
// does not close within a few characters is taken as a plain character, so
// an apostrophe in a comment-free expression cannot swallow the document.
func (s *exprScanner) char(i int) int {
	start := i
	for n := 0; i < s.limit && n < 8; n++ {
		c, w := s.next(i)
		switch c {
		case '\\':
			i = s.skipEscaped(i + w)
			continue
		case '\'':
			return i + w
		case '\n':
			return start
		}
		i += w
	}
	return start
}

func (s *exprScanner) lineComment(i int) int {
	for i < s.limit && s.src[i] != '\n' {
		i++
	}
	return i
}

func (s *exprScanner) blockComment(i int) int {
	for i+1 < s.limit {
		if s.src[i] == '*' && s.src[i+1] == '/' {
			return i + 2
		}
		i++
	}
	return -1
}

// entityAt decodes the XML character reference at src[i] ("&lt;", "&#60;",
// "&#x3C;") and returns the rune and the reference's length, or n == 0 when
// src[i:] is not a well-formed reference.
func entityAt(src []byte, i int) (r rune, n int) {
	if i >= len(src) || src[i] != '&' {
		return 0, 0
	}
	end := -1
	for j := i + 1; j < len(src) && j < i+12; j++ {
		if src[j] == ';' {
			end = j
			break
		}
	}
	if end < 0 {
		return 0, 0
	}
	name := string(src[i+1 : end])
	switch name {
	case "lt":
		return '<', end + 1 - i
	case "gt":
		return '>', end + 1 - i
	case "amp":
		return '&', end + 1 - i
	case "quot":
		return '"', end + 1 - i
	case "apos":
		return '\'', end + 1 - i
	}
	if len(name) < 2 || name[0] != '#' {
		return 0, 0
	}
	base, digits := 10, name[1:]
	if digits[0] == 'x' {
		base, digits = 16, digits[1:]
	}
	if digits == "" {
		return 0, 0
	}
	var v rune
	for _, c := range []byte(digits) {
		var d rune
		switch {
		case c >= '0' && c <= '9':
			d = rune(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = rune(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = rune(c-'A') + 10
		default:
			return 0, 0
		}
		v = v*rune(base) + d
		if v > 0x10FFFF {
			return 0, 0
		}
	}
	return v, end + 1 - i
}
