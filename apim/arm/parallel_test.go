package arm

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim/jsontree"
	"github.com/apimlab/apimlab/internal/gen"
	"github.com/apimlab/apimlab/internal/textdiff"
)

// resolveWith resolves data with the parallel resolution forced on (chunks
// of chunk resources from the first resource) or off.
func resolveWith(t *testing.T, name string, data []byte, params Params, parallel bool, chunk int) (*Result, bool) {
	t.Helper()
	root, err := jsontree.Parse(name, data)
	if err != nil {
		return nil, false
	}
	oldMin, oldChunk := parallelMin, parallelChunk
	defer func() { parallelMin, parallelChunk = oldMin, oldChunk }()
	parallelMin, parallelChunk = 1<<30, chunk
	if parallel {
		parallelMin = 1
	}
	given := map[string]*value{}
	for k, v := range params {
		given[strings.ToLower(k)] = v
	}
	_, _, took := resolveParallel(name, root, given)
	return Resolve(name, root, params), took
}

// dumpResult renders everything a Result holds, positions and JSON paths
// included, one line per fact.
func dumpResult(res *Result) string {
	var b strings.Builder
	for _, r := range res.Resources {
		fmt.Fprintf(&b, "resource %q %q unknown=%q placeholder=%q api=%q pos=%s path=%s deployment=%q cond=%q count=%q own=%v\n",
			r.Type, r.Name, r.NameUnknown, r.NamePlaceholder, r.APIVersion, r.Pos, r.Pos.Path, r.Deployment, r.ConditionUnknown, r.CountUnknown, r.decl != nil)
		dumpValue(&b, "  ", r.Node)
	}
	for _, is := range res.Issues {
		fmt.Fprintf(&b, "issue %s %s kind=%v %s\n", is.Pos, is.Code, is.Kind, is.Msg)
	}
	fmt.Fprintf(&b, "secure %q\n", res.SecureValues)
	for _, p := range res.Parameters {
		fmt.Fprintf(&b, "param %+v\n", *p)
	}
	return b.String()
}

func dumpValue(b *strings.Builder, indent string, v *value) {
	if v == nil {
		b.WriteString(indent + "<nil>\n")
		return
	}
	fmt.Fprintf(b, "%s%v origin=%v pos=%s path=%s str=%q bool=%v reason=%q expr=%q\n",
		indent, v.Kind, v.Origin, v.Position(), v.Path(), v.Str, v.Bool, v.Reason(), v.Expr())
	for _, m := range v.Members() {
		fmt.Fprintf(b, "%s.%q at %s\n", indent, m.Key, m.KeyPos.Position())
		dumpValue(b, indent+"  ", m.Value)
	}
	for _, e := range v.Elems() {
		dumpValue(b, indent+"  ", e)
	}
}

