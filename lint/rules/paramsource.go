package rules

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/jsontree"
	"github.com/apimlab/apimlab/lint"
	"github.com/go-json-experiment/json/jsontext"
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

// parsedFile and apiVersionsOf are the Pass.Memo keys of a file's tree
// and of its resources' apiVersions.
type (
	parsedFile    string
	apiVersionsOf string
)

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

// apiVersionAt returns the apiVersion of the ARM resource whose object
// starts at pos (a backend's Pos in a template), or "" when the file is not
// ARM JSON, the object is not found, or the version is an expression.
func (ps paramSources) apiVersionAt(pos apim.Position) string {
	if pos.File == "" || !pos.IsValid() {
		return ""
	}
	return ps.apiVersions(pos.File)[[2]int{pos.Line, pos.Col}]
}

// apiVersions maps the start (line, column) of every object of file that
// has a literal apiVersion to that version. It scans the tokens once and
// keeps no tree: looking each backend up by walking a parsed tree made
// APIM007 quadratic, and the tree of a 40,000-backend template is a few
// hundred megabytes (issue 16). The map is shared through Pass.Memo.
func (ps paramSources) apiVersions(file string) map[[2]int]string {
	if ps.pass == nil {
		ps.pass = lint.NewPass(nil, nil, nil, time.Time{}, nil) // a memo of its own
	}
	return ps.pass.Memo(apiVersionsOf(file), func() any {
		vers := map[[2]int]string{}
		data, err := os.ReadFile(file)
		if err != nil {
			return vers
		}
		bom := int64(0)
		if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
			bom = 3
		}
		lines := jsontree.NewLines(file, data)
		dec := jsontext.NewDecoder(bytes.NewReader(data[bom:]))
		var starts []int64 // offsets of the open objects ('{'), -1 for arrays
		for {
			tok, err := dec.ReadToken()
			if err != nil {
				return vers // EOF, or malformed: the loader reports that
			}
			switch tok.Kind() {
			case '{':
				starts = append(starts, dec.InputOffset()-1)
			case '[':
				starts = append(starts, -1)
			case '}', ']':
				starts = starts[:len(starts)-1]
			case '"':
				// A string directly in an object at an even position is
				// a name: read its value when it is apiVersion.
				if len(starts) == 0 || starts[len(starts)-1] < 0 {
					continue
				}
				if _, n := dec.StackIndex(dec.StackDepth()); n%2 == 0 {
					continue
				}
				name := tok.String()
				if !strings.EqualFold(name, "apiVersion") || dec.PeekKind() != '"' {
					continue
				}
				v, err := dec.ReadToken()
				if err != nil {
					return vers
				}
				if ver := strings.TrimSpace(v.String()); ver != "" && !strings.HasPrefix(ver, "[") {
					// An exact "apiVersion" wins over another casing,
					// as jsontree.Value.Get does.
					p := lines.Pos(starts[len(starts)-1] + bom)
					k := [2]int{p.Line, p.Col}
					if _, seen := vers[k]; !seen || name == "apiVersion" {
						vers[k] = ver
					}
				}
			}
		}
	}).(map[[2]int]string)
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

// hasServiceResource reports whether file is JSON holding an object whose
// "type" (any casing) is Microsoft.ApiManagement/service (any casing). It
// scans tokens without building a tree, so rules can skip parsing the
// templates that hold no service resource — most of them, and a
// 40,000-backend template's tree is a few hundred megabytes (issue 16).
// Unreadable or malformed files report false: parse returns nil for them.
func hasServiceResource(file string) bool {
	data, err := os.ReadFile(file)
	if err != nil {
		return false
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			return false
		}
		if tok.Kind() != '"' {
			continue
		}
		if k, n := dec.StackIndex(dec.StackDepth()); k != '{' || n%2 == 0 || !strings.EqualFold(tok.String(), "type") || dec.PeekKind() != '"' {
			continue
		}
		v, err := dec.ReadToken()
		if err != nil {
			return false
		}
		if strings.EqualFold(v.String(), "Microsoft.ApiManagement/service") {
			return true
		}
	}
}
