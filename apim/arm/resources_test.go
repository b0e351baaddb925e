package arm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim/jsontree"
)

func load(t *testing.T, path string) *jsontree.Value {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	root, err := jsontree.Parse(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func loadParams(t *testing.T, path string) Params {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseParametersFile(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// find returns the resource with the given type and name, or fails.
func find(t *testing.T, res *Result, typ, name string) Resource {
	t.Helper()
	for _, r := range res.Resources {
		if strings.EqualFold(r.Type, typ) && r.Name == name {
			return r
		}
	}
	var have []string
	for _, r := range res.Resources {
		have = append(have, r.Type+" "+r.Name)
	}
	t.Fatalf("no %s %q among:\n%s", typ, name, strings.Join(have, "\n"))
	return Resource{}
}

// prop renders the value at a path of keys under the resource node.
func prop(r Resource, keys ...string) string {
	v := r.Node.Lookup(keys...)
	if v == nil {
		return "<missing>"
	}
	return render(v)
}

func names(res *Result) []string {
	var out []string
	for _, r := range res.Resources {
		n := r.Name
		if n == "" {
			n = "?" + r.NameUnknown
		}
		out = append(out, r.Type+" "+n)
	}
	return out
}

func TestResolveClassic(t *testing.T) {
	root := load(t, "testdata/classic.json")
	tests := []struct {
		name   string
		params Params
		want   []string
	}{
		{
			name:   "parameters file",
			params: loadParams(t, "testdata/params.json"),
			want: []string{
				"Microsoft.ApiManagement/service Contoso-APIM",
				"Microsoft.ApiManagement/service/backends Contoso-APIM/orders",
				"Microsoft.ApiManagement/service/certificates Contoso-APIM/client",
				"Microsoft.ApiManagement/service/backends Contoso-APIM/b1",
				"Microsoft.ApiManagement/service/backends Contoso-APIM/b2",
				"Microsoft.ApiManagement/service/backends Contoso-APIM/b3",
				"Microsoft.ApiManagement/service/backends Contoso-APIM/pool",
			},
		},
		{
			name: "no parameters",
			want: []string{
				`Microsoft.ApiManagement/service ?parameter "apimName" has no value (pass --parameters)`,
				`Microsoft.ApiManagement/service/backends ?parameter "apimName" has no value (pass --parameters)`,
				`Microsoft.ApiManagement/service/certificates ?parameter "apimName" has no value (pass --parameters)`,
				`Microsoft.ApiManagement/service/backends ?parameter "apimName" has no value (pass --parameters)`,
				`Microsoft.ApiManagement/service/backends ?parameter "apimName" has no value (pass --parameters)`,
				`Microsoft.ApiManagement/service/backends ?parameter "apimName" has no value (pass --parameters)`,
			},
		},
		{
			name:   "logger enabled",
			params: Params{"APIMNAME": strVal("x"), "enableLogger": boolVal(true), "backendCount": intVal(0)},
			want: []string{
				"Microsoft.ApiManagement/service x",
				"Microsoft.ApiManagement/service/backends x/orders",
				"Microsoft.ApiManagement/service/certificates x/client",
				"Microsoft.ApiManagement/service/loggers x/logger",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Resolve("classic.json", root, tt.params)
			if got := names(res); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("resources:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestResolveClassicValues(t *testing.T) {
	res := Resolve("testdata/classic.json", load(t, "testdata/classic.json"), loadParams(t, "testdata/params.json"))
	svc := find(t, res, "Microsoft.ApiManagement/service", "Contoso-APIM")
	if got := prop(svc, "location"); got != `"resourceGroupLocation"` {
		t.Errorf("location = %s", got)
	}
	if got := prop(svc, "properties", "literal"); got != `"[not an expression]"` {
		t.Errorf("escaped literal = %s", got)
	}
	orders := find(t, res, "Microsoft.ApiManagement/service/backends", "Contoso-APIM/orders")
	if got := prop(orders, "properties", "url"); got != `"https://host0.example.com/orders"` {
		t.Errorf("orders url = %s", got)
	}
	if v := orders.Node.Lookup("properties", "tls", "validateCertificateChain"); v.Origin != jsontree.Literal || v.Position().Line != 32 {
		t.Errorf("literal tls flag: origin %v pos %v", v.Origin, v.Pos)
	}
	url := orders.Node.Lookup("properties", "url")
	if url.Origin != jsontree.Computed || url.Position().Line != 30 || url.Position().Col != 20 || !strings.HasPrefix(url.Expr(), "[concat(") {
		t.Errorf("url: origin %v pos %v expr %q", url.Origin, url.Pos, url.Expr())
	}
	if got := orders.Node.Lookup("properties", "tls").PositionWithPath().Path; got != "$.resources[0].resources[0].properties.tls" {
		t.Errorf("literal sub-tree path = %q, want its template path", got)
	}
	b2 := find(t, res, "Microsoft.ApiManagement/service/backends", "Contoso-APIM/b2")
	if got := prop(b2, "properties", "url"); got != `"https://host1.example.com/"` {
		t.Errorf("b2 url = %s", got)
	}
	b3 := find(t, res, "Microsoft.ApiManagement/service/backends", "Contoso-APIM/b3")
	if got := prop(b3, "properties", "url"); !strings.Contains(got, "index 2 out of range") {
		t.Errorf("b3 url = %s, want index error", got)
	}
	if b2.Pos.Line != 43 || b2.Pos.File != "testdata/classic.json" {
		t.Errorf("b2 pos = %v", b2.Pos)
	}
	if b2.Node.Get("copy") != nil || svc.Node.Get("resources") != nil {
		t.Errorf("copy/resources members kept in node")
	}
	pool := find(t, res, "Microsoft.ApiManagement/service/backends", "Contoso-APIM/pool")
	if got := prop(pool, "properties", "pool"); got != `{"services":[{"id":"/backends/b1","priority":1},{"id":"/backends/b2","priority":2},{"id":"/backends/b3","priority":3}]}` {
		t.Errorf("pool = %s", got)
	}
	cert := find(t, res, "Microsoft.ApiManagement/service/certificates", "Contoso-APIM/client")
	pw := cert.Node.Lookup("properties", "password")
	if pw.Kind != jsontree.Unknown || pw.Origin != jsontree.Reference || !strings.Contains(pw.Reason(), "Key Vault reference") {
		t.Errorf("password = %s origin %v", render(pw), pw.Origin)
	}
	var issues []string
	for _, is := range res.Issues {
		issues = append(issues, is.Code.String()+" "+is.Pos.String()+" "+is.Msg)
	}
	want := []string{
		`unresolved testdata/classic.json:39:55 Key Vault reference (secret "certPassword")`,
		`malformed testdata/classic.json:48:30 index 2 out of range (array length 2)`,
	}
	if strings.Join(issues, "\n") != strings.Join(want, "\n") {
		t.Errorf("issues:\n%s\nwant:\n%s", strings.Join(issues, "\n"), strings.Join(want, "\n"))
	}
}

func TestResolveSecureParameter(t *testing.T) {
	res := Resolve("classic.json", load(t, "testdata/classic.json"), Params{"apimName": strVal("a"), "certPassword": strVal("pw")})
	cert := find(t, res, "Microsoft.ApiManagement/service/certificates", "a/client")
	pw := cert.Node.Lookup("properties", "password")
	if pw.Kind != jsontree.String || pw.Origin != jsontree.SecureParameter {
		t.Errorf("password kind %v origin %v, want string from a secure parameter", pw.Kind, pw.Origin)
	}
	name := cert.Node.Get("name")
	if name.Origin != jsontree.Literal {
		t.Errorf("literal child name origin = %v", name.Origin)
	}
	svc := find(t, res, "Microsoft.ApiManagement/service", "a")
	if o := svc.Node.Get("name").Origin; o != jsontree.Parameter {
		t.Errorf("service name origin = %v, want Parameter", o)
	}
}

func TestResolveLanguageVersion2(t *testing.T) {
	tests := []struct {
		name   string
		params Params
		want   []string
		tls    string
	}{
		{"defaults", nil, []string{
			"Microsoft.ApiManagement/service/backends apim1/a",
			"Microsoft.ApiManagement/service/backends apim1/b",
		}, `{"validateCertificateChain":true,"validateCertificateName":true}`},
		{"tls given", Params{"tls": objVal([]jsontree.Member{member("validateCertificateName", boolVal(false))}), "names": arrVal([]*value{strVal("z")})},
			[]string{"Microsoft.ApiManagement/service/backends apim1/z"}, `{"validateCertificateName":false}`},
	}
	root := load(t, "testdata/lv2.json")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Resolve("lv2.json", root, tt.params)
			if got := names(res); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("resources:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if got := prop(res.Resources[0], "properties", "tls"); got != tt.tls {
				t.Errorf("tls = %s, want %s", got, tt.tls)
			}
			if len(res.Issues) != 0 {
				t.Errorf("issues: %v", res.Issues)
			}
		})
	}
}

func TestResolveNestedDeployments(t *testing.T) {
	res := Resolve("nested.json", load(t, "testdata/nested.json"), nil)
	want := []string{
		"Microsoft.Resources/deployments innerModule",
		"Microsoft.ApiManagement/service/namedValues outerapim-outer/nv-innervar",
		"Microsoft.Resources/deployments outerModule",
		"Microsoft.ApiManagement/service/backends outerapim/be-inner",
	}
	if got := names(res); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("resources:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	nv := find(t, res, "Microsoft.ApiManagement/service/namedValues", "outerapim-outer/nv-innervar")
	if nv.Deployment != "innerModule" {
		t.Errorf("deployment = %q", nv.Deployment)
	}
	if v := nv.Node.Lookup("properties", "value"); v.Origin != jsontree.SecureParameter {
		t.Errorf("secret passed to an inner string parameter lost its secure origin: %v", v.Origin)
	}
	be := find(t, res, "Microsoft.ApiManagement/service/backends", "outerapim/be-inner")
	if got := prop(be, "properties", "url"); got != `"https://outer.example.com"` {
		t.Errorf("outer-scope url = %s", got)
	}
	dep := find(t, res, "Microsoft.Resources/deployments", "innerModule")
	if dep.Node.Lookup("properties", "template") != nil {
		t.Errorf("deployment node keeps its template")
	}
	if len(res.Issues) != 0 {
		t.Errorf("issues: %v", res.Issues)
	}
}

func TestResolveUnknownLoopAndCondition(t *testing.T) {
	src := `{"contentVersion": "1.0.0.0", "parameters": {"items": {"type": "array"}, "on": {"type": "bool"}},
	"resources": [
	  {"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01",
	   "copy": {"name": "loop", "count": "[length(parameters('items'))]"},
	   "name": "[format('apim/{0}', parameters('items')[copyIndex()].name)]",
	   "properties": {"url": "https://x.example.com", "protocol": "http"}},
	  {"condition": "[parameters('on')]", "type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01",
	   "name": "apim/maybe", "properties": {}},
	  {"condition": "[greater(1, 'x')]", "type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01",
	   "name": "apim/badcond", "properties": {}}
	]}`
	root, err := jsontree.Parse("t.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	res := Resolve("t.json", root, nil)
	if len(res.Resources) != 3 {
		t.Fatalf("resources: %v", names(res))
	}
	loop := res.Resources[0]
	if loop.CountUnknown == "" || loop.NameUnknown == "" || prop(loop, "properties", "url") != `"https://x.example.com"` {
		t.Errorf("loop placeholder: %+v", loop)
	}
	if r := res.Resources[1]; r.Name != "apim/maybe" || !strings.Contains(r.ConditionUnknown, `parameter "on" has no value`) {
		t.Errorf("unknown condition: %+v", r)
	}
	if r := res.Resources[2]; !strings.Contains(r.ConditionUnknown, "cannot compare") {
		t.Errorf("invalid condition: %+v", r)
	}
	var codes []string
	for _, is := range res.Issues {
		codes = append(codes, is.Code.String()+" "+is.Msg)
	}
	joined := strings.Join(codes, "\n")
	for _, want := range []string{
		`unresolved parameter "items" has no value`,
		`unresolved condition could not be evaluated, resource kept: parameter "on" has no value`,
		`malformed condition could not be evaluated, resource kept: greater(): cannot compare`,
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("issues missing %q:\n%s", want, joined)
		}
	}
}

func TestResolveMalformed(t *testing.T) {
	res := Resolve("testdata/malformed.json", load(t, "testdata/malformed.json"), nil)
	var got []string
	for _, is := range res.Issues {
		got = append(got, is.Code.String()+" "+is.Pos.String()+" "+is.Msg)
	}
	want := []string{
		`malformed testdata/malformed.json:8:32 malformed expression "[concat('apim/' 'b1')]": expected ',' or ')' in call of concat, found '\''`,
		`unresolved testdata/malformed.json:9:30 unsupported template function "unknownFn"`,
		`malformed testdata/malformed.json:9:62 parameters(): parameter "missing" is not declared`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("issues:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(res.Resources) != 1 || res.Resources[0].NameUnknown == "" {
		t.Errorf("resources: %v", names(res))
	}
}

func TestResolveBadShapes(t *testing.T) {
	tests := []struct{ src, issue string }{
		{`[]`, "template must be a JSON object"},
		{`{"resources": 3}`, "resources must be an array or an object"},
		{`{"resources": [1]}`, "resource must be an object"},
		{`{"resources": [{"type": "a/b", "name": "x", "copy": {"name": "l", "count": 100000}}]}`, "exceeds the ARM limit of 800"},
		{`{"resources": [{"type": "Microsoft.Resources/deployments", "name": "d", "properties": {"template": 1}}]}`, "template must be an object"},
	}
	for _, tt := range tests {
		root, err := jsontree.Parse("t.json", []byte(tt.src))
		if err != nil {
			t.Fatal(err)
		}
		res := Resolve("t.json", root, nil)
		found := false
		for _, is := range res.Issues {
			found = found || strings.Contains(is.Msg, tt.issue)
		}
		if !found {
			t.Errorf("%s: issues %v, want one containing %q", tt.src, res.Issues, tt.issue)
		}
	}
}

func TestIsTemplate(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{`{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"}`, true},
		{`{"$schema": "https://schema.management.azure.com/schemas/2019-08-01/subscriptionDeploymentTemplate.json#"}`, true},
		{`{"resources": [], "contentVersion": "1.0.0.0"}`, true},
		{`{"resources": []}`, false},
		{`{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"}`, false},
		{`[]`, false},
	}
	for _, tt := range tests {
		root, err := jsontree.Parse("t.json", []byte(tt.src))
		if err != nil {
			t.Fatal(err)
		}
		if got := IsTemplate(root); got != tt.want {
			t.Errorf("IsTemplate(%s) = %v, want %v", tt.src, got, tt.want)
		}
	}
	if IsTemplate(nil) {
		t.Error("IsTemplate(nil) = true")
	}
}

func TestFixturesAreTemplates(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, f := range files {
		if strings.HasSuffix(f, "params.json") {
			continue
		}
		if !IsTemplate(load(t, f)) {
			t.Errorf("%s is not recognised as a template", f)
		}
	}
}