// edgeTemplate has what a parallel resolution could get wrong, spread over
// many chunks: the same unknown reason, evaluation error and malformed
// expression in resources of different chunks (reported once, at the
// first), copy loops with a known and an unknown count, conditions,
// existing resources, child resources under an unknown parent name, a
// resource that is not an object, secure values and variable loops.
func edgeTemplate() []byte {
	var b strings.Builder
	b.WriteString(`{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
"contentVersion": "1.0.0.0",
"parameters": {
 "apimName": {"type": "string"},
 "list": {"type": "array", "defaultValue": ["a", "b"]},
 "secret": {"type": "securestring", "defaultValue": "s3cr3t-value"},
 "n": {"type": "int"},
 "on": {"type": "bool", "defaultValue": true}
},
"variables": {
 "suffix": "[concat('-', parameters('list')[1])]",
 "named": "[format('{0}-svc', parameters('apimName'))]",
 "copy": [{"name": "hosts", "count": 3, "input": "[format('h{0}.example.com', copyIndex('hosts'))]"}]
},
"resources": [`)
	for i := range 60 {
		if i > 0 {
			b.WriteString(",\n")
		}
		switch i % 12 {
		case 0:
			fmt.Fprintf(&b, `{"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "name": "[format('{0}/b%d', parameters('apimName'))]", "properties": {"url": "[concat('https://', variables('hosts')[%d], variables('suffix'))]"}}`, i, i%3)
		case 1:
			fmt.Fprintf(&b, `{"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "name": "apim/idx%d", "properties": {"url": "[parameters('list')[9]]", "description": "[variables('named')]"}}`, i)
		case 2:
			fmt.Fprintf(&b, `{"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "name": "apim/bad%d", "properties": {"url": "[concat('https://', ]"}}`, i)
		case 3:
			fmt.Fprintf(&b, `{"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "name": "[format('apim/loop%d-{0}', copyIndex())]", "copy": {"name": "l%d", "count": 3}, "properties": {"url": "[format('https://x{0}', copyIndex(1))]"}}`, i, i)
		case 4:
			fmt.Fprintf(&b, `{"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "name": "[format('apim/unk%d-{0}', copyIndex())]", "copy": {"name": "u%d", "count": "[parameters('n')]"}, "properties": {"url": "https://u"}}`, i, i)
		case 5:
			fmt.Fprintf(&b, `{"condition": "[parameters('on')]", "type": "Microsoft.ApiManagement/service/namedValues", "apiVersion": "2024-05-01", "name": "apim/nv%d", "properties": {"displayName": "nv", "value": "[parameters('secret')]", "secret": true}}`, i)
		case 6:
			fmt.Fprintf(&b, `{"condition": "[not(parameters('on'))]", "type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "name": "apim/off%d"}`, i)
		case 7:
			fmt.Fprintf(&b, `{"condition": "[equals(parameters('n'), 2)]", "type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "name": "apim/maybe%d", "properties": {"url": "https://m"}}`, i)
		case 8:
			fmt.Fprintf(&b, `{"existing": true, "type": "Microsoft.ApiManagement/service", "apiVersion": "2024-05-01", "name": "apim"}`)
		case 9:
			fmt.Fprintf(&b, `{"type": "Microsoft.ApiManagement/service", "apiVersion": "2024-05-01", "name": "[variables('named')]", "properties": {"k": "[reference('x').y]"}, "resources": [{"type": "backends", "apiVersion": "2024-05-01", "name": "child%d", "properties": {"url": "https://c", "n": "[length(parameters('list'))]"}}]}`, i)
		case 10:
			b.WriteString(`42`)
		case 11:
			fmt.Fprintf(&b, `{"type": "Microsoft.ApiManagement/service/apis/policies", "apiVersion": "2024-05-01", "name": "apim/api%d/policy", "properties": {"value": "[[not an expression]", "obj": {"[concat('k', '%d')]": "v", "copy": [{"name": "items", "count": 2, "input": "[copyIndex('items')]"}]}}}`, i, i)
		}
	}
	b.WriteString("]}")
	return []byte(b.String())
}

// TestParallelResolveSameResult: resolving the top-level resources on
// every core gives exactly the sequential result — resources, their nodes
// with positions and paths, issues, secure values and parameters — on the
// edge template above, generated templates and every ARM template of the
// repository's fixtures, for chunks of one, three and 256 resources.
func TestParallelResolveSameResult(t *testing.T) {
	inputs := map[string][]byte{
		"edge.json":    edgeTemplate(),
		"gen-200.json": gen.ARM(200, 20),
	}
	filepath.WalkDir(filepath.Join("..", ".."), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		if root, err := jsontree.Parse(p, data); err == nil && IsTemplate(root) {
			inputs[p] = data
		}
		return nil
	})
	if len(inputs) < 20 {
		t.Fatalf("only %d templates: the fixtures were not found", len(inputs))
	}
	params := Params{"apimName": &value{Kind: jsontree.String, Str: "given-apim"}}
	parallelRuns := 0
	for name, data := range inputs {
		for _, ps := range []Params{nil, params} {
			seq, _ := resolveWith(t, name, data, ps, false, 1)
			if seq == nil {
				continue
			}
			want := dumpResult(seq)
			for _, chunk := range []int{1, 3, 256} {
				par, took := resolveWith(t, name, data, ps, true, chunk)
				if took {
					parallelRuns++
				}
				if got := dumpResult(par); got != want {
					t.Errorf("%s (params %v, chunk %d, parallel %v): results differ\n%s", name, ps != nil, chunk, took, textdiff.First(want, got))
				}
			}
		}
	}
	if parallelRuns < 30 {
		t.Errorf("only %d runs were parallel", parallelRuns)
	}
}

