package configschema

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/internal/schemagen"
	"github.com/apimlab/apimlab/lint"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

var moduleRoot = filepath.Join("..", "..")

func TestSchemaUpToDate(t *testing.T) {
	schema, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	if err := schemagen.Check(filepath.Join(moduleRoot, SchemaFile), schema, "go generate ./lint/configschema"); err != nil {
		t.Fatal(err)
	}
}

func compiled(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	sch, err := c.Compile(filepath.Join(moduleRoot, SchemaFile))
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// yamlValue decodes YAML into the JSON value model: dates stay the
// strings they are in YAML 1.2 (what editors' YAML servers see).
func yamlValue(t *testing.T, data []byte) any {
	t.Helper()
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(normalize(doc))
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalize(e)
		}
	case time.Time:
		return x.Format(time.DateOnly)
	}
	return v
}

// schemaMarker is the editor line that marks a YAML block of the docs as
// an .apimlab.yaml example.
var schemaMarker = "yaml-language-server: $schema=" + SchemaID

// examples returns the shipped examples: testdata/full.apimlab.yaml and
// every ```yaml block in the repository's Markdown that carries the
// schema line.
func examples(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	full, err := os.ReadFile(filepath.Join("testdata", "full.apimlab.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out["testdata/full.apimlab.yaml"] = full
	block := regexp.MustCompile("(?s)```ya?ml\n(.*?)```")
	err = filepath.WalkDir(moduleRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".md") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for i, m := range block.FindAllSubmatch(data, -1) {
			if bytes.Contains(m[1], []byte(schemaMarker)) {
				out[p+"#"+strconv.Itoa(i+1)] = m[1]
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Every shipped example is valid for the schema and for apimlab.
func TestExamplesValid(t *testing.T) {
	sch := compiled(t)
	ex := examples(t)
	if len(ex) < 2 {
		t.Errorf("found %d examples, want testdata/full.apimlab.yaml and at least one in the docs carrying %q", len(ex), schemaMarker)
	}
	for name, data := range ex {
		t.Run(name, func(t *testing.T) {
			if err := sch.Validate(yamlValue(t, data)); err != nil {
				t.Errorf("schema rejects it: %v", err)
			}
			if _, err := lint.ParseConfig(name, data); err != nil {
				t.Errorf("apimlab rejects it: %v", err)
			}
		})
	}
}

// Mistakes apimlab refuses are refused by the schema too, so the editor
// flags them before the run does.
func TestSchemaRejectsWhatApimlabRejects(t *testing.T) {
	sch := compiled(t)
	tests := []struct{ name, doc string }{
		{"unknown top-level key", "rule: {}\n"},
		{"unknown rule key", "rules: { APIM001: { level: error } }\n"},
		{"not a rule ID", "rules: { apim001: { disabled: true } }\n"},
		{"unknown severity", "rules: { APIM001: { severity: fatal } }\n"},
		{"disabled not a boolean", "rules: { APIM001: { disabled: maybe } }\n"},
		{"rps zero", "baseline: { rps: 0 }\n"},
		{"failure rate as a percentage", "baseline: { failureRate: 1 }\n"},
		{"unknown backend key", "backends: { orders: { weight: 3 } }\n"},
		{"trusted CAs not a list", "backends: { orders: { trustedClientCAs: ca.pem } }\n"},
		{"certificate without file", "certificates: { c1: { passwordEnv: X } }\n"},
		{"suppression without reason", "suppressions: [ { rule: APIM001 } ]\n"},
		{"suppression without rule", "suppressions: [ { reason: known } ]\n"},
		{"suppression of a bad rule ID", "suppressions: [ { rule: APIM1, reason: known } ]\n"},
		{"expiry not a date", "suppressions: [ { rule: APIM001, reason: known, expires: soon } ]\n"},
		{"suppressions not a list", "suppressions: { rule: APIM001 }\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := lint.ParseConfig("t.yaml", []byte(tt.doc)); err == nil {
				t.Fatalf("apimlab accepts %q: the case is wrong", tt.doc)
			}
			if err := sch.Validate(yamlValue(t, []byte(tt.doc))); err == nil {
				t.Errorf("the schema accepts %q", tt.doc)
			}
		})
	}
}

// schemaKeys returns the property paths the schema declares: "rules.*"
// for a map's entries, "suppressions[]" for a list's items.
func schemaKeys(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(moduleRoot, SchemaFile))
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(data, &root); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(prefix string, s map[string]any)
	walk = func(prefix string, s map[string]any) {
		if props, ok := s["properties"].(map[string]any); ok {
			for k, v := range props {
				p := strings.TrimPrefix(prefix+"."+k, ".")
				out = append(out, p)
				walk(p, v.(map[string]any))
			}
		}
		if ap, ok := s["additionalProperties"].(map[string]any); ok {
			walk(prefix+".*", ap)
		}
		if items, ok := s["items"].(map[string]any); ok {
			walk(prefix+"[]", items)
		}
	}
	walk("", root)
	sort.Strings(out)
	return out
}

// docKeys returns the property paths a YAML document uses, in the same
// notation (the entries of the maps the schema types as maps become *).
func docKeys(v any, prefix string, mapsOf map[string]bool) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p := strings.TrimPrefix(prefix+"."+k, ".")
			if mapsOf[prefix] {
				p = prefix + ".*"
				out = append(out, docKeys(e, p, mapsOf)...)
				continue
			}
			out = append(out, p)
			if strings.HasSuffix(p, ".options") {
				continue // free-form rule options
			}
			out = append(out, docKeys(e, p, mapsOf)...)
		}
	case []any:
		for _, e := range x {
			out = append(out, docKeys(e, prefix+"[]", mapsOf)...)
		}
	}
	return out
}

