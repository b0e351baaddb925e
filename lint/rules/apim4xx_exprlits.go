package rules

import (
	"strings"
	"unicode/utf8"
)

// This file finds the string literals a policy expression can evaluate to,
// without running it: @("orders") → orders; @(cond ? "a" : "b") → a, b;
// @(context.Variables.GetValueOrDefault<string>("id", "orders")) → orders;
// @{ if (x) { return "a"; } return "b"; } → a, b. It reads only the result
// positions (ternary branches, ?? operands, GetValueOrDefault defaults,
// return values, casts and parentheses around them), so a literal that is
// compared against ("eu" in x == "eu" ? …) is never taken for a result.
// Anything else (an interpolated string, a concatenation, a variable) gives
// no literal: the value is only known at request time.

// ctok is one C# token of an expression.
type ctok struct {
	// kind is 's' for a string literal (text holds its value), 'i' for an
	// identifier or keyword, 'x' for an opaque operand (number, char,
	// interpolated string) and 'p' for punctuation.
	kind byte
	text string
}

// maxExprTokens bounds the work on one expression.
const maxExprTokens = 10000

// resultLiterals returns the string literals the expression src can
// evaluate to (block is true for a @{ … } statement block). ok is false
// when some result of the expression is not a literal.
func resultLiterals(src string, block bool) (lits []string, ok bool) {
	toks, good := tokenizeCS(src)
	if !good {
		return nil, false
	}
	if !block {
		return exprResults(toks, 0)
	}
	ok = true
	found := false
	for i := 0; i < len(toks); i++ {
		if toks[i].kind != 'i' || toks[i].text != "return" {
			continue
		}
		j := i + 1
		for depth := 0; j < len(toks) && (depth > 0 || toks[j].kind != 'p' || toks[j].text != ";"); j++ {
			switch {
			case isOpen(toks[j]):
				depth++
			case isClose(toks[j]):
				depth--
			}
		}
		ls, k := exprResults(toks[i+1:min(j, len(toks))], 0)
		lits = append(lits, ls...)
		ok = ok && k
		found = true
		i = j
	}
	return lits, ok && found
}

// exprResults returns the literal results of the expression toks.
func exprResults(toks []ctok, depth int) ([]string, bool) {
	if len(toks) == 0 || depth > 64 {
		return nil, false
	}
	// Ternary: cond ? then : else (lowest precedence, right-associative).
	if q := topLevel(toks, "?"); q >= 0 {
		c := matchColon(toks, q)
		if c < 0 {
			return nil, false
		}
		a, okA := exprResults(toks[q+1:c], depth+1)
		b, okB := exprResults(toks[c+1:], depth+1)
		return append(a, b...), okA && okB
	}
	// Null coalescing: both operands may be the result.
	if q := topLevel(toks, "??"); q >= 0 {
		a, okA := exprResults(toks[:q], depth+1)
		b, okB := exprResults(toks[q+1:], depth+1)
		return append(a, b...), okA && okB
	}
	if len(toks) == 1 && toks[0].kind == 's' {
		return []string{toks[0].text}, true
	}
	if isOpen(toks[0]) && toks[0].text == "(" {
		end := matchClose(toks, 0)
		switch {
		case end == len(toks)-1: // (expr)
			return exprResults(toks[1:end], depth+1)
		case end > 0 && isCast(toks[1:end]): // (string)expr
			return exprResults(toks[end+1:], depth+1)
		}
	}
	// …GetValueOrDefault(name, default) / GetValueOrDefault<T>(name, default).
	if last := toks[len(toks)-1]; last.kind == 'p' && last.text == ")" {
		open := matchOpen(toks, len(toks)-1)
		k := open - 1
		if k >= 0 && toks[k].kind == 'p' && toks[k].text == ">" {
			for k >= 0 && !(toks[k].kind == 'p' && toks[k].text == "<") {
				k--
			}
			k--
		}
		if open > 0 && k >= 0 && toks[k].kind == 'i' && toks[k].text == "GetValueOrDefault" {
			args := splitArgs(toks[open+1 : len(toks)-1])
			if len(args) == 2 {
				return exprResults(args[1], depth+1)
			}
		}
	}
	return nil, false
}

