package load

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/jsontree"
	"github.com/apimlab/apimlab/internal/textfile"
	"go.yaml.in/yaml/v3"
)

// envConfig is one APIOps publisher configuration file,
// configuration.<env>.yaml: the target service name and, per artifact
// section (namedValues, backends, apis, products, policyFragments…), the
// entries whose "properties" replace the artifact's before publishing.
type envConfig struct {
	name string // the environment ("prod" for configuration.prod.yaml)
	file string
	// service is apimServiceName when it is a plain string.
	service    string
	servicePos apim.Position
	// entries maps a model kind ("backends", "namedvalues", "apis",
	// "products", "policyfragments") and a lower-cased entity name to
	// the entry.
	entries map[string]map[string]*envEntry
	issues  []*apim.Error
}

// envEntry is one override: the entity it names and its properties as a
// JSON tree whose positions are in the YAML file.
type envEntry struct {
	section string
	name    string
	pos     apim.Position
	props   *jsontree.Value
	used    bool
}

// envSections maps configuration sections to the model kinds the loader
// applies them to. Other sections (loggers, diagnostics, gateways, tags,
// subscriptions…) configure entities the model does not hold.
var envSections = map[string]string{
	"namedValues": "namedvalues", "backends": "backends", "apis": "apis",
	"products": "products", "policyFragments": "policyfragments",
}

// findEnvironments returns the configuration.<env>.yaml files that apply
// to the APIOps artifact root: those in the root and in its parent (APIOps
// repositories keep them beside the artifact folder), by environment name.
// configuration.extractor.yaml is the extractor's, not an environment.
func findEnvironments(root string) map[string]string {
	out := map[string]string{}
	for _, dir := range []string{root, filepath.Dir(filepath.Clean(root))} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			n := e.Name()
			low := strings.ToLower(n)
			if e.IsDir() || !strings.HasPrefix(low, "configuration.") {
				continue
			}
			ext := filepath.Ext(low)
			if ext != ".yaml" && ext != ".yml" {
				continue
			}
			env := n[len("configuration.") : len(n)-len(ext)]
			if env == "" || strings.EqualFold(env, "extractor") {
				continue
			}
			if _, dup := out[env]; !dup {
				out[env] = filepath.Join(dir, n)
			}
		}
	}
	return out
}

// extractorFilters returns the artifact sections that
// configuration.extractor.yaml (in root or its parent) limits to a list of
// names: the artifacts then hold only those entities of the kind.
func extractorFilters(root string) []apim.EntityKind {
	kinds := map[string]apim.EntityKind{
		"backends": apim.KindBackends, "namedValues": apim.KindNamedValues, "apis": apim.KindAPIs,
		"products": apim.KindProducts, "policyFragments": apim.KindFragments,
	}
	for _, dir := range []string{root, filepath.Dir(filepath.Clean(root))} {
		for _, n := range []string{"configuration.extractor.yaml", "configuration.extractor.yml"} {
			data, err := textfile.ReadFile(filepath.Join(dir, n))
			if err != nil {
				continue
			}
			var doc yaml.Node
			if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
				return nil
			}
			var out []apim.EntityKind
			m := doc.Content[0]
			for i := 0; i+1 < len(m.Content); i += 2 {
				if k, ok := kinds[m.Content[i].Value]; ok && m.Content[i+1].Kind == yaml.SequenceNode {
					out = append(out, k)
				}
			}
			return out
		}
	}
	return nil
}

