package rules

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/jsontree"
	"github.com/apimlab/apimlab/lint"
)

// Where a value taken from a plain (not secure) ARM template parameter is
// written, for the secret rules (APIM501): the parameter's defaultValue in
// the template, or its value in a parameters file beside the template.
//
// The model records that a value came from a parameter (Field.Expr) but
// not where the parameter's value is written, so this re-reads the
// template and the parameters files next to it and accepts a position only
// when the value written there equals the resolved value.
// TODO(issue 11): once the loader records the parameter's value position
// on the Field, use it and drop this file.

// paramRef matches an ARM value that is exactly one parameter reference.
var paramRef = regexp.MustCompile(`^\[\s*parameters\(\s*'([^']+)'\s*\)\s*\]$`)

// paramSources reads the JSON files behind the model (nil when
// unreadable). Each file is parsed once per lint run and shared by every
// rule that asks (through Pass.Memo): three rules used to parse a
// 40,000-backend template once each (issue 16).
// The zero value parses on every call.
type paramSources struct{ pass *lint.Pass }

func newParamSources(pass *lint.Pass) paramSources { return paramSources{pass} }

// parsedFile is the Pass.Memo key of a file's tree.
type parsedFile string

func (ps paramSources) parse(file string) *jsontree.Value {
	read := func() *jsontree.Value {
		var root *jsontree.Value
		if data, err := os.ReadFile(file); err == nil {
			root, _ = jsontree.Parse(file, data)
		}
		return root
	}
	if ps.pass == nil {
		return read()
	}
	return ps.pass.Memo(parsedFile(file), func() any { return read() }).(*jsontree.Value)
}

// plainParam returns the name of the plain parameter f comes from directly
// and where its value is written. ok is false when f is a literal, secure,
// unresolved or computed by more than one parameter reference, or when the
// value's source cannot be found.
func (ps paramSources) plainParam(f apim.Field[string]) (name string, src apim.Position, ok bool) {
	if !f.Known() || f.Literal || f.Secure || strings.TrimSpace(f.Value) == "" || f.Pos.File == "" {
		return "", src, false
	}
	m := paramRef.FindStringSubmatch(strings.TrimSpace(f.Expr))
	if m == nil {
		return "", src, false
	}
	name = m[1]
	tmpl := ps.parse(f.Pos.File)
	param := tmpl.Get("parameters").Get(name)
	if param == nil {
		return "", src, false
	}
	if t := strings.ToLower(param.Get("type").Text()); t != "string" {
		return "", src, false // secureString is fine; objects are not this rule's
	}
	if d := param.Get("defaultValue"); d != nil && d.Kind == jsontree.String && d.Str == f.Value {
		return name, d.Position(), true
	}
	dir := filepath.Dir(f.Pos.File)
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, pf := range files {
		if pf == f.Pos.File || !strings.Contains(strings.ToLower(filepath.Base(pf)), "param") {
			continue
		}
		p := ps.parse(pf).Get("parameters").Get(name)
		if v := p.Get("value"); v != nil && v.Kind == jsontree.String && v.Str == f.Value {
			return name, v.Position(), true
		}
	}
	return "", src, false
}

// apiVersionLess orders API versions: by date, a preview before the
// release of the same date.
func apiVersionLess(a, b string) bool {
	da, db := strings.TrimSuffix(strings.ToLower(a), "-preview"), strings.TrimSuffix(strings.ToLower(b), "-preview")
	if da != db {
		return da < db
	}
	return strings.HasSuffix(strings.ToLower(a), "-preview") && !strings.HasSuffix(strings.ToLower(b), "-preview")
}
