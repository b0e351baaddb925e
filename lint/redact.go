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
	rep     *strings.Replacer // all secrets → Mask, one pass over the text
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
	s = r.referenced(s)
	s = r.values(s)
	if strings.Contains(s, "@") {
		s = userinfo.ReplaceAllString(s, "${1}"+Mask+"@")
	}
	return s
}

// values returns s with every secret value replaced by Mask. Messages go
// through it: rules already print URLs with their user information
// masked their own way.
func (r *Redactor) values(s string) string {
	if r == nil || s == "" || len(r.secrets) == 0 {
		return s
	}
	// A service of thousands of backends with credentials has thousands
	// of secrets: one Replacer (a trie, longest first at each position)
	// instead of a search per secret.
	r.once.Do(func() {
		pairs := make([]string, 0, 2*len(r.secrets))
		for _, v := range r.secrets {
			pairs = append(pairs, v, Mask)
		}
		r.rep = strings.NewReplacer(pairs...)
	})
	return r.rep.Replace(s)
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

// referenced masks secrets written, in whole or in part, with character
// references or escapes that escapedForms cannot list, because any
// character may be written so: XML character references (&#x61;, &#97;)
// mixed with plain text or entities in a policy, and a policy inside a
// JSON string whose escapes (\u0026, \") wrap those references. The
// line is decoded (JSON escapes, then XML references), the secrets are
// found in the decoded text, and the source bytes they came from are
// masked. Lines with neither "&#" nor `\u` are left to values.
func (r *Redactor) referenced(s string) string {
	if r == nil || len(r.secrets) == 0 || !strings.Contains(s, "&#") && !strings.Contains(s, `\u`) {
		return s
	}
	j, jsrc := decodeMapped(s, jsonUnit)
	d, xsrc := decodeMapped(j, xmlUnit)
	if r.values(d) == d {
		return s // no secret in it (one pass of the replacer's trie)
	}
	var spans [][2]int // source byte ranges to mask
	for _, v := range r.secrets {
		for off := 0; off < len(d); {
			k := strings.Index(d[off:], v)
			if k < 0 {
				break
			}
			start, end := off+k, off+k+len(v)
			spans = append(spans, [2]int{jsrc[xsrc[start]], jsrc[xsrc[end]]})
			off = end
		}
	}
	if len(spans) == 0 {
		return s
	}
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		if sp[1] <= last {
			continue // inside a span already masked
		}
		if sp[0] < last {
			sp[0] = last // overlaps the one before: extend it
		} else {
			b.WriteString(s[last:sp[0]])
			b.WriteString(Mask)
		}
		last = sp[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// decodeMapped decodes s unit by unit (unit returns the decoded text of
// the unit at s[i:] and its length in s, 0 when none starts there) and
// returns the decoded text with, for each of its bytes and one past the
// end, the offset in s of the unit it came from.
func decodeMapped(s string, unit func(string) (string, int)) (string, []int) {
	var b strings.Builder
	src := make([]int, 0, len(s)+1)
	for i := 0; i < len(s); {
		if out, n := unit(s[i:]); n > 0 {
			b.WriteString(out)
			for range len(out) {
				src = append(src, i)
			}
			i += n
			continue
		}
		b.WriteByte(s[i])
		src = append(src, i)
		i++
	}
	return b.String(), append(src, len(s))
}

// jsonUnit decodes a JSON string escape at the start of s (\uXXXX with
// surrogate pairs, \" \\ \/ \b \f \n \r \t).
func jsonUnit(s string) (string, int) {
	if len(s) < 2 || s[0] != '\\' {
		return "", 0
	}
	if c := s[1]; c != 'u' {
		if i := strings.IndexByte(`"\\/bfnrt`, c); i >= 0 {
			return string("\"\\/\b\f\n\r\t"[i]), 2
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

// xmlUnit decodes an XML character reference (&#97; &#x61;) or one of the
// five predefined entities at the start of s.
func xmlUnit(s string) (string, int) {
	if len(s) < 4 || s[0] != '&' {
		return "", 0
	}
	end := strings.IndexByte(s[:min(len(s), 12)], ';')
	if end < 0 {
		return "", 0
	}
	name := s[1:end]
	if num, ok := strings.CutPrefix(name, "#"); ok {
		base := 10
		if h, ok := strings.CutPrefix(num, "x"); ok {
			num, base = h, 16
		} else if h, ok := strings.CutPrefix(num, "X"); ok {
			num, base = h, 16
		}
		n, err := strconv.ParseUint(num, base, 32)
		if err != nil || num == "" || !utf8.ValidRune(rune(n)) {
			return "", 0
		}
		return string(rune(n)), end + 1
	}
	if i := slices.Index([]string{"amp", "lt", "gt", "quot", "apos"}, name); i >= 0 {
		return string("&<>\"'"[i]), end + 1
	}
	return "", 0
}
