package lint

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/apimlab/apimlab/apim"
)

// Mask replaces secret values in output.
const Mask = "****"

// userinfo matches the user information of a URL ("//user:secret@").
var userinfo = regexp.MustCompile(`(//)[^/\s"'<>@]+@`)

// Redactor masks the values the loader marked secret or credential-bearing
// (apim.Service.Secrets) and the user information of every URL. Printers
// pass every source line they quote through it, and Run passes every
// message and fix hint. The values are kept unexported so that no printer
// can serialise them. The zero Redactor (and nil) masks URL user
// information only.
type Redactor struct {
	secrets []string // longest first
	once    sync.Once
	rep     *strings.Replacer // each secret → as many 0xFF bytes, one pass over the text
}

// NewRedactor returns the redactor of svc's secret values.
func NewRedactor(svc *apim.Service) *Redactor {
	if svc == nil {
		return &Redactor{}
	}
	return (&Redactor{}).with(svc.Secrets()...)
}

// Redact returns s with every secret value and URL user information
// replaced by Mask.
func (r *Redactor) Redact(s string) string {
	return r.MaskLine(s).Text
}

// MaskedLine is a source line with its secrets masked.
type MaskedLine struct {
	// Text is the line with every masked range replaced by Mask.
	Text  string
	spans [][2]int // source byte ranges masked: sorted, disjoint
	shift []int    // shift[i]: bytes Text lost before spans[i]
}

// Col returns the 1-based column in Text of the source column col: a
// caret keeps pointing at the same text when a masked value stands before
// it, and at the mask when col falls inside one.
func (m MaskedLine) Col(col int) int {
	if col < 1 || len(m.spans) == 0 {
		return col
	}
	pos := col - 1
	k, _ := slices.BinarySearchFunc(m.spans, pos, func(sp [2]int, p int) int {
		if sp[1] <= p {
			return -1
		}
		return 1
	})
	if k < len(m.spans) && m.spans[k][0] < pos {
		pos = m.spans[k][0] // inside a masked value: point at its mask
	}
	return pos - m.shift[k] + 1
}

// MaskLine masks, in a source line, every secret value (as written, in
// the escaped forms escapedForms lists, or spelled in part with character
// references and escapes: see referenced) and the user information of
// every URL. Printers quoting one line for many findings mask it once.
func (r *Redactor) MaskLine(s string) MaskedLine {
	var spans [][2]int
	if strings.Contains(s, "@") {
		for _, m := range userinfo.FindAllStringSubmatchIndex(s, -1) {
			spans = append(spans, [2]int{m[3], m[1] - 1}) // between "//" and "@"
		}
	}
	spans = append(spans, r.valueSpans(s)...)
	spans = append(spans, r.referenced(s)...)
	if len(spans) == 0 {
		return MaskedLine{Text: s}
	}
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	merged := spans[:1]
	for _, sp := range spans[1:] {
		if last := &merged[len(merged)-1]; sp[0] <= last[1] {
			last[1] = max(last[1], sp[1])
			continue
		}
		merged = append(merged, sp)
	}
	m := MaskedLine{Text: masked(s, merged), spans: merged, shift: make([]int, len(merged)+1)}
	for i, sp := range merged {
		m.shift[i+1] = m.shift[i] + sp[1] - sp[0] - len(Mask)
	}
	return m
}

