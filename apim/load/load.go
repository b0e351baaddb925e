// Package load turns configuration files into an *apim.Service. It detects
// the input form of every path — ARM template (hand-written or
// Bicep-compiled), ARM parameters file, REST/`az` resource JSON, APIOps
// artifact folder, standalone policy XML — and builds one model from all of
// them. Problems inside files (malformed JSON, unresolved ARM expressions,
// unknown properties) are recorded in Service.Issues with positions and
// loading goes on; only unreadable paths and empty inputs are errors.
package load

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/arm"
	"github.com/apimlab/apimlab/apim/jsontree"
)

// Options controls loading.
type Options struct {
	// Parameters are ARM parameters files applied to every template. When
	// empty, a template X.json uses X.parameters.json beside it if present.
	Parameters []string

	sequential bool // build backends one by one (tests)
}

// ErrNoInput is returned when the paths hold no configuration at all.
var ErrNoInput = errors.New("no API Management configuration found")

// Kind names an input form.
type Kind string

// Input kinds, as reported by Detect and in Service.Sources notes.
const (
	KindARM        Kind = "arm"
	KindParameters Kind = "arm-parameters"
	KindREST       Kind = "rest"
	KindAPIOps     Kind = "apiops"
	KindPolicy     Kind = "policy"
	KindUnknown    Kind = "unknown"
)

// Load reads every path (files or folders) into one Service.
func Load(paths []string, opts Options) (*apim.Service, error) {
	b := newBuilder()
	b.sequential = opts.sequential
	l := &loader{b: b, opts: opts}
	if len(opts.Parameters) > 0 {
		l.params = arm.Params{}
		for _, p := range opts.Parameters {
			data, err := os.ReadFile(p)
			if err != nil {
				return nil, fmt.Errorf("parameters file: %w", err)
			}
			ps, err := arm.ParseParametersFile(p, data)
			if err != nil {
				return nil, err
			}
			for k, v := range ps {
				l.params[k] = v
			}
		}
	}
	for _, p := range paths {
		if err := l.path(p, true); err != nil {
			return nil, err
		}
	}
	if l.loaded == 0 {
		return b.svc, fmt.Errorf("%w in %s", ErrNoInput, strings.Join(paths, ", "))
	}
	b.finish()
	return b.svc, nil
}

type loader struct {
	b      *builder
	opts   Options
	params arm.Params
	loaded int
	// walking holds the folders being walked (the current one last), so
	// that a symbolic link back to one of them is not followed forever.
	walking []os.FileInfo
}

func (l *loader) path(p string, explicit bool) error {
	st, err := os.Stat(p)
	if err != nil {
		if explicit {
			return fmt.Errorf("cannot read %s: %w", p, unwrapPathErr(err))
		}
		// Met in a folder walk (a dangling link, a file removed meanwhile):
		// report it and load the rest rather than fail the whole run.
		l.b.dec.issue(apim.Position{File: p}, "APIM901", "cannot read %s: %v", p, unwrapPathErr(err))
		return nil
	}
	if !st.IsDir() {
		if !st.Mode().IsRegular() && !explicit {
			// A named pipe, socket or device met in a folder walk: reading
			// it could block forever. Given explicitly, it is read.
			l.b.svc.Skipped = append(l.b.svc.Skipped, apim.SkippedResource{Type: "file", Name: p, Pos: apim.Position{File: p}})
			return nil
		}
		return l.file(p, explicit)
	}
	for _, w := range l.walking {
		if os.SameFile(w, st) {
			// A symbolic link to a folder being walked: following it
			// would load the same files again, without end.
			l.b.svc.Skipped = append(l.b.svc.Skipped, apim.SkippedResource{Type: "symlink loop", Name: p, Pos: apim.Position{File: p}})
			return nil
		}
	}
	l.walking = append(l.walking, st)
	defer func() { l.walking = l.walking[:len(l.walking)-1] }()
	if isAPIOps(p) {
		l.loaded++
		return l.b.loadAPIOps(p, "")
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", p, unwrapPathErr(err))
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || name == "node_modules" || name == "vendor" {
			continue
		}
		if err := l.path(filepath.Join(p, name), false); err != nil {
			return err
		}
	}
	return nil
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (l *loader) file(p string, explicit bool) error {
	ext := strings.ToLower(filepath.Ext(p))
	switch ext {
	case ".xml":
		l.loaded++
		return l.policyXML(p)
	case ".json":
	default:
		if explicit {
			return fmt.Errorf("%s: unsupported input (want .json or .xml, or a folder)", p)
		}
		l.b.svc.Skipped = append(l.b.svc.Skipped, apim.SkippedResource{Type: "file", Name: p, Pos: apim.Position{File: p}})
		return nil
	}
	node, err := l.b.parseJSON(p)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", p, unwrapPathErr(err))
	}
	if node.Kind == jsontree.Null && len(l.b.svc.Issues) > 0 {
		l.loaded++ // malformed: reported as APIM901
		return nil
	}
	switch Detect(node) {
	case KindARM:
		l.loaded++
		return l.template(p, node)
	case KindParameters:
		if explicit {
			return fmt.Errorf("%s is an ARM parameters file: pass it with --parameters", p)
		}
		return nil
	case KindREST:
		l.loaded++
		l.b.loadREST(p, node)
		return nil
	}
	if base := filepath.Base(p); strings.HasSuffix(base, "Information.json") && explicit {
		l.loaded++
		return l.infoFile(p)
	}
	if explicit {
		l.loaded++
		l.b.dec.issue(node.Position(), "APIM901", "%s is not an API Management configuration (not an ARM template, REST resource or APIOps artifact)", p)
		return nil
	}
	l.b.svc.Skipped = append(l.b.svc.Skipped, apim.SkippedResource{Type: "file", Name: p, Pos: node.Position()})
	return nil
}

