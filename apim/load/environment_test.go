package load

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim/jsontree"
)

func TestParseEnvironment(t *testing.T) {
	for _, tt := range []struct {
		name, yaml  string
		wantService string
		wantIssues  []string // "line:col code message prefix"
		wantEntries []string // "kind/name@line:col"
	}{
		{"publisher format", "apimServiceName: apim-prod\nbackends:\n  - name: orders\n    properties:\n      url: https://x\nnamedValues:\n  - name: Region\n    properties:\n      value: eu\nloggers:\n  - name: ai\n",
			"apim-prod", nil, []string{"backends/orders@3:11", "namedvalues/region@7:11"}},
		{"a placeholder list as service name is ignored", "apimServiceName: [prod name goes here]\n", "", nil, nil},
		{"malformed YAML", "backends:\n  - name: orders\n   properties: [\n", "",
			// At the line the YAML parser names in its error.
			[]string{"1:1 malformed configuration.prod.yaml: malformed YAML: yaml: line 1:"}, nil},
		{"an entry without a name", "backends:\n  - properties:\n      url: https://x\n", "",
			[]string{"2:5 malformed configuration.prod.yaml: backends entry has no name"}, nil},
		{"not a mapping", "- a\n- b\n", "", []string{"1:1 malformed configuration.prod.yaml: expected a mapping"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, t.TempDir(), "configuration.prod.yaml", tt.yaml)
			c := parseEnvironment("prod", p)
			if c.service != tt.wantService {
				t.Errorf("service = %q, want %q", c.service, tt.wantService)
			}
			var issues []string
			for _, is := range c.issues {
				issues = append(issues, is.Pos.String()[len(p)+1:]+" "+is.Code.String()+" "+is.Msg)
			}
			if len(issues) != len(tt.wantIssues) {
				t.Fatalf("issues = %q, want %q", issues, tt.wantIssues)
			}
			for i := range issues {
				if !strings.HasPrefix(issues[i], tt.wantIssues[i]) {
					t.Errorf("issue %q, want %q…", issues[i], tt.wantIssues[i])
				}
			}
			var entries []string
			for kind, byName := range c.entries {
				for key, e := range byName {
					entries = append(entries, kind+"/"+key+"@"+e.pos.String()[len(p)+1:])
				}
			}
			if strings.Join(sorted(entries), ",") != strings.Join(tt.wantEntries, ",") {
				t.Errorf("entries = %q, want %q", sorted(entries), tt.wantEntries)
			}
		})
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestMergeJSON(t *testing.T) {
	parse := func(s string) *jsontree.Value {
		v, err := jsontree.Parse("x.json", []byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	render := func(v *jsontree.Value) string { return toJSON(v) }
	for _, tt := range []struct{ base, over, want string }{
		{`{"url":"a","protocol":"http"}`, `{"url":"b"}`, `{"url":"b","protocol":"http"}`},
		{`{"tls":{"validateCertificateChain":true,"validateCertificateName":true}}`, `{"tls":{"validateCertificateName":false}}`,
			`{"tls":{"validateCertificateChain":true,"validateCertificateName":false}}`},
		{`{"credentials":{"header":{"a":["1"]}}}`, `{"credentials":{"header":{"b":["2"]}}}`, `{"credentials":{"header":{"a":["1"],"b":["2"]}}}`},
		{`{"list":[1,2]}`, `{"list":[3]}`, `{"list":[3]}`},
		{`{"x":"s"}`, `{"x":{"y":1}}`, `{"x":{"y":1}}`},
	} {
		if got := render(mergeJSON(parse(tt.base), parse(tt.over))); got != tt.want {
			t.Errorf("merge(%s, %s) = %s, want %s", tt.base, tt.over, got, tt.want)
		}
	}
}

// toJSON renders a tree compactly (test helper).
func toJSON(v *jsontree.Value) string {
	switch v.Kind {
	case jsontree.Object:
		var parts []string
		for _, m := range v.Members() {
			parts = append(parts, `"`+m.Key+`":`+toJSON(m.Value))
		}
		return "{" + strings.Join(parts, ",") + "}"
	case jsontree.Array:
		var parts []string
		for _, e := range v.Elems() {
			parts = append(parts, toJSON(e))
		}
		return "[" + strings.Join(parts, ",") + "]"
	case jsontree.String:
		return `"` + v.Str + `"`
	case jsontree.Bool:
		if v.Bool {
			return "true"
		}
		return "false"
	case jsontree.Null:
		return "null"
	}
	return v.Str
}

func TestSuggestFile(t *testing.T) {
	for in, want := range map[string]string{
		"api_information.json":        "apiInformation.json",
		"BackendInformation.json":     "backendInformation.json",
		"backendInfomation.json":      "backendInformation.json",
		"namedValue-Information.json": "namedValueInformation.json",
		"polcy.xml":                   "policy.xml",
		"openapi.json":                "",
		"notes.yaml":                  "",
	} {
		if got := suggestFile(in); got != want {
			t.Errorf("suggestFile(%q) = %q, want %q", in, got, want)
		}
	}
	for name, known := range map[string]bool{
		"specification.yaml": true, "specification.graphql": true, "configuration.prod.yaml": true,
		"policy.xml": true, "apiInformation.json": true, "api_information.json": false, "swagger.json": false,
	} {
		if got := knownAPIOpsFile(name); got != known {
			t.Errorf("knownAPIOpsFile(%q) = %v, want %v", name, got, known)
		}
	}
}

// Standalone policy files join the one service whose files lie in their
// folder or the nearest folder above; otherwise they form the unnamed
// service of their folder.
func TestStandalonePoliciesJoinTheirService(t *testing.T) {
	dir := t.TempDir()
	tmpl := func(svc string) string {
		return `{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0",
"resources": [{"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "name": "` + svc + `/b", "properties": {"url": "https://b.example", "protocol": "http"}}]}`
	}
	const pol = `<policies><inbound><base /></inbound></policies>`
	writeFile(t, dir, "a/main.json", tmpl("apim-a"))
	writeFile(t, dir, "a/policies/api.xml", pol)    // below a: joins apim-a
	writeFile(t, dir, "two/x.json", tmpl("apim-x")) // two services in one folder:
	writeFile(t, dir, "two/y.json", tmpl("apim-y"))
	writeFile(t, dir, "two/shared.xml", pol) // ambiguous, stays on its own
	writeFile(t, dir, "snippets/s1.xml", pol)
	writeFile(t, dir, "snippets/s2.xml", pol)
	svcs, err := LoadServices([]string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, s := range svcs {
		label := s.Name
		if label == "" {
			rel, _ := filepath.Rel(dir, s.Root)
			label = "unnamed " + filepath.ToSlash(rel)
		}
		got[label] = len(s.Standalone)
	}
	want := map[string]int{"apim-a": 1, "apim-x": 0, "apim-y": 0, "unnamed two": 1, "unnamed snippets": 2}
	if len(got) != len(want) {
		t.Errorf("services = %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("service %q has %d standalone policies, want %d (all: %v)", k, got[k], n, got)
		}
	}
}