// parseEnvironment reads configuration.<env>.yaml. Problems (malformed
// YAML, an entry without a name) are issues with positions in the file.
func parseEnvironment(env, file string) *envConfig {
	c := &envConfig{name: env, file: file, entries: map[string]map[string]*envEntry{}}
	data, err := textfile.ReadFile(file)
	if err != nil {
		c.issues = append(c.issues, unreadable(file, err))
		return c
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		c.issues = append(c.issues, apim.Errorf(yamlErrPos(file, err), apim.Malformed, "%s: malformed YAML: %v", filepath.Base(file), err))
		return c
	}
	if len(doc.Content) == 0 {
		return c
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		c.issues = append(c.issues, apim.Errorf(ypos(file, top), apim.Malformed, "%s: expected a mapping of sections (apimServiceName, namedValues, backends…)", filepath.Base(file)))
		return c
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		key, val := top.Content[i], top.Content[i+1]
		if key.Value == "apimServiceName" {
			if val.Kind == yaml.ScalarNode && val.Tag == "!!str" && val.Value != "" {
				c.service, c.servicePos = val.Value, ypos(file, val)
			}
			continue
		}
		kind, ok := envSections[key.Value]
		if !ok || val.Kind != yaml.SequenceNode {
			continue
		}
		for _, e := range val.Content {
			name, props := entryParts(e)
			if name == nil {
				c.issues = append(c.issues, apim.Errorf(ypos(file, e), apim.Malformed, "%s: %s entry has no name (a plain string), so it overrides nothing", filepath.Base(file), key.Value))
				continue
			}
			if c.entries[kind] == nil {
				c.entries[kind] = map[string]*envEntry{}
			}
			entry := &envEntry{section: key.Value, name: name.Value, pos: ypos(file, name)}
			if props != nil {
				entry.props = yamlToJSON(file, props)
			}
			c.entries[kind][strings.ToLower(name.Value)] = entry
		}
	}
	return c
}

// entryParts returns the name and properties nodes of a section entry.
func entryParts(e *yaml.Node) (name, props *yaml.Node) {
	if e.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(e.Content); i += 2 {
		switch e.Content[i].Value {
		case "name":
			if v := e.Content[i+1]; v.Kind == yaml.ScalarNode && v.Value != "" {
				name = v
			}
		case "properties":
			if v := e.Content[i+1]; v.Kind == yaml.MappingNode {
				props = v
			}
		}
	}
	return name, props
}

func ypos(file string, n *yaml.Node) apim.Position {
	return apim.Position{File: file, Line: n.Line, Col: n.Column}
}

// yamlErrPos extracts "line N" from a yaml error, else line 1.
func yamlErrPos(file string, err error) apim.Position {
	var line int
	if i := strings.Index(err.Error(), "line "); i >= 0 {
		fmt.Sscanf(err.Error()[i+len("line "):], "%d", &line)
	}
	return apim.Position{File: file, Line: max(line, 1), Col: 1}
}

// yamlToJSON converts a YAML node to a JSON tree, every value positioned
// in the YAML file and marked Literal.
func yamlToJSON(file string, n *yaml.Node) *jsontree.Value {
	loc := jsontree.At(ypos(file, n))
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias != nil {
			return yamlToJSON(file, n.Alias)
		}
	case yaml.MappingNode:
		v := &jsontree.Value{Kind: jsontree.Object, Pos: loc}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			v.SetMembers(append(v.Members(), jsontree.Member{Key: k.Value, KeyPos: jsontree.At(ypos(file, k)), Value: yamlToJSON(file, n.Content[i+1])}))
		}
		return v
	case yaml.SequenceNode:
		v := &jsontree.Value{Kind: jsontree.Array, Pos: loc}
		for _, c := range n.Content {
			v.SetElems(append(v.Elems(), yamlToJSON(file, c)))
		}
		return v
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!bool":
			return &jsontree.Value{Kind: jsontree.Bool, Bool: strings.EqualFold(n.Value, "true"), Pos: loc}
		case "!!int", "!!float":
			return &jsontree.Value{Kind: jsontree.Number, Str: n.Value, Pos: loc}
		case "!!null":
			return &jsontree.Value{Kind: jsontree.Null, Pos: loc}
		}
		return &jsontree.Value{Kind: jsontree.String, Str: n.Value, Pos: loc}
	}
	return &jsontree.Value{Kind: jsontree.Null, Pos: loc}
}