// TestParallelResolveDeclines: templates whose results could depend on
// the order resources are resolved in are resolved sequentially.
func TestParallelResolveDeclines(t *testing.T) {
	tmpl := func(vars, resource string) []byte {
		return []byte(`{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0",
"parameters": {"list": {"type": "array", "defaultValue": []}}, "variables": {` + vars + `}, "resources": [` + resource + `,
{"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "name": "apim/b", "properties": {"url": "[variables('a')]"}}]}`)
	}
	tests := []struct {
		name     string
		data     []byte
		parallel bool
	}{
		{"plain", tmpl(`"a": "x"`, `{"type": "Microsoft.ApiManagement/service", "name": "apim"}`), true},
		{"unknown parameter", tmpl(`"a": "[parameters('list')]"`, `{"type": "Microsoft.ApiManagement/service", "name": "apim"}`), true},
		{"variable cycle", tmpl(`"a": "[variables('b')]", "b": "[variables('a')]"`, `{"type": "Microsoft.ApiManagement/service", "name": "apim"}`), false},
		{"variable error", tmpl(`"a": "[parameters('list')[3]]"`, `{"type": "Microsoft.ApiManagement/service", "name": "apim"}`), false},
		{"malformed variable", tmpl(`"a": "[concat(]"`, `{"type": "Microsoft.ApiManagement/service", "name": "apim"}`), false},
		{"nested deployment", tmpl(`"a": "x"`, `{"type": "Microsoft.Resources/deployments", "name": "d", "properties": {"mode": "Incremental", "template": {"resources": []}}}`), false},
		{"deployment type in another case", tmpl(`"a": "x"`, `{"type": "microsoft.resources/DEPLOYMENTS", "name": "d", "properties": {}}`), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seq, _ := resolveWith(t, tt.name+".json", tt.data, nil, false, 1)
			par, took := resolveWith(t, tt.name+".json", tt.data, nil, true, 1)
			if took != tt.parallel {
				t.Errorf("parallel = %v, want %v", took, tt.parallel)
			}
			if want, got := dumpResult(seq), dumpResult(par); got != want {
				t.Errorf("results differ\n%s", textdiff.First(want, got))
			}
		})
	}
}