// Detect tells the input form of a parsed JSON document.
func Detect(root *jsontree.Value) Kind {
	schema := strings.ToLower(root.Get("$schema").Text())
	switch {
	case strings.Contains(schema, "deploymentparameters"):
		return KindParameters
	case arm.IsTemplate(root):
		return KindARM
	}
	probe := newBuilder()
	if root.Kind == jsontree.Array && len(root.Arr) > 0 && isRESTResource(root.Arr[0]) {
		return KindREST
	}
	if isRESTResource(root) {
		return KindREST
	}
	if v := root.Get("value"); v != nil && v.Kind == jsontree.Array && (len(v.Arr) == 0 || isRESTResource(v.Arr[0])) {
		return KindREST
	}
	if root.Get("responses") != nil && root.Get("parameters") != nil && probe.loadREST("", root) {
		return KindREST
	}
	return KindUnknown
}

// infoFile loads a lone APIOps information file, taking the entity name from
// its folder ("backends/orders/backendInformation.json").
func (l *loader) infoFile(p string) error {
	dir := filepath.Dir(p)
	name := filepath.Base(dir)
	kinds := map[string]string{
		"backendInformation.json":        "backends",
		"namedValueInformation.json":     "namedvalues",
		"apiInformation.json":            "apis",
		"productInformation.json":        "products",
		"policyFragmentInformation.json": "policyfragments",
	}
	kind, ok := kinds[filepath.Base(p)]
	if !ok {
		l.b.svc.Skipped = append(l.b.svc.Skipped, apim.SkippedResource{Type: "file", Name: p, Pos: apim.Position{File: p}})
		return nil
	}
	return l.b.infoResource(p, kind, []string{name}, "")
}

// policyXML loads a standalone policy file. A <fragment> root makes it a
// fragment named after the file; anything else is a standalone policy
// (checked as an API-scope policy, the scope samples are written for).
func (l *loader) policyXML(p string) error {
	data, err := os.ReadFile(p)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", p, unwrapPathErr(err))
	}
	l.b.svc.Sources = append(l.b.svc.Sources, p)
	name := strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
	name = strings.TrimSuffix(name, ".policy")
	doc := &apim.PolicyDoc{Format: "rawxml", XML: string(data), Pos: apim.Position{File: p, Line: 1, Col: 1}}
	if rootElement(data) == "fragment" {
		doc.Scope, doc.Owner = apim.ScopeFragment, name
		l.b.svc.Fragments = append(l.b.svc.Fragments, &apim.Fragment{Name: name, Pos: doc.Pos, Policy: doc})
		return nil
	}
	doc.Scope, doc.Owner = apim.ScopeAPI, name
	l.b.svc.Standalone = append(l.b.svc.Standalone, doc)
	return nil
}

// rootElement returns the name of the first element of an XML document.
func rootElement(data []byte) string {
	s := string(data)
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 || i+1 >= len(s) {
			return ""
		}
		s = s[i+1:]
		switch {
		case strings.HasPrefix(s, "!--"):
			end := strings.Index(s, "-->")
			if end < 0 {
				return ""
			}
			s = s[end+3:]
			continue
		case s[0] == '?' || s[0] == '!':
			continue
		}
		end := strings.IndexAny(s, " \t\r\n/>")
		if end < 0 {
			return s
		}
		return s[:end]
	}
}

// template resolves an ARM template and adds its API Management resources.
func (l *loader) template(p string, root *jsontree.Value) error {
	params := l.params
	if params == nil {
		pf := strings.TrimSuffix(p, filepath.Ext(p)) + ".parameters.json"
		if data, err := os.ReadFile(pf); err == nil {
			ps, err := arm.ParseParametersFile(pf, data)
			if err != nil {
				var ae *apim.Error
				if errors.As(err, &ae) {
					l.b.svc.Issues = append(l.b.svc.Issues, ae)
				} else {
					return err
				}
			}
			params = ps
			l.b.svc.Sources = append(l.b.svc.Sources, pf)
		}
	}
	res := arm.Resolve(p, root, params)
	l.b.svc.Issues = append(l.b.svc.Issues, res.Issues...)
	rs := make([]*resource, 0, len(res.Resources))
	for i := range res.Resources {
		r := &res.Resources[i]
		if r.Name == "" && r.NameUnknown != "" {
			if kind, _, ok := splitType(r.Type); ok {
				l.b.dec.issue(r.Pos, "APIM902", "%s: name could not be resolved (%s); resource skipped", r.Type, r.NameUnknown)
				// Keep a trace of the entity so that rules do not call a
				// reference to it unknown (a copy loop of backends whose
				// count is a parameter without value, for instance).
				l.b.svc.Skipped = append(l.b.svc.Skipped, apim.SkippedResource{Type: kind, Name: "(name unresolved)", Pos: r.Pos})
			}
			continue
		}
		rr, ok := toResource(r.Type, r.Name, "", r.Node)
		if !ok {
			continue
		}
		if strings.HasPrefix(r.Name, "[") && !strings.HasPrefix(r.Name, "[[") {
			// ARM takes a string that starts with '[' but does not end
			// with ']' literally; as a resource name it is an expression
			// that lost its closing bracket, and Azure rejects the name.
			pos := r.Pos
			if n := r.Node.Get("name"); n != nil {
				pos = n.Position()
			}
			l.b.dec.issue(pos, "APIM901", "%s name %q starts with '[' but does not end with ']': an unterminated ARM expression is taken literally", r.Type, r.Name)
		}
		rr.Pos = r.Pos
		rs = append(rs, rr)
	}
	l.b.addAll(rs)
	return nil
}