// override returns the information document node with the environment's
// properties for the entity merged in (override wins, objects merged
// member by member, as the publisher does), or node itself.
func (c *envConfig) override(kind, name string, node *jsontree.Value) *jsontree.Value {
	if c == nil || node == nil || node.Kind != jsontree.Object {
		return node
	}
	e := c.entries[kind][strings.ToLower(name)]
	if e == nil {
		return node
	}
	e.used = true
	if e.props == nil {
		return node
	}
	out := *node
	out.SetMembers(append([]jsontree.Member(nil), node.Members()...))
	if m := out.Member("properties"); m != nil {
		m.Value = mergeJSON(m.Value, e.props)
	} else {
		out.SetMembers(append(out.Members(), jsontree.Member{Key: "properties", KeyPos: e.props.Pos, Value: e.props}))
	}
	res := &out
	res.Adopt()
	return res
}

// mergeJSON merges over into base: objects member by member, anything
// else replaced.
func mergeJSON(base, over *jsontree.Value) *jsontree.Value {
	if base == nil || base.Kind != jsontree.Object || over.Kind != jsontree.Object {
		return over
	}
	out := (&jsontree.Value{Kind: jsontree.Object, Pos: base.Pos, Origin: base.Origin}).WithMembers(append([]jsontree.Member(nil), base.Members()...))
	for _, m := range over.Members() {
		if bm := out.Member(m.Key); bm != nil {
			bm.Value = mergeJSON(bm.Value, m.Value)
			continue
		}
		out.SetMembers(append(out.Members(), m))
	}
	return out
}

// unmatched reports the entries that named no artifact: they override
// nothing (a renamed entity, a typo).
func (c *envConfig) unmatched() []*apim.Error {
	var out []*apim.Error
	for _, byName := range c.entries {
		for _, e := range byName {
			if e.used {
				continue
			}
			is := apim.Errorf(e.pos, apim.UnknownProperty, "%s: %s override %q matches no artifact, so it overrides nothing",
				filepath.Base(c.file), e.section, e.name)
			is.Kind = apim.IssueUnmatchedOverride
			out = append(out, is)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Pos.Before(out[j].Pos) })
	return out
}

// apiops loads an APIOps artifact root as one service, or as one service
// per environment (Options.Environment).
func (l *loader) apiops(root string) error {
	envs := findEnvironments(root)
	names := make([]string, 0, len(envs))
	for n := range envs {
		names = append(names, n)
	}
	sort.Strings(names)
	var pick []string
	var note *apim.Error
	switch want := l.opts.Environment; {
	case want == "none" || len(envs) == 0:
		pick = []string{""}
	case want == "all":
		pick = names
	case want != "":
		if _, ok := envs[want]; !ok {
			return fmt.Errorf("%s: no configuration.%s.yaml for this APIOps folder (environments: %s)", root, want, strings.Join(names, ", "))
		}
		pick = []string{want}
	case len(envs) == 1:
		pick = names
	default:
		pick = []string{""}
		note = apim.Errorf(apim.Position{File: envs[names[0]], Line: 1, Col: 1}, apim.Unresolved,
			"%d APIOps environments (%s): their overrides were not applied; pass --environment NAME, or --environment all to lint each",
			len(names), strings.Join(names, ", "))
	}
	filtered := extractorFilters(root)
	for _, env := range pick {
		var cfg *envConfig
		if env != "" {
			cfg = parseEnvironment(env, envs[env])
		}
		b := l.group("apiops:"+root+"#"+env, func(b *builder) {
			b.svc.Root = root
			b.svc.Environment = env
			if cfg != nil {
				b.svc.Name, b.svc.Pos = cfg.service, cfg.servicePos
			}
		})
		b.env = cfg
		b.svc.Coverage.Add(apim.KindBackends, apim.KindNamedValues, apim.KindFragments, apim.KindAPIs, apim.KindProducts)
		for _, k := range filtered {
			delete(b.svc.Coverage.Kinds, k)
		}
		if cfg != nil {
			l.envApplied = true
			b.svc.Sources = append(b.svc.Sources, cfg.file)
			b.svc.Issues = append(b.svc.Issues, cfg.issues...)
		}
		if note != nil {
			b.svc.Issues = append(b.svc.Issues, note)
		}
		if err := b.loadAPIOps(root, ""); err != nil {
			return err
		}
		b.unknownFiles(root)
		if cfg != nil {
			b.svc.Issues = append(b.svc.Issues, cfg.unmatched()...)
		}
	}
	return nil
}