// masked returns s with each of the spans (sorted, disjoint) replaced by
// Mask.
func masked(s string, spans [][2]int) string {
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		b.WriteString(s[last:sp[0]])
		b.WriteString(Mask)
		last = sp[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// values returns s with every secret value replaced by Mask. Messages go
// through it: rules already print URLs with their user information
// masked their own way.
func (r *Redactor) values(s string) string {
	spans := r.valueSpans(s)
	if len(spans) == 0 {
		return s
	}
	return masked(s, spans)
}

// valueSpans returns the byte ranges of s that hold secret values, in
// order; adjacent values make one range.
func (r *Redactor) valueSpans(s string) [][2]int {
	if r == nil || s == "" || len(r.secrets) == 0 {
		return nil
	}
	// A service of thousands of backends with credentials has thousands
	// of secrets: one Replacer (a trie, longest first at each position)
	// instead of a search per secret. It replaces each value with as many
	// 0xFF bytes, which no value holds (values are UTF-8), so the ranges
	// are where the output differs from s.
	r.once.Do(func() {
		longest := 0
		for _, v := range r.secrets {
			longest = max(longest, len(v))
		}
		hidden := strings.Repeat("\xff", longest)
		pairs := make([]string, 0, 2*len(r.secrets))
		for _, v := range r.secrets {
			pairs = append(pairs, v, hidden[:len(v)])
		}
		r.rep = strings.NewReplacer(pairs...)
	})
	out := r.rep.Replace(s)
	if out == s {
		return nil
	}
	var spans [][2]int
	for i := 0; i < len(s); i++ {
		if out[i] == s[i] {
			continue
		}
		j := i + 1
		for j < len(s) && out[j] != s[j] {
			j++
		}
		spans = append(spans, [2]int{i, j})
		i = j
	}
	return spans
}

// join returns a redactor masking the values of both.
func (r *Redactor) join(o *Redactor) *Redactor {
	out := &Redactor{}
	if r != nil {
		out.secrets = append(out.secrets, r.secrets...)
	}
	if o != nil {
		out.secrets = append(out.secrets, o.secrets...)
	}
	return out.with()
}

// escapedForms returns v and the ways it can be written in the sources
// printers quote: escaped as XML text or attribute (&amp;, &quot;…: a
// policy), as a JSON string (\\, \", \u00e9 for a non-ASCII rune, and
// \u0026-style escapes of & < >, which PowerShell's ConvertTo-Json writes),
// and XML escaped inside a JSON string (a policy in a template). Values are
// decoded by the loaders; a source line holds them escaped.
func escapedForms(v string) []string {
	forms := []string{v}
	add := func(f string) {
		if !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	xmlForms := []string{v, xmlEscape(v, "&#39;", "&#34;"), xmlEscape(v, "&apos;", "&quot;")}
	for _, x := range xmlForms {
		add(x)
		add(jsonEscape(x, false, false))
		add(jsonEscape(x, true, false))
		add(jsonEscape(x, false, true))
		add(jsonEscape(x, true, true))
	}
	return forms
}

// xmlEscape escapes v as XML character data and attribute text, with the
// given spellings of ' and ".
func xmlEscape(v, apos, quot string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "'", apos, `"`, quot).Replace(v)
}

// jsonEscape writes v as the inside of a JSON string: html escapes & < >
// as \u0026…, ascii writes every non-ASCII rune as \uXXXX.
func jsonEscape(v string, html, ascii bool) string {
	var b strings.Builder
	for _, r := range v {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || html && (r == '&' || r == '<' || r == '>') || ascii && r > 0x7e:
			if r > 0xffff {
				r1, r2 := utf16.EncodeRune(r)
				fmt.Fprintf(&b, "\\u%04x\\u%04x", r1, r2)
				continue
			}
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// with returns a redactor masking r's values and more (values shorter
// than four bytes are not masked, as apim.Service.Secrets leaves them:
// masking every "1" would garble the output).
func (r *Redactor) with(more ...string) *Redactor {
	out := &Redactor{}
	if r != nil {
		out.secrets = append(out.secrets, r.secrets...)
	}
	for _, v := range more {
		if len(v) >= 4 {
			out.secrets = append(out.secrets, escapedForms(v)...)
		}
	}
	slices.SortFunc(out.secrets, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	out.secrets = slices.Compact(out.secrets)
	return out
}

// referenced returns the byte ranges of s that hold secrets written, in
// whole or in part, with character references or escapes that
// escapedForms cannot list, because any character may be written so: XML
// character references (&#x61;, &#0097;) and entities mixed with plain
// text in a policy, and a policy inside a JSON string whose escapes
// (\u0026, \", \/) wrap those. The line is decoded (JSON escapes then XML
// references, and XML references alone), the secrets are found in the
// decoded text, and their offsets are carried back to the source bytes
// they came from.
func (r *Redactor) referenced(s string) [][2]int {
	if r == nil || len(r.secrets) == 0 || !strings.ContainsAny(s, `&\`) {
		return nil
	}
	var out [][2]int
	chains := [][]unitFunc{{jsonUnit, xmlUnit}}
	if strings.Contains(s, `\`) && strings.Contains(s, "&") {
		chains = append(chains, []unitFunc{xmlUnit}) // an XML file: \ is plain text
	}
	for _, chain := range chains {
		texts := []string{s}
		for _, unit := range chain {
			texts = append(texts, decode(texts[len(texts)-1], unit))
		}
		d := texts[len(texts)-1]
		if d == s {
			continue // nothing decoded: valueSpans saw it all
		}
		spans := r.valueSpans(d)
		if len(spans) == 0 {
			continue
		}
		offs := make([]int, 0, 2*len(spans))
		for _, sp := range spans {
			offs = append(offs, sp[0], sp[1])
		}
		for i := len(chain) - 1; i >= 0; i-- {
			sourceOffsets(texts[i], chain[i], offs)
		}
		for i := 0; i < len(offs); i += 2 {
			out = append(out, [2]int{offs[i], offs[i+1]})
		}
	}
	return out
}

// unitFunc decodes the escape or reference at the start of s: its decoded
// text and its length in s, 0 when none starts there.
type unitFunc func(s string) (string, int)

// decode returns s with every unit decoded (s itself when none is).
func decode(s string, unit unitFunc) string {
	var b strings.Builder
	done := 0 // s[:done] is written to b
	for i := 0; i < len(s); {
		out, n := unit(s[i:])
		if n == 0 {
			i++
			continue
		}
		b.WriteString(s[done:i])
		b.WriteString(out)
		i += n
		done = i
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

// sourceOffsets replaces each offset in offs (ascending, in the text
// decode(s, unit) returns) with the offset in s of the unit its byte came
// from; the end of the decoded text maps to len(s).
func sourceOffsets(s string, unit unitFunc, offs []int) {
	k, o := 0, 0 // next offset to map, position in the decoded text
	for i := 0; i < len(s) && k < len(offs); {
		out, n := unit(s[i:])
		width := len(out)
		if n == 0 {
			n, width = 1, 1
		}
		for k < len(offs) && offs[k] < o+width {
			offs[k] = i
			k++
		}
		i += n
		o += width
	}
	for ; k < len(offs); k++ {
		offs[k] = len(s)
	}
}

// jsonUnit decodes a JSON string escape at the start of s (\uXXXX with
// surrogate pairs, \" \\ \/ \b \f \n \r \t).
func jsonUnit(s string) (string, int) {
	if len(s) < 2 || s[0] != '\\' {
		return "", 0
	}
	if c := s[1]; c != 'u' {
		if i := strings.IndexByte("\"\\/bfnrt", c); i >= 0 {
			return "\"\\/\b\f\n\r\t"[i : i+1], 2
		}
		return "", 0
	}
	r1, ok := hex4(s[2:])
	if !ok {
		return "", 0
	}
	if utf16.IsSurrogate(r1) && len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
		if r2, ok := hex4(s[8:]); ok {
			if r := utf16.DecodeRune(r1, r2); r != utf8.RuneError {
				return string(r), 12
			}
		}
	}
	return string(r1), 6
}

func hex4(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(s[:4], 16, 32)
	return rune(n), err == nil
}

// xmlUnit decodes an XML character reference (&#97; &#x61; &#0000097;:
// any number of leading zeros) or one of the five predefined entities at
// the start of s.
func xmlUnit(s string) (string, int) {
	if len(s) < 4 || s[0] != '&' {
		return "", 0
	}
	if s[1] != '#' {
		for i, name := range []string{"amp;", "lt;", "gt;", "quot;", "apos;"} {
			if strings.HasPrefix(s[1:], name) {
				return "&<>\"'"[i : i+1], 1 + len(name)
			}
		}
		return "", 0
	}
	i, base := 2, 10
	if s[i] == 'x' || s[i] == 'X' {
		i, base = 3, 16
	}
	digits := i
	var n int
	for ; i < len(s); i++ {
		d := base // not a digit
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			d = int(c - '0')
		case c >= 'a' && c <= 'f':
			d = int(c-'a') + 10
		case c >= 'A' && c <= 'F':
			d = int(c-'A') + 10
		}
		if d >= base {
			break
		}
		if n = n*base + d; n > utf8.MaxRune {
			return "", 0
		}
	}
	if i == digits || i == len(s) || s[i] != ';' || !utf8.ValidRune(rune(n)) {
		return "", 0
	}
	return string(rune(n)), i + 1
}