// testdata/full.apimlab.yaml uses every key the schema declares, so the
// parser's accepting it (TestExamplesValid) proves it knows them all.
func TestExampleUsesEveryKey(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "full.apimlab.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	maps := map[string]bool{"rules": true, "backends": true, "certificates": true}
	used := docKeys(doc, "", maps)
	sort.Strings(used)
	used = slices.Compact(used)
	want := schemaKeys(t)
	if !slices.Equal(used, want) {
		t.Errorf("keys used by the example:\n%q\nkeys in the schema:\n%q", used, want)
	}
}

// knownKeys is the "(known: a, b)" list in apimlab's unknown-key error.
var knownKeys = regexp.MustCompile(`unknown key "zzz" in [^(]*\(known: ([^)]*)\)`)

// The parser knows no key the schema lacks. apimlab's own list of keys
// lives inside its parser; the unknown-key error prints it, and this
// test reads it from there at each level of the file.
func TestParserKnowsNoOtherKeys(t *testing.T) {
	keys := schemaKeys(t)
	levels := []struct{ prefix, doc string }{
		{"", "zzz: 1\n"},
		{"rules.*", "rules: { APIM001: { zzz: 1 } }\n"},
		{"baseline", "baseline: { zzz: 1 }\n"},
		{"backends.*", "backends: { b: { zzz: 1 } }\n"},
		{"backends.*.baseline", "backends: { b: { baseline: { zzz: 1 } } }\n"},
		{"certificates.*", "certificates: { c: { file: f, zzz: 1 } }\n"},
		{"suppressions[]", "suppressions: [ { rule: APIM001, reason: r, zzz: 1 } ]\n"},
	}
	for _, lv := range levels {
		t.Run(lv.prefix, func(t *testing.T) {
			_, err := lint.ParseConfig("t.yaml", []byte(lv.doc))
			m := knownKeys.FindStringSubmatch(errString(err))
			if m == nil {
				t.Fatalf("no known-keys list in the error %v", err)
			}
			var parser []string
			for _, k := range strings.Split(m[1], ",") {
				parser = append(parser, strings.TrimSpace(k))
			}
			sort.Strings(parser)
			var schema []string
			for _, k := range keys {
				rest, ok := strings.CutPrefix(k, lv.prefix)
				if lv.prefix == "" {
					rest, ok = "."+k, true
				}
				if ok && strings.HasPrefix(rest, ".") && !strings.ContainsAny(rest[1:], ".[*") {
					schema = append(schema, rest[1:])
				}
			}
			sort.Strings(schema)
			if !slices.Equal(parser, schema) {
				t.Errorf("apimlab knows %q, the schema %q", parser, schema)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