// TestParallelResolveOrderDependence: values the sequential resolution
// computes on a parameter's or variable's first read, and which depend on
// where that read is, come out the same in parallel, or the resolution is
// sequential (an adversarial review's cases).
func TestParallelResolveOrderDependence(t *testing.T) {
	const schema = `"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0"`
	backends := func(n int, url string) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, `, {"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "name": "apim/b%d", "properties": {"url": %q}}`, i, url)
		}
		return b.String()
	}
	// chain declares v0 -> v1 -> ... -> v(n-1) = "end" back to front, so
	// that evaluating them in declaration order never goes deep.
	chain := func(kind string, n int) string {
		var b strings.Builder
		for i := n - 1; i >= 0; i-- {
			if b.Len() > 0 {
				b.WriteString(", ")
			}
			switch {
			case i == n-1 && kind == "variables":
				fmt.Fprintf(&b, `"v%d": "end"`, i)
			case i == n-1:
				fmt.Fprintf(&b, `"v%d": {"type": "string", "defaultValue": "end"}`, i)
			case kind == "variables":
				fmt.Fprintf(&b, `"v%d": "[variables('v%d')]"`, i, i+1)
			default:
				fmt.Fprintf(&b, `"v%d": {"type": "string", "defaultValue": "[parameters('v%d')]"}`, i, i+1)
			}
		}
		return b.String()
	}
	tests := []struct {
		name     string
		tmpl     string
		parallel bool
	}{
		{"variable chain past the depth limit",
			`{` + schema + `, "variables": {` + chain("variables", 250) + `}, "resources": [{"type": "Microsoft.ApiManagement/service", "name": "apim"}` + backends(20, "[variables('v0')]") + `]}`, false},
		{"parameter chain past the depth limit",
			`{` + schema + `, "parameters": {` + chain("parameters", 250) + `}, "resources": [{"type": "Microsoft.ApiManagement/service", "name": "apim"}` + backends(20, "[parameters('v0')]") + `]}`, false},
		{"variable chain within the limit",
			`{` + schema + `, "variables": {` + chain("variables", 50) + `}, "resources": [{"type": "Microsoft.ApiManagement/service", "name": "apim"}` + backends(20, "[variables('v0')]") + `]}`, true},
		{"variable first read in a placeholder name",
			`{` + schema + `, "parameters": {"a": {"type": "string"}, "b": {"type": "string"}}, "variables": {"v": "[format('{0}-x', parameters('b'))]"},
			"resources": [{"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "name": "[concat(parameters('a'), '/', variables('v'))]", "properties": {"url": "https://a"}},
			{"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "name": "[concat(parameters('a'), '/', variables('v'), '2')]", "properties": {"url": "https://a"}}` + backends(5, "https://x") + `]}`, true},
		{"deployment() in a variable read in a nested deployment of a child resource",
			`{` + schema + `, "variables": {"dn": "[deployment().name]"}, "resources": [
			{"type": "Microsoft.ApiManagement/service", "apiVersion": "2024-05-01", "name": "apim", "resources": [
			  {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "inner", "properties": {"mode": "Incremental", "template": {"resources": [
			    {"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "name": "apim/nested", "properties": {"url": "[variables('dn')]"}}]}}}]},
			{"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "name": "apim/top", "properties": {"url": "[variables('dn')]"}}` + backends(5, "https://x") + `]}`, false},
		{"costly unused variable",
			`{` + schema + `, "variables": {"unused": "[length(map(range(0, 3000), lambda('x', map(range(0, 3000), lambda('y', lambdaVariables('y'))))))]"},
			"resources": [{"type": "Microsoft.ApiManagement/service", "name": "apim"}` + backends(20, "https://x") + `]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seq, _ := resolveWith(t, "t.json", []byte(tt.tmpl), nil, false, 1)
			if seq == nil {
				t.Fatal("template does not parse")
			}
			want := dumpResult(seq)
			for _, chunk := range []int{1, 2, 256} {
				par, took := resolveWith(t, "t.json", []byte(tt.tmpl), nil, true, chunk)
				if took != tt.parallel {
					t.Errorf("chunk %d: parallel = %v, want %v", chunk, took, tt.parallel)
				}
				if got := dumpResult(par); got != want {
					t.Errorf("chunk %d: results differ\n%s", chunk, textdiff.First(want, got))
				}
			}
		})
	}
}

// FuzzParallelResolve: on any template, resolving in parallel (chunks of
// one and three resources) gives the sequential result.
//
//	go test -run '^$' -fuzz FuzzParallelResolve -fuzztime 1m ./apim/arm
func FuzzParallelResolve(f *testing.F) {
	f.Add(edgeTemplate())
	files, _ := filepath.Glob("testdata/*.json")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		seq, _ := resolveWith(t, "f.json", data, nil, false, 1)
		if seq == nil {
			return
		}
		want := dumpResult(seq)
		for _, chunk := range []int{1, 3} {
			par, took := resolveWith(t, "f.json", data, nil, true, chunk)
			if got := dumpResult(par); got != want {
				t.Fatalf("chunk %d (parallel %v): results differ\n%s", chunk, took, textdiff.First(want, got))
			}
		}
	})
}
