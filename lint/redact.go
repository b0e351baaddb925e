package lint

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf16"

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
