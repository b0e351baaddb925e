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
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/arm"
	"github.com/apimlab/apimlab/apim/jsontree"
	"github.com/apimlab/apimlab/internal/textfile"
)

// Options controls loading.
type Options struct {
	// Parameters are ARM parameters files applied to every template. When
	// empty, a template X.json uses X.parameters.json beside it if present.
	Parameters []string
	// Complete says the inputs are the whole of every service they hold:
	// a reference to an entity absent from them is dangling, whatever the
	// input form (Service.Coverage.Complete).
	Complete bool
	// Environment picks the APIOps configuration.<env>.yaml whose
	// overrides are applied to APIOps artifact folders: "" applies the
	// only one when there is exactly one, "all" loads the folder once per
	// environment, "none" applies none.
	Environment string
	// Resolved, when set, is called once an ARM template's resources are
	// resolved and before the model is built from them: its parse tree and
	// the resolution's intermediates are allocated by then, the model not
	// yet. The CLI collects garbage there when a collection is due soon
	// (issue 16); a library does not force collections itself. It is not
	// called when the build runs in steps (Building): a collection before
	// the build frees none of the parse tree, one after its first step
	// frees what that step released.
	Resolved func()
	// Building, when set, is called during the model build of a service
	// with many backends (2,048 or more from one file), each time another
	// eighth of them is built (seven times), with the steps done and the
	// steps in all (1 of 8, …, 7 of 8). The resources built so far are
	// released by then (their parse tree and resolution results), so a
	// collection there lets the rest of the build reuse their memory
	// instead of growing the heap (issue 16). Like Resolved, it leaves the
	// collecting to the caller.
	Building func(done, steps int)
	// Reading, when set, is called before a JSON file is read and parsed,
	// with its size in bytes. The CLI prepares the heap for a large input
	// there (huge pages, issue 16); a library leaves memory alone.
	Reading func(size int64)
	// Timings, when set, accumulates the wall time the load spends parsing
	// JSON files, resolving ARM templates and building the model from them
	// (lint --timings).
	Timings *Timings

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

// Load reads every path (files or folders) into one Service: the services
// LoadServices finds, merged. The gateway and simulations run one merged
// configuration; lint uses LoadServices.
func Load(paths []string, opts Options) (*apim.Service, error) {
	svcs, err := LoadServices(paths, opts)
	if len(svcs) == 0 {
		return &apim.Service{}, err
	}
	if len(svcs) == 1 {
		return svcs[0], err
	}
	return Merge(svcs), err
}

// LoadServices reads every path (files or folders) and groups what it
// finds into services: ARM and REST resources by the service name in their
// resource name or id (parameters resolved; a name built from a parameter
// without a value is a placeholder such as "<apimName>"), each APIOps
// artifact root on its own (once per environment with Environment "all"),
// and standalone policy files with the service whose files lie in the same
// folder or the nearest folder above (or, when there is none or more than
// one, with the other standalone files of their folder). References
// resolve within a service only. Services are returned in the order their
// first file was met.
func LoadServices(paths []string, opts Options) ([]*apim.Service, error) {
	l := &loader{opts: opts, groups: map[string]*builder{}}
	if len(opts.Parameters) > 0 {
		l.params = arm.Params{}
		for _, p := range opts.Parameters {
			data, err := textfile.ReadFile(p)
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
	svcs := l.finish()
	if l.loaded == 0 {
		return svcs, fmt.Errorf("%w in %s", ErrNoInput, strings.Join(paths, ", "))
	}
	if e := opts.Environment; e != "" && e != "all" && e != "none" && !l.envApplied {
		return nil, fmt.Errorf("environment %q: no APIOps artifact folder with a configuration.%s.yaml in %s", e, e, strings.Join(paths, ", "))
	}
	return svcs, nil
}

type loader struct {
	opts   Options
	params arm.Params
	loaded int
	// walking holds the folders being walked (the current one last), so
	// that a symbolic link back to one of them is not followed forever.
	walking []os.FileInfo
	// groups are the services being built by group key; order lists the
	// keys as first met.
	groups map[string]*builder
	order  []string
	// envApplied is set once an APIOps environment's overrides are used.
	envApplied bool
	// loose are findings-bearing items that belong to no named service
	// yet: standalone policy files, unreadable or malformed files. They
	// join a service in finish.
	loose []looseItem
}

// looseItem is something loaded outside any named service, placed by
// folder once every input has been read.
type looseItem struct {
	dir string
	// optional items join an existing service only: they never create
	// one (a JSON file that is not configuration).
	optional bool
	// add puts the item into the service b.
	add func(b *builder)
}

// group returns the builder of the service with the given key, creating it.
func (l *loader) group(key string, init func(*builder)) *builder {
	if b := l.groups[key]; b != nil {
		return b
	}
	b := newBuilder()
	b.sequential, b.building = l.opts.sequential, l.opts.Building
	if init != nil {
		init(b)
	}
	l.groups[key] = b
	l.order = append(l.order, key)
	return b
}

// named returns the builder of the service called name ("" gives the
// unnamed service of folder dir).
func (l *loader) named(name, dir string) *builder {
	if name == "" {
		return l.group("dir:"+dir, func(b *builder) { b.svc.Root = dir })
	}
	return l.group("name:"+strings.ToLower(name), func(b *builder) { b.svc.Name = name })
}

// addLoose records an item to place by folder; issue and skipped entries
// of a scratch builder are carried over.
func (l *loader) addLoose(file string, scratch *builder, add func(b *builder)) {
	l.loose = append(l.loose, looseItem{dir: filepath.Dir(file), add: func(b *builder) {
		if scratch != nil {
			b.svc.Issues = append(b.svc.Issues, scratch.svc.Issues...)
			b.svc.Skipped = append(b.svc.Skipped, scratch.svc.Skipped...)
			b.svc.Sources = append(b.svc.Sources, scratch.svc.Sources...)
			b.svc.SecureValues = append(b.svc.SecureValues, scratch.svc.SecureValues...)
			for f, note := range scratch.svc.FileNotes {
				if b.svc.FileNotes == nil {
					b.svc.FileNotes = map[string]string{}
				}
				b.svc.FileNotes[f] = note
			}
		}
		if add != nil {
			add(b)
		}
	}})
}

// finish places the loose items and returns the services, issues sorted.
func (l *loader) finish() []*apim.Service {
	// Folders holding files of a named service (ARM and REST sources).
	owners := map[string][]*builder{}
	for _, key := range l.order {
		if !strings.HasPrefix(key, "name:") {
			continue
		}
		b := l.groups[key]
		seen := map[string]bool{}
		for _, src := range b.svc.Sources {
			d := filepath.Clean(filepath.Dir(src))
			if !seen[d] {
				seen[d] = true
				owners[d] = append(owners[d], b)
			}
		}
	}
	// Optional items last: they join only services that exist.
	sort.SliceStable(l.loose, func(i, j int) bool { return !l.loose[i].optional && l.loose[j].optional })
	for _, it := range l.loose {
		target := l.ownerOf(filepath.Clean(it.dir), owners)
		if target == nil && it.optional {
			target = l.groups["dir:"+it.dir]
			if target == nil {
				continue
			}
		}
		if target == nil {
			target = l.named("", it.dir)
		}
		it.add(target)
	}
	out := make([]*apim.Service, 0, len(l.order))
	for _, key := range l.order {
		b := l.groups[key]
		if l.opts.Complete {
			b.svc.Coverage.Complete = true
		}
		b.finish()
		out = append(out, b.svc)
	}
	return out
}

// ownerOf returns the one named service with files in dir or, when none
// has, in the nearest folder above; nil when there is none or more than one.
func (l *loader) ownerOf(dir string, owners map[string][]*builder) *builder {
	for {
		switch bs := owners[dir]; len(bs) {
		case 1:
			return bs[0]
		case 0:
		default:
			return nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil
		}
		dir = parent
	}
}

func (l *loader) path(p string, explicit bool) error {
	st, err := os.Stat(p)
	if err != nil {
		if explicit {
			return fmt.Errorf("cannot read %s: %w", p, unwrapPathErr(err))
		}
		// Met in a folder walk (a dangling link, a file removed meanwhile):
		// report it and load the rest rather than fail the whole run.
		sb := newBuilder()
		is := unreadable(p, err)
		*sb.dec.issues = append(*sb.dec.issues, is)
		l.addLoose(p, sb, nil)
		return nil
	}
	if !st.IsDir() {
		if !st.Mode().IsRegular() && !explicit {
			// A named pipe, socket or device met in a folder walk: reading
			// it could block forever. Given explicitly, it is read.
			sb := newBuilder()
			sb.svc.Skipped = append(sb.svc.Skipped, apim.SkippedResource{Type: "file", Name: p, Pos: apim.Position{File: p}})
			l.addLoose(p, sb, nil)
			return nil
		}
		return l.file(p, st.Size(), explicit)
	}
	for _, w := range l.walking {
		if os.SameFile(w, st) {
			// A symbolic link to a folder being walked: following it
			// would load the same files again, without end.
			sb := newBuilder()
			sb.svc.Skipped = append(sb.svc.Skipped, apim.SkippedResource{Type: "symlink loop", Name: p, Pos: apim.Position{File: p}})
			l.addLoose(p, sb, nil)
			return nil
		}
	}
	l.walking = append(l.walking, st)
	defer func() { l.walking = l.walking[:len(l.walking)-1] }()
	if isAPIOps(p) {
		l.loaded++
		return l.apiops(p)
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

func (l *loader) file(p string, size int64, explicit bool) error {
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
		l.skipFile(p, apim.Position{File: p})
		return nil
	}
	if l.opts.Reading != nil {
		l.opts.Reading(size)
	}
	sb := newBuilder()
	start := time.Now()
	node, err := sb.parseJSON(p)
	if t := l.opts.Timings; t != nil {
		t.Parse += time.Since(start)
	}
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", p, unwrapPathErr(err))
	}
	if node.Kind == jsontree.Null && len(sb.svc.Issues) > 0 {
		l.loaded++ // malformed: reported as APIM901
		l.addLoose(p, sb, nil)
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
		l.rest(p, node)
		return nil
	}
	if base := filepath.Base(p); strings.HasSuffix(base, "Information.json") && explicit {
		l.loaded++
		return l.infoFile(p)
	}
	if explicit {
		l.loaded++
		sb.dec.issue(node.Position(), apim.Malformed, "%s is not an API Management configuration (not an ARM template, REST resource or APIOps artifact)", p)
		l.addLoose(p, sb, nil)
		return nil
	}
	l.skipFile(p, node.Position())
	return nil
}

// armName is the name a resolved resource is checked under: its name, or
// its placeholder name when the name is unknown; ok is false when the
// resource is skipped (the loader reports why).
func armName(r *arm.Resource) (name string, ok bool) {
	if r.Name != "" || r.NameUnknown == "" {
		return r.Name, true
	}
	if _, _, ok := splitType(r.Type); !ok || r.NamePlaceholder == "" {
		return "", false
	}
	return r.NamePlaceholder, true
}

// convertAll converts the resolved resources to the loader's form
// (toResource; nil where a resource is skipped or not an API Management
// one). A template of thousands of resources is converted on every core:
// about a microsecond each, 40 ms of a 40,000-backend lint on one (issue
// 16).
func convertAll(rs []arm.Resource) []*resource {
	out := make([]*resource, len(rs))
	convert := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			r := &rs[i]
			if name, ok := armName(r); ok {
				out[i], _ = toResource(r.Type, name, "", r.Node, r.Pos)
			}
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(rs)/1024)
	if workers < 2 {
		convert(0, len(rs))
		return out
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { convert(w*len(rs)/workers, (w+1)*len(rs)/workers) })
	}
	wg.Wait()
	return out
}

// Timings are wall times of a load's phases (Options.Timings), summed over
// its files. Parse counts the JSON files read as ARM templates, parameters
// or REST documents; Resolve and Build count ARM templates (resolution,
// then the model build, with the hooks it calls). APIOps artifact folders,
// policy files and the merging of services count in none of them.
type Timings struct {
	Parse, Resolve, Build time.Duration
}

// stepped reports whether the model of a file's resources is built in
// steps with the Building hook between them (addAll): a service among
// them has 2,048 backends or more.
func (l *loader) stepped(rs []*resource) bool {
	if l.opts.Building == nil {
		return false
	}
	n := map[string]int{}
	for _, r := range rs {
		if r.Kind == "backends" {
			key := strings.ToLower(r.Service) // as named groups services
			if n[key]++; inSteps(n[key], l.opts.Building) {
				return true
			}
		}
	}
	return false
}

// skipFile records a file met in a folder walk that holds no API
// Management configuration. It is listed in Skipped of the service of its
// folder when there is one, and creates no service of its own.
func (l *loader) skipFile(p string, pos apim.Position) {
	l.loose = append(l.loose, looseItem{dir: filepath.Dir(p), optional: true, add: func(b *builder) {
		b.svc.Skipped = append(b.svc.Skipped, apim.SkippedResource{Type: "file", Name: p, Pos: pos})
	}})
}

// rest adds the resources of a REST/az document to the services their ids
// (or, for an API spec example, its serviceName parameter) name.
func (l *loader) rest(p string, root *jsontree.Value) {
	sb := newBuilder()
	rs, held, note := collectREST(root, sb)
	l.route(p, rs, sb.svc.Issues, func(b *builder) {
		b.svc.Coverage.Add(held...)
		if note != "" {
			if b.svc.FileNotes == nil {
				b.svc.FileNotes = map[string]string{}
			}
			b.svc.FileNotes[p] = note
		}
	})
}

// route adds the resources of one file to their services. Issues of the
// file go to the service of the nearest resource declared before them
// (the first one's when none is); a file without resources is a loose
// item. init runs once on every service the file feeds.
func (l *loader) route(p string, rs []*resource, issues []*apim.Error, init func(b *builder)) {
	if len(rs) == 0 {
		sb := newBuilder()
		sb.svc.Sources = []string{p}
		sb.svc.Issues = issues
		if init != nil {
			init(sb)
		}
		l.addLoose(p, sb, nil)
		return
	}
	var order []*builder
	groups := map[*builder][]*resource{}
	owner := make([]*builder, len(rs))
	for i, r := range rs {
		b := l.named(r.Service, filepath.Dir(p))
		if _, ok := groups[b]; !ok {
			order = append(order, b)
		}
		groups[b] = append(groups[b], r)
		owner[i] = b
	}
	for _, b := range order {
		b.svc.Sources = append(b.svc.Sources, p)
		if init != nil {
			init(b)
		}
		for _, r := range groups[b] {
			if r.Kind == "service" {
				b.svc.Coverage.Add(apim.AllKinds...)
			}
		}
		b.addAll(groups[b])
	}
	if len(order) == 1 {
		order[0].svc.Issues = append(order[0].svc.Issues, issues...)
		return
	}
	// Several services in one file: an issue goes to the service of the
	// last resource declared at or before it (resources are in template
	// order, so their positions ascend; binary search keeps a template of
	// thousands of resources and issues fast).
	for _, is := range issues {
		target := owner[0]
		if is.Pos.File == p {
			i := sort.Search(len(rs), func(i int) bool { return is.Pos.Before(rs[i].Pos) })
			if i > 0 {
				target = owner[i-1]
			}
		}
		target.svc.Issues = append(target.svc.Issues, is)
	}
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
	if root.Kind == jsontree.Array && len(root.Elems()) > 0 && isRESTResource(root.Elems()[0]) {
		return KindREST
	}
	if isRESTResource(root) {
		return KindREST
	}
	if v := root.Get("value"); v != nil && v.Kind == jsontree.Array && (len(v.Elems()) == 0 || isRESTResource(v.Elems()[0])) {
		return KindREST
	}
	if exampleBody(root) != nil {
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
		l.skipFile(p, apim.Position{File: p, Line: 1, Col: 1})
		return nil
	}
	b := l.named("", dir)
	if kind == "policyfragments" {
		// The fragment's XML is the policy.xml beside its information file.
		node, err := b.parseJSON(p)
		if err != nil {
			return err
		}
		frag := &apim.Fragment{Name: name, Pos: node.PositionWithPath(), Description: b.dec.str(node.Get("properties"), "description")}
		b.svc.Fragments = append(b.svc.Fragments, frag)
		if x := filepath.Join(dir, "policy.xml"); exists(x) {
			return b.policyFile(x, apim.ScopeFragment, name, func(d *apim.PolicyDoc) { frag.Policy = d })
		}
		return nil
	}
	return b.infoResource(p, kind, []string{name}, "")
}

// policyXML loads a standalone policy file. A <fragment> root makes it a
// fragment named after the file; anything else is a standalone policy
// (checked as an API-scope policy, the scope samples are written for).
// The file joins its service in finish.
func (l *loader) policyXML(p string) error {
	data, err := textfile.ReadFile(p)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", p, unwrapPathErr(err))
	}
	name := strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
	name = strings.TrimSuffix(name, ".policy")
	doc := &apim.PolicyDoc{Format: "rawxml", XML: string(data), Pos: apim.Position{File: p, Line: 1, Col: 1}}
	fragment := rootElement(data) == "fragment"
	l.addLoose(p, nil, func(b *builder) {
		b.svc.Sources = append(b.svc.Sources, p)
		if fragment {
			doc.Scope, doc.Owner = apim.ScopeFragment, name
			b.svc.Fragments = append(b.svc.Fragments, &apim.Fragment{Name: name, Pos: doc.Pos, Policy: doc})
			return
		}
		doc.Scope, doc.Owner = apim.ScopeAPI, name
		b.svc.Standalone = append(b.svc.Standalone, doc)
	})
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

// template resolves an ARM template and adds its API Management resources
// to the services they name.
func (l *loader) template(p string, root *jsontree.Value) error {
	params := l.params
	var extra []*apim.Error
	var paramsFile string
	if params == nil {
		pf := strings.TrimSuffix(p, filepath.Ext(p)) + ".parameters.json"
		if data, err := textfile.ReadFile(pf); err == nil {
			ps, err := arm.ParseParametersFile(pf, data)
			if err != nil {
				var ae *apim.Error
				if errors.As(err, &ae) {
					extra = append(extra, ae)
				} else {
					return err
				}
			}
			params = ps
			paramsFile = pf
		}
	}
	start := time.Now()
	res := arm.Resolve(p, root, params)
	issues := append(extra, res.Issues...)
	sb := newBuilder()
	rs := make([]*resource, 0, len(res.Resources))
	conv := convertAll(res.Resources)
	for i := range res.Resources {
		r := &res.Resources[i]
		if r.Name == "" && r.NameUnknown != "" {
			kind, _, ok := splitType(r.Type)
			if !ok {
				continue
			}
			// Keep a trace of the entity so that rules do not call a
			// reference to it unknown (a copy loop of backends whose
			// count is a parameter without value, for instance).
			sb.svc.Skipped = append(sb.svc.Skipped, apim.SkippedResource{Type: kind, Name: "(name unresolved)", Pos: r.Pos})
			if r.NamePlaceholder == "" {
				sb.dec.issue(r.Pos, apim.Unresolved, "%s: name could not be resolved (%s); resource skipped", r.Type, r.NameUnknown)
				continue
			}
			// Checked under a placeholder name rather than skipped: its
			// properties may be plainly wrong whatever the name (armName).
			is := apim.Errorf(r.Pos, apim.Unresolved, "%s: name could not be resolved (%s); checked as %q", r.Type, r.NameUnknown, r.NamePlaceholder)
			is.Kind = apim.IssueNameUnresolved
			sb.svc.Issues = append(sb.svc.Issues, is)
		}
		rr := conv[i]
		if rr == nil {
			continue
		}
		name, _ := armName(r)
		if strings.HasPrefix(name, "[") && !strings.HasPrefix(name, "[[") {
			// ARM takes a string that starts with '[' but does not end
			// with ']' literally; as a resource name it is an expression
			// that lost its closing bracket, and Azure rejects the name.
			pos := r.Pos
			if n := r.Node.Get("name"); n != nil {
				pos = n.Position()
			}
			sb.dec.issue(pos, apim.Malformed, "%s name %q starts with '[' but does not end with ']': an unterminated ARM expression is taken literally", r.Type, name)
		}
		rr.resolved, rr.index = res, i
		rs = append(rs, rr)
	}
	issues = append(issues, sb.svc.Issues...)
	skipped := sb.svc.Skipped
	if t := l.opts.Timings; t != nil {
		t.Resolve += time.Since(start)
	}
	if l.opts.Resolved != nil && !l.stepped(rs) {
		l.opts.Resolved()
	}
	if t := l.opts.Timings; t != nil {
		defer func(start time.Time) { t.Build += time.Since(start) }(time.Now())
	}
	l.route(p, rs, issues, func(b *builder) {
		b.svc.SecureValues = append(b.svc.SecureValues, res.SecureValues...)
		b.svc.Parameters = append(b.svc.Parameters, res.Parameters...)
		if paramsFile != "" {
			b.svc.Sources = append(b.svc.Sources, paramsFile)
		}
		b.svc.Skipped = append(b.svc.Skipped, skipped...)
		skipped = nil
	})
	return nil
}
