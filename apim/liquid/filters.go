package liquid

import (
	"fmt"
	"html"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/apimlab/apimlab/apim/policyexpr"
	"github.com/osteele/liquid/filters"
)

// filterFuncs are the filters of Learn's "Supported Liquid filters"
// list (set-body policy), under the Pascal-case names APIM requires ("The
// policy requires Pascal casing for Liquid filter names"). Most are
// osteele/liquid's Shopify filters under APIM's name; Date formats with
// .NET format strings (APIM's Liquid runs in "C# mode"), and AtLeast,
// AtMost, Currency and H, which osteele/liquid lacks, are written here.
var filterFuncs = func() map[string]any {
	std := filterSet{}
	filters.AddStandardFilters(std)
	m := map[string]any{}
	for _, name := range []string{"Abs", "Append", "Compact", "Default", "DividedBy",
		"Downcase", "Escape", "First", "Join", "Last", "Lstrip", "Map", "Minus", "Modulo", "Plus",
		"Prepend", "Remove", "RemoveFirst", "Replace", "ReplaceFirst", "Round", "Rstrip", "Size",
		"Slice", "Sort", "Split", "Strip", "StripHtml", "StripNewlines", "Times", "Truncate",
		"TruncateWords", "Upcase", "UrlDecode", "UrlEncode"} {
		fn, ok := std[snakeCase(name)]
		if !ok {
			panic("liquid: no standard filter for " + name)
		}
		m[name] = fn
	}
	m["H"] = html.EscapeString
	m["Capitalize"] = func(s string) string { // Shopify and DotLiquid 2.2: the rest lower case
		t := strings.TrimLeft(s, " \t\r\n")
		if t == "" {
			return s
		}
		r, n := utf8.DecodeRuneInString(t)
		return s[:len(s)-len(t)] + string(unicode.ToUpper(r)) + strings.ToLower(t[n:])
	}
	m["NewlineToBr"] = func(s string) string { // DotLiquid keeps the newline
		return strings.ReplaceAll(s, "\n", "<br />\n")
	}
	m["Uniq"] = uniq
	m["AtLeast"] = func(a, b float64) float64 { return math.Max(a, b) }
	m["AtMost"] = func(a, b float64) float64 { return math.Min(a, b) }
	m["Currency"] = currencyFilter
	m["Date"] = nil // bound to the engine's clock by NewEngine
	return m
}()

// uniq is Uniq: the items in order, each once (osteele/liquid's panics
// on a nil item, a JSON null in a body).
func uniq(a []any) []any {
	out := make([]any, 0, len(a))
	for _, v := range a {
		if !slices.ContainsFunc(out, func(o any) bool { return reflect.DeepEqual(o, v) }) {
			out = append(out, v)
		}
	}
	return out
}

// FilterNames returns the names of the filters APIM supports, sorted.
func FilterNames() []string {
	names := make([]string, 0, len(filterFuncs))
	for n := range filterFuncs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// filterSet collects osteele/liquid's standard filters by name.
type filterSet map[string]any

// AddFilter records one filter.
func (f filterSet) AddFilter(name string, fn any) { f[name] = fn }

// snakeCase is the Shopify name of an APIM filter name ("AtLeast" →
// "at_least"; "TruncateWords" → "truncatewords", Shopify's spelling).
func snakeCase(name string) string {
	if name == "TruncateWords" {
		return "truncatewords"
	}
	var b strings.Builder
	for i, r := range name {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// currencyFilter is DotLiquid's Currency: a number formatted with .NET's
// "C" format. apimlab formats in en-US ("$1,234.50", "-$1.00"), the only
// culture it accepts as the optional argument (docs/semantics.md); input
// that is not a number is returned unchanged.
func currencyFilter(v any, culture func(string) string) (any, error) {
	if c := culture("en-US"); !strings.EqualFold(c, "en-US") {
		return nil, fmt.Errorf("filter Currency: culture %q is not emulated (en-US only)", c)
	}
	var f float64
	switch t := v.(type) {
	case int64:
		f = float64(t)
	case int:
		f = float64(t)
	case float64:
		f = t
	case string:
		p, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
		if err != nil {
			return v, nil
		}
		f = p
	default:
		return v, nil
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	s := strconv.FormatFloat(math.Round(f*100)/100, 'f', 2, 64)
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return sign + "$" + b.String() + "." + frac, nil
}

// dateFilter is DotLiquid's Date in C# mode (Learn: "using a date filter
// requires the use of Pascal casing and C# date formatting e.g.
// {{body.foo.startDateTime| Date:"yyyyMMddTHH:mm:ssZ"}}"): a date, a
// string that parses as one ("now" and "today": the engine's clock), or a
// number of Unix seconds, formatted with a .NET format string; anything
// else, or any input but a date with no format, is returned unchanged.
func dateFilter(now func() time.Time) func(any, func(string) string) (any, error) {
	return func(v any, format func(string) string) (any, error) { return formatDate(v, format(""), now) }
}

func formatDate(v any, f string, now func() time.Time) (any, error) {
	var t time.Time
	switch d := v.(type) {
	case DateTime:
		if f == "" {
			return d.String(), nil
		}
		t = d.T
	case time.Time:
		t = d.UTC()
	case int64:
		t = time.Unix(d, 0).UTC() // DotLiquid: a number is Unix seconds
	case int:
		t = time.Unix(int64(d), 0).UTC()
	case float64:
		t = time.UnixMilli(int64(d * 1000)).UTC()
	case string:
		switch s := strings.TrimSpace(d); {
		case strings.EqualFold(s, "now") || strings.EqualFold(s, "today"):
			t = now().UTC() // DotLiquid: both are DateTimeOffset.Now
		default:
			p, ok := ParseDate(s)
			if !ok {
				pt, err := time.Parse("2006-01-02", s)
				if err != nil {
					return v, nil
				}
				p = DateTime{pt}
			}
			t = p.T
		}
	default:
		return v, nil
	}
	if f == "" {
		return v, nil // DotLiquid: input.ToString() when the format is empty
	}
	return policyexpr.FormatDateTime(t, f), nil
}