// isCast reports whether toks (inside parentheses) is a type name.
func isCast(toks []ctok) bool {
	for i, t := range toks {
		switch {
		case t.kind == 'i':
		case t.kind == 'p' && (t.text == "." || (t.text == "?" && i == len(toks)-1)):
		default:
			return false
		}
	}
	return len(toks) > 0
}

func isOpen(t ctok) bool {
	return t.kind == 'p' && (t.text == "(" || t.text == "[" || t.text == "{")
}

func isClose(t ctok) bool {
	return t.kind == 'p' && (t.text == ")" || t.text == "]" || t.text == "}")
}

// topLevel returns the index of the first punctuation op outside brackets,
// or -1.
func topLevel(toks []ctok, op string) int {
	depth := 0
	for i, t := range toks {
		switch {
		case isOpen(t):
			depth++
		case isClose(t):
			depth--
		case depth == 0 && t.kind == 'p' && t.text == op:
			return i
		}
	}
	return -1
}

// matchColon returns the ':' that closes the ternary whose '?' is at q.
func matchColon(toks []ctok, q int) int {
	depth, pending := 0, 0
	for i := q + 1; i < len(toks); i++ {
		t := toks[i]
		switch {
		case isOpen(t):
			depth++
		case isClose(t):
			depth--
		case depth == 0 && t.kind == 'p' && t.text == "?":
			pending++
		case depth == 0 && t.kind == 'p' && t.text == ":":
			if pending == 0 {
				return i
			}
			pending--
		}
	}
	return -1
}

