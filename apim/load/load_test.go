package load

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/summary"
)

func formSummary(t *testing.T, path string) string {
	t.Helper()
	svc, err := Load([]string{path}, Options{})
	if err != nil {
		t.Fatalf("Load(%s): %v", path, err)
	}
	for _, is := range svc.Issues {
		t.Errorf("%s: unexpected issue %s %s", path, is.Code, is.Error())
	}
	s := summary.Of(svc, summary.Options{NoPositions: true})
	s.Service = "" // APIOps artifacts do not name the service
	s.Skipped = nil
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// The same configuration written as an ARM template, Bicep-compiled JSON
// (languageVersion 2.0), REST list output and an APIOps folder gives the
// same model.
func TestFormsGiveTheSameModel(t *testing.T) {
	root := filepath.Join("..", "..", "fixtures", "forms")
	want := formSummary(t, filepath.Join(root, "arm"))
	if !strings.Contains(want, `"inventory-pool"`) || !strings.Contains(want, `"weight": 3`) {
		t.Fatalf("ARM form did not load the pool:\n%s", want)
	}
	for _, form := range []string{"bicep", "rest", "apiops"} {
		t.Run(form, func(t *testing.T) {
			if got := formSummary(t, filepath.Join(root, form)); got != want {
				t.Errorf("%s model differs from the ARM model:\n--- arm\n%s\n--- %s\n%s", form, want, form, got)
			}
		})
	}
}

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const restBackend = `{
  "type": "Microsoft.ApiManagement/service/backends",
  "name": "b1",
  "properties": {
    "url": "https://b1.example.com",
    "protocol": "http",
    "tls": { "validateCertificatename": false },
    "circuitBreaker": { "rules": [ { "failureCondition": { "count": "3", "interval": "PT1X",
      "statusCodeRanges": [ { "min": 500, "max": 599 } ] }, "tripDuration": "PT30S" } ] }
  }
}`

func TestLoadProblems(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		file     string
		body     string
		wantCode apim.Code
		wantPos  string // file-relative "line:col"
		wantMsg  string
	}{
		{"malformed JSON", "bad.json", "{\n  \"type\": \"Microsoft.ApiManagement/service/backends\",\n  \"name\": x\n}", apim.Malformed, "3:11", "invalid character"},
		{"truncated JSON", "trunc.json", `{"type": "Microsoft.ApiManagement/service/backends"`, apim.Malformed, "1:52", "unexpected end"},
		{"not APIM", "other.json", `{"hello": "world"}`, apim.Malformed, "1:1", "not an API Management configuration"},
		{"unknown property", "prop.json", restBackend, apim.UnknownProperty, "7:14", `spelled "validateCertificatename"`},
		{"unresolved expression", "tpl.json", `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "apimName": { "type": "string" }, "url": { "type": "string" } },
  "resources": [ { "type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01",
    "name": "[concat('apim', '/b1')]", "properties": { "url": "[parameters('url')]", "protocol": "http" } } ]
}`, apim.Unresolved, "6:63", "url"},
		{"unterminated expression in a name", "name.json", `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [ { "type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01",
    "name": "[concat('apim', '/b1'", "properties": { "url": "https://b1.example.com", "protocol": "http" } } ]
}`, apim.Malformed, "5:13", "unterminated ARM expression"},
		{"pool member that is not an object", "members.json", `{"type": "Microsoft.ApiManagement/service/backends", "name": "p",
  "properties": {"type": "Pool", "pool": {"services": [{"id": "/backends/a"}, null]}}}`, apim.Malformed, "2:79", "services[1]: expected an object with an id, got null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, dir, tt.file, tt.body)
			svc, err := Load([]string{p}, Options{})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			var found *apim.Error
			for _, is := range svc.Issues {
				if is.Code == tt.wantCode {
					found = is
					break
				}
			}
			if found == nil {
				t.Fatalf("no %s issue; issues: %v", tt.wantCode, svc.Issues)
			}
			if got, want := found.Pos.String(), p+":"+tt.wantPos; got != want {
				t.Errorf("position = %s, want %s (%s)", got, want, found.Msg)
			}
			if !strings.Contains(found.Msg, tt.wantMsg) {
				t.Errorf("message %q does not contain %q", found.Msg, tt.wantMsg)
			}
			if Problems(svc) == 0 && tt.wantCode != apim.UnknownProperty {
				t.Errorf("Problems() = 0, want > 0")
			}
		})
	}
}

