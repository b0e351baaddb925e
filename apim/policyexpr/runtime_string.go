package policyexpr

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
)

// .NET strings index UTF-16 code units. Policies are overwhelmingly ASCII,
// so the helpers take a byte fast path and convert only when needed.

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func utf16Len(s string) int {
	if isASCII(s) {
		return len(s)
	}
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// substring is s.Substring(start, length) in UTF-16 units; length < 0 means
// "to the end".
func substring(s string, start, length int) (string, error) {
	n := utf16Len(s)
	if length < 0 {
		if start < 0 || start > n {
			return "", fmt.Errorf("%w: startIndex %d is outside 0..%d", errArgRange, start, n)
		}
		length = n - start
	}
	if start < 0 || length < 0 || start > n-length {
		return "", fmt.Errorf("%w: index %d and length %d must refer to a location within the string of length %d", errArgRange, start, length, n)
	}
	if isASCII(s) {
		return s[start : start+length], nil
	}
	u := utf16.Encode([]rune(s))
	return string(utf16.Decode(u[start : start+length])), nil
}

// utf16Index converts a byte index in s to a UTF-16 index.
func utf16Index(s string, byteIdx int) int {
	if byteIdx < 0 {
		return -1
	}
	if isASCII(s[:byteIdx]) {
		return byteIdx
	}
	return utf16Len(s[:byteIdx])
}

// charAt is s[i], returning the UTF-16 unit as a one-character string.
func charAt(s string, i int) (string, error) {
	n := utf16Len(s)
	if i < 0 || i >= n {
		return "", fmt.Errorf("%w: index %d outside the bounds of a string of length %d", errIndexRange, i, n)
	}
	if isASCII(s) {
		return s[i : i+1], nil
	}
	u := utf16.Encode([]rune(s))
	return string(utf16.Decode(u[i : i+1])), nil
}

// csFormat is String.Format with composite format items {index[,align]}.
// Format strings after ':' are not supported and fail like a bad format.
func csFormat(format string, args []any) (string, error) {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		switch c {
		case '{':
			if i+1 < len(format) && format[i+1] == '{' {
				b.WriteByte('{')
				i++
				continue
			}
			end := strings.IndexByte(format[i:], '}')
			if end < 0 {
				return "", fmt.Errorf("%w: input string was not in a correct format", errFormat)
			}
			item := format[i+1 : i+end]
			i += end
			idxStr, align, hasAlign := strings.Cut(item, ",")
			if strings.Contains(item, ":") {
				return "", fmt.Errorf("%w: format specifier in {%s} is not emulated", errFormat, item)
			}
			idx, err := parseInt(idxStr)
			if err != nil || idx < 0 {
				return "", fmt.Errorf("%w: input string was not in a correct format", errFormat)
			}
			if idx >= len(args) {
				return "", fmt.Errorf("%w: index (zero based) must be greater than or equal to zero and less than the size of the argument list", errFormat)
			}
			s := toString(args[idx])
			if hasAlign {
				w, err := parseInt(align)
				if err != nil || w >= formatWidthLimit || w <= -formatWidthLimit {
					return "", fmt.Errorf("%w: input string was not in a correct format", errFormat)
				}
				s = pad(s, w)
			}
			b.WriteString(s)
		case '}':
			if i+1 < len(format) && format[i+1] == '}' {
				b.WriteByte('}')
				i++
				continue
			}
			return "", fmt.Errorf("%w: input string was not in a correct format", errFormat)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// formatWidthLimit bounds a composite-format alignment: .NET's
// StringBuilder.AppendFormat throws FormatException from a width of
// 1,000,000 (dotnet/runtime, StringBuilder.cs, "const int WidthLimit").
const formatWidthLimit = 1_000_000

// pad right-aligns s in w columns (left-aligns when w < 0).
func pad(s string, w int) string {
	n := utf16Len(s)
	switch {
	case w > n:
		return strings.Repeat(" ", w-n) + s
	case -w > n:
		return s + strings.Repeat(" ", -w-n)
	}
	return s
}

// split is s.Split(separators): an empty separator list splits on white
// space, as .NET does for Split() and Split(null).
func split(s string, seps []string, removeEmpty bool) []string {
	var parts []string
	if len(seps) == 0 {
		parts = splitFunc(s, unicode.IsSpace)
	} else {
		parts = []string{}
		rest := s
		for {
			best, bestLen := -1, 0
			for _, sep := range seps {
				if sep == "" {
					continue
				}
				if j := strings.Index(rest, sep); j >= 0 && (best < 0 || j < best) {
					best, bestLen = j, len(sep)
				}
			}
			if best < 0 {
				parts = append(parts, rest)
				break
			}
			parts = append(parts, rest[:best])
			rest = rest[best+bestLen:]
		}
	}
	if !removeEmpty {
		return parts
	}
	out := parts[:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

func splitFunc(s string, f func(rune) bool) []string {
	var parts []string
	start := 0
	for i, r := range s {
		if f(r) {
			parts = append(parts, s[start:i])
			start = i + len(string(r))
		}
	}
	return append(parts, s[start:])
}

func trimSet(chars []string) func(rune) bool {
	if len(chars) == 0 {
		return unicode.IsSpace
	}
	return func(r rune) bool {
		for _, c := range chars {
			if c == string(r) {
				return true
			}
		}
		return false
	}
}

// str2 adapts func(string, string) T helpers.
func str2[T any](name string, f func(a, b string) (T, error), sig any) helper {
	return helper{name, func(a ...any) (any, error) {
		x, ok1 := argStr(a, 0)
		y, ok2 := argStr(a, 1)
		if !ok1 || !ok2 {
			return nil, bad(name)
		}
		return f(x, y)
	}, []any{sig}}
}

// strVar adapts func(string, ...string) T helpers.
func strVar[T any](name string, f func(s string, rest []string) (T, error), sig any) helper {
	return helper{name, func(a ...any) (any, error) {
		s, ok1 := argStr(a, 0)
		rest, ok2 := argStrings(a, 1)
		if !ok1 || !ok2 {
			return nil, bad(name)
		}
		return f(s, rest)
	}, []any{sig}}
}

func fold(s string) string { return strings.ToLower(s) }

var stringHelpers = []helper{
	{"csStrArr", func(a ...any) (any, error) {
		s, ok := argStrings(a, 0)
		if !ok {
			return nil, bad("csStrArr")
		}
		return s, nil
	}, []any{new(func(...string) []string)}},
	strUnary("csLen", func(s string) (int, error) { return utf16Len(s), nil }, new(func(string) int)),
	strUnary("csIsNullOrWhiteSpace", func(s string) (bool, error) { return strings.TrimSpace(s) == "", nil }, new(func(string) bool)),
	str2("csEqFold", func(a, b string) (bool, error) { return strings.EqualFold(a, b), nil }, new(func(string, string) bool)),
	str2("csContainsFold", func(a, b string) (bool, error) { return strings.Contains(fold(a), fold(b)), nil }, new(func(string, string) bool)),
	str2("csStartsFold", func(a, b string) (bool, error) { return strings.HasPrefix(fold(a), fold(b)), nil }, new(func(string, string) bool)),
	str2("csEndsFold", func(a, b string) (bool, error) { return strings.HasSuffix(fold(a), fold(b)), nil }, new(func(string, string) bool)),
	str2("csIndexOf", func(a, b string) (int, error) { return utf16Index(a, strings.Index(a, b)), nil }, new(func(string, string) int)),
	str2("csIndexOfFold", func(a, b string) (int, error) {
		i := strings.Index(fold(a), fold(b))
		if i >= 0 && len(fold(a)) != len(a) {
			return -1, fmt.Errorf("%w: case-insensitive IndexOf on text whose case mapping changes its length is not emulated", errArgument)
		}
		return utf16Index(a, i), nil
	}, new(func(string, string) int)),
	str2("csLastIndexOf", func(a, b string) (int, error) { return utf16Index(a, strings.LastIndex(a, b)), nil }, new(func(string, string) int)),
	{"csSubstr", func(a ...any) (any, error) {
		s, ok1 := argStr(a, 0)
		start, ok2 := argInt(a, 1)
		length := -1
		ok3 := true
		if len(a) == 3 {
			length, ok3 = argInt(a, 2)
			if ok3 && length < 0 {
				return nil, fmt.Errorf("%w: length %d cannot be negative", errArgRange, length)
			}
		}
		if !ok1 || !ok2 || !ok3 {
			return nil, bad("csSubstr")
		}
		return substring(s, start, length)
	}, []any{new(func(string, int) string), new(func(string, int, int) string)}},
	{"csCharAt", func(a ...any) (any, error) {
		s, ok1 := argStr(a, 0)
		i, ok2 := argInt(a, 1)
		if !ok1 || !ok2 {
			return nil, bad("csCharAt")
		}
		return charAt(s, i)
	}, []any{new(func(string, int) string)}},
	{"csReplace", func(a ...any) (any, error) {
		s, ok1 := argStr(a, 0)
		old, ok2 := argStr(a, 1)
		nw, ok3 := argStr(a, 2)
		if !ok1 || !ok2 || !ok3 {
			return nil, bad("csReplace")
		}
		if old == "" {
			return nil, fmt.Errorf("%w: String cannot be of zero length (Replace oldValue)", errArgument)
		}
		return strings.ReplaceAll(s, old, nw), nil
	}, []any{new(func(string, string, string) string)}},
	strVar("csSplit", func(s string, seps []string) ([]string, error) { return split(s, seps, false), nil }, new(func(string, ...string) []string)),
	strVar("csSplitNoEmpty", func(s string, seps []string) ([]string, error) { return split(s, seps, true), nil }, new(func(string, ...string) []string)),
	{"csSplitArr", func(a ...any) (any, error) {
		s, ok1 := argStr(a, 0)
		seps, ok2 := a[1].([]string)
		removeEmpty, ok3 := a[2].(bool)
		if !ok1 || !ok2 && a[1] != nil || !ok3 {
			return nil, bad("csSplitArr")
		}
		return split(s, seps, removeEmpty), nil
	}, []any{new(func(string, []string, bool) []string)}},
	strVar("csTrim", func(s string, chars []string) (string, error) { return strings.TrimFunc(s, trimSet(chars)), nil }, new(func(string, ...string) string)),
	strVar("csTrimStart", func(s string, chars []string) (string, error) { return strings.TrimLeftFunc(s, trimSet(chars)), nil }, new(func(string, ...string) string)),
	strVar("csTrimEnd", func(s string, chars []string) (string, error) { return strings.TrimRightFunc(s, trimSet(chars)), nil }, new(func(string, ...string) string)),
	{"csPad", func(a ...any) (any, error) {
		s, ok1 := argStr(a, 0)
		w, ok2 := argInt(a, 1)
		c, ok3 := argStr(a, 2)
		left, ok4 := a[3].(bool)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return nil, bad("csPad")
		}
		if w < 0 {
			return nil, fmt.Errorf("%w: totalWidth %d cannot be negative", errArgRange, w)
		}
		n := utf16Len(s)
		if w <= n {
			return s, nil
		}
		if left {
			return strings.Repeat(c, w-n) + s, nil
		}
		return s + strings.Repeat(c, w-n), nil
	}, []any{new(func(string, int, string, bool) string)}},
	{"csFormat", func(a ...any) (any, error) {
		f, ok := argStr(a, 0)
		if !ok {
			return nil, bad("csFormat")
		}
		return csFormat(f, a[1:])
	}, []any{new(func(string, ...any) string)}},
	{"csConcat", func(a ...any) (any, error) {
		var b strings.Builder
		for _, v := range a {
			b.WriteString(toString(v))
		}
		return b.String(), nil
	}, []any{new(func(...any) string)}},
	{"csJoin", func(a ...any) (any, error) {
		sep, ok := argStr(a, 0)
		if !ok {
			return nil, bad("csJoin")
		}
		if len(a) == 2 {
			if arr, ok := a[1].([]string); ok {
				return strings.Join(arr, sep), nil
			}
		}
		parts := make([]string, 0, len(a)-1)
		for _, v := range a[1:] {
			parts = append(parts, toString(v))
		}
		return strings.Join(parts, sep), nil
	}, []any{new(func(string, []string) string), new(func(string, ...any) string)}},
}