// matchClose returns the index of the bracket closing toks[i], or -1.
func matchClose(toks []ctok, i int) int {
	depth := 0
	for j := i; j < len(toks); j++ {
		switch {
		case isOpen(toks[j]):
			depth++
		case isClose(toks[j]):
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// matchOpen returns the index of the bracket opening toks[i], or -1.
func matchOpen(toks []ctok, i int) int {
	depth := 0
	for j := i; j >= 0; j-- {
		switch {
		case isClose(toks[j]):
			depth++
		case isOpen(toks[j]):
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// splitArgs splits an argument list at top-level commas.
func splitArgs(toks []ctok) [][]ctok {
	var out [][]ctok
	depth, start := 0, 0
	for i, t := range toks {
		switch {
		case isOpen(t):
			depth++
		case isClose(t):
			depth--
		case depth == 0 && t.kind == 'p' && t.text == ",":
			out = append(out, toks[start:i])
			start = i + 1
		}
	}
	return append(out, toks[start:])
}

// tokenizeCS splits C# source into tokens. ok is false on an unterminated
// string or comment, or when the source is too long to bother.
func tokenizeCS(src string) (toks []ctok, ok bool) {
	for i := 0; i < len(src); {
		if len(toks) > maxExprTokens {
			return nil, false
		}
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.HasPrefix(src[i:], "//"):
			k := strings.IndexByte(src[i:], '\n')
			if k < 0 {
				return toks, true
			}
			i += k
		case strings.HasPrefix(src[i:], "/*"):
			k := strings.Index(src[i+2:], "*/")
			if k < 0 {
				return nil, false
			}
			i += k + 4
		case c == '"':
			s, n, good := regularString(src[i:])
			if !good {
				return nil, false
			}
			toks = append(toks, ctok{kind: 's', text: s})
			i += n
		case c == '@' && i+1 < len(src) && src[i+1] == '"':
			s, n, good := verbatimString(src[i+1:])
			if !good {
				return nil, false
			}
			toks = append(toks, ctok{kind: 's', text: s})
			i += n + 1
		case c == '$' || (c == '@' && i+1 < len(src) && src[i+1] == '$'):
			n := interpolatedString(src[i:])
			if n <= 0 {
				return nil, false
			}
			toks = append(toks, ctok{kind: 'x'})
			i += n
		case c == '\'':
			k := i + 1
			for k < len(src) && src[k] != '\'' {
				if src[k] == '\\' {
					k++
				}
				k++
			}
			if k >= len(src) {
				return nil, false
			}
			toks = append(toks, ctok{kind: 'x'})
			i = k + 1
		case c >= '0' && c <= '9':
			k := i
			for k < len(src) && (isIdentByte(src[k]) || src[k] == '.') {
				k++
			}
			toks = append(toks, ctok{kind: 'x', text: src[i:k]})
			i = k
		case isIdentByte(c) || c >= utf8.RuneSelf || c == '@':
			k := i + 1
			for k < len(src) && (isIdentByte(src[k]) || src[k] >= utf8.RuneSelf) {
				k++
			}
			toks = append(toks, ctok{kind: 'i', text: strings.TrimPrefix(src[i:k], "@")})
			i = k
		default:
			n := 1
			for _, op := range []string{"??", "?.", "?[", "==", "!=", "&&", "||", "=>", "<=", ">=", "++", "--"} {
				if strings.HasPrefix(src[i:], op) {
					n = 2
					break
				}
			}
			if n == 2 && (src[i:i+2] == "?[") {
				// Null-conditional index: keep '[' as its own bracket.
				toks = append(toks, ctok{kind: 'p', text: "?."}, ctok{kind: 'p', text: "["})
				i += 2
				continue
			}
			toks = append(toks, ctok{kind: 'p', text: src[i : i+n]})
			i += n
		}
	}
	return toks, true
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// regularString reads "…" at the start of s; it returns the value, the
// length read and whether the string is terminated.
func regularString(s string) (string, int, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '"':
			return b.String(), i + 1, true
		case '\n':
			return "", 0, false
		case '\\':
			if i+1 >= len(s) {
				return "", 0, false
			}
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			default:
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(s[i])
		}
	}
	return "", 0, false
}

// verbatimString reads "…" (the part after '@'), where "" is a quote.
func verbatimString(s string) (string, int, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] == '"' {
			if i+1 < len(s) && s[i+1] == '"' {
				b.WriteByte('"')
				i++
				continue
			}
			return b.String(), i + 1, true
		}
		b.WriteByte(s[i])
	}
	return "", 0, false
}

// interpolatedString returns the length of the $"…", $@"…" or @$"…" string
// at the start of s, holes included, or 0 when it is not terminated.
func interpolatedString(s string) int {
	i := 0
	verbatim := false
	for i < len(s) && (s[i] == '$' || s[i] == '@') {
		verbatim = verbatim || s[i] == '@'
		i++
	}
	if i >= len(s) || s[i] != '"' {
		return 0
	}
	for i++; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && !verbatim:
			i++
		case c == '"':
			if verbatim && i+1 < len(s) && s[i+1] == '"' {
				i++
				continue
			}
			return i + 1
		case c == '{':
			if i+1 < len(s) && s[i+1] == '{' {
				i++
				continue
			}
			n := interpolationHole(s[i:])
			if n <= 0 {
				return 0
			}
			i += n - 1
		}
	}
	return 0
}

// interpolationHole returns the length of the {…} hole at the start of s.
func interpolationHole(s string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '{':
			depth++
		case c == '}':
			depth--
			if depth == 0 {
				return i + 1
			}
		case c == '"':
			_, n, ok := regularString(s[i:])
			if !ok {
				return 0
			}
			i += n - 1
		case c == '@' && i+1 < len(s) && s[i+1] == '"':
			_, n, ok := verbatimString(s[i+1:])
			if !ok {
				return 0
			}
			i += n
		case c == '$':
			n := interpolatedString(s[i:])
			if n <= 0 {
				return 0
			}
			i += n - 1
		}
	}
	return 0
}