func TestBadDurationAndQuotedNumber(t *testing.T) {
	p := writeFile(t, t.TempDir(), "b.json", restBackend)
	svc, err := Load([]string{p}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	be := svc.Backend("b1")
	if be == nil || be.CircuitBreaker == nil {
		t.Fatalf("backend b1 with breaker not loaded: %+v", svc.Backends)
	}
	fc := be.CircuitBreaker.Rules[0].FailureCondition
	if !fc.Count.Quoted || fc.Count.Value != 3 {
		t.Errorf("count = %+v, want 3 quoted", fc.Count)
	}
	if !errors.Is(fc.Interval.Err, apim.ErrBadDuration) {
		t.Errorf("interval error = %v, want ErrBadDuration", fc.Interval.Err)
	}
	if got, want := fc.Interval.Pos.String(), p+":8:86"; got != want {
		t.Errorf("interval position = %s, want %s", got, want)
	}
	if be.TLS.ValidatesName() {
		t.Errorf("validateCertificatename: false (odd case) must still turn name validation off")
	}
	if Problems(svc) != 1 {
		t.Errorf("Problems = %d, want 1 (the bad duration)", Problems(svc))
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load([]string{filepath.Join(dir, "missing.json")}, Options{}); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: err = %v", err)
	}
	if _, err := Load([]string{dir}, Options{}); !errors.Is(err, ErrNoInput) {
		t.Errorf("empty dir: err = %v, want ErrNoInput", err)
	}
	txt := writeFile(t, dir, "notes.txt", "hello")
	if _, err := Load([]string{txt}, Options{}); err == nil || !strings.Contains(err.Error(), "unsupported input") {
		t.Errorf("txt file: err = %v", err)
	}
}

func TestMemberName(t *testing.T) {
	for _, tt := range []struct{ id, want string }{
		{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/a/backends/b1", "b1"},
		{"/backends/b2", "b2"},
		{"/Backends/B3/", "B3"},
		{"b4", "b4"},
		{"/subscriptions/s/providers/Microsoft.Web/sites/x", ""},
		{"", ""},
	} {
		if got := MemberName(tt.id); got != tt.want {
			t.Errorf("MemberName(%q) = %q, want %q", tt.id, got, tt.want)
		}
	}
}

// Model nodes carry the JSON path of where they are declared, in every
// input form (the foundation issue asks for file:line:col and JSON path).
func TestModelNodesCarryJSONPaths(t *testing.T) {
	root := filepath.Join("..", "..", "fixtures", "forms")
	tests := []struct {
		form, backend, wantBackend, wantRule, wantMember string
	}{
		{"arm", "inventory-a", "$.resources[1]", "$.resources[1].properties.circuitBreaker.rules[0]", "$.resources[2].properties.pool.services[0]"},
		{"bicep", "inventory-a", "$.resources.backends", "$.resources.backends.properties.circuitBreaker.rules[0]", "$.resources.pool.properties.pool.services[0]"},
		{"rest", "inventory-a", "$.value[1]", "$.value[1].properties.circuitBreaker.rules[0]", "$.value[3].properties.pool.services[0]"},
		{"apiops", "inventory-a", "$", "$.properties.circuitBreaker.rules[0]", "$.properties.pool.services[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.form, func(t *testing.T) {
			svc, err := Load([]string{filepath.Join(root, tt.form)}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			b := svc.Backend(tt.backend)
			if b == nil || b.CircuitBreaker == nil {
				t.Fatalf("backend %s with a breaker not loaded", tt.backend)
			}
			if got := b.Pos.Path; got != tt.wantBackend {
				t.Errorf("backend path = %q, want %q", got, tt.wantBackend)
			}
			if got := b.CircuitBreaker.Rules[0].Pos.Path; got != tt.wantRule {
				t.Errorf("rule path = %q, want %q", got, tt.wantRule)
			}
			if got := svc.Backend("inventory-pool").PoolConfig.Services[0].Pos.Path; got != tt.wantMember {
				t.Errorf("member path = %q, want %q", got, tt.wantMember)
			}
		})
	}
}

// TestListExample: a REST API spec example of a list operation (the shape
// of azure-rest-api-specs' ApiManagementListBackends.json: parameters and
// a 200 response whose body is a page of resources) is an example that
// sends nothing, as a GET of one resource is: no resources, no APIM901
// "not an API Management configuration", the file labelled an example.
func TestListExample(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ApiManagementListBackends.json")
	const example = `{
  "parameters": {"api-version": "2025-09-01-preview", "resourceGroupName": "rg1", "serviceName": "apimService1", "subscriptionId": "00000000-0000-0000-0000-000000000000"},
  "responses": {"200": {"body": {"count": 1, "nextLink": "", "value": [
    {"name": "b1", "type": "Microsoft.ApiManagement/service/backends",
     "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ApiManagement/service/apimService1/backends/b1",
     "properties": {"url": "https://b1.example", "protocol": "http", "tls": {"validateCertificateChain": false}}}
  ]}}}
}`
	if err := os.WriteFile(path, []byte(example), 0o644); err != nil {
		t.Fatal(err)
	}
	svcs, err := LoadServices([]string{path}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, svc := range svcs {
		if len(svc.Backends) != 0 || len(svc.Issues) != 0 {
			t.Errorf("backends %d, issues %v; want none (a list example sends nothing)", len(svc.Backends), svc.Issues)
		}
		if got := svc.FileNotes[path]; got != "example request" {
			t.Errorf("FileNotes = %v, want the file labelled example request", svc.FileNotes)
		}
	}
	if len(svcs) == 0 {
		t.Fatal("no service")
	}
	// A list example with a request body (malformed, but seen by a
	// review) is still an example that sends nothing, and no crash.
	const withBody = `{"parameters": {"serviceName": "apimService1", "parameters": {"properties": {"url": "https://x.example", "protocol": "http"}}},
 "responses": {"200": {"body": {"value": [{"id": "/subscriptions/0/resourceGroups/rg1/providers/Microsoft.ApiManagement/service/apimService1/backends/b1", "type": "Microsoft.ApiManagement/service/backends", "name": "b1", "properties": {"url": "https://b1.example", "protocol": "http"}}], "count": 1}}}}`
	if err := os.WriteFile(path, []byte(withBody), 0o644); err != nil {
		t.Fatal(err)
	}
	svcs, err = LoadServices([]string{path}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, svc := range svcs {
		if len(svc.Backends) != 0 || svc.FileNotes[path] != "example request" {
			t.Errorf("list example with a body: backends %d, notes %v", len(svc.Backends), svc.FileNotes)
		}
	}
}
