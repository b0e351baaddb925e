package model

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/sim"
)

// backendDef describes a Single backend of a test configuration.
type backendDef struct {
	name    string
	breaker string // failureCondition JSON fragment + tripDuration, "" for none
}

// cfg builds an ARM template: singles at https://NAME.example.test/api,
// optional pools, one API "api" at path /api whose policy is policyXML
// ("" for none) and whose serviceUrl is serviceURL.
type cfg struct {
	singles    []backendDef
	pools      map[string]string // pool name → services JSON array
	poolExtra  string            // more pool properties (JSON members, with a leading comma)
	policyXML  string
	serviceURL string
	operations string // operations JSON (resources), "" for none
}

func (c cfg) json() string {
	var res []string
	for _, b := range c.singles {
		props := `"url": "https://` + b.name + `.example.test/api", "protocol": "http"`
		if b.breaker != "" {
			props += `, "circuitBreaker": {"rules": [{"name": "r", ` + b.breaker + `}]}`
		}
		res = append(res, `{"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "name": "apim/`+b.name+`", "properties": {`+props+`}}`)
	}
	for name, services := range c.pools {
		res = append(res, `{"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "name": "apim/`+name+`", "properties": {"type": "Pool", "pool": {"services": `+services+c.poolExtra+`}}}`)
	}
	api := `"displayName": "API", "path": "api", "protocols": ["https"]`
	if c.serviceURL != "" {
		api += `, "serviceUrl": "` + c.serviceURL + `"`
	}
	res = append(res, `{"type": "Microsoft.ApiManagement/service/apis", "apiVersion": "2024-05-01", "name": "apim/api", "properties": {`+api+`}}`)
	if c.policyXML != "" {
		x, _ := json.Marshal(c.policyXML)
		res = append(res, `{"type": "Microsoft.ApiManagement/service/apis/policies", "apiVersion": "2024-05-01", "name": "apim/api/policy", "properties": {"format": "rawxml", "value": `+string(x)+`}}`)
	}
	if c.operations != "" {
		res = append(res, c.operations)
	}
	return `{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0", "resources": [` + strings.Join(res, ",\n") + `]}`
}

// service loads c through the real loader.
func (c cfg) service(t testing.TB) *apim.Service {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "apim.json")
	if err := os.WriteFile(path, []byte(c.json()), 0o644); err != nil {
		t.Fatal(err)
	}
	svc, err := load.Load([]string{path}, load.Options{})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return svc
}

// scenario parses YAML scenario text (config is not read: the test passes
// the service).
func scenario(t testing.TB, yaml string) *sim.Scenario {
	t.Helper()
	sc, err := sim.Parse("test.yaml", []byte("name: test\nconfig: apim.json\n"+yaml))
	if err != nil {
		t.Fatalf("scenario: %v", err)
	}
	return sc
}

func run(t testing.TB, svc *apim.Service, sc *sim.Scenario, opts Options) *sim.Result {
	t.Helper()
	res, err := Run(context.Background(), svc, sc, opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

// transitions renders the transitions of backend on instance as
// "from>to@seconds".
func transitions(res *sim.Result, backend string, instance int) []sim.Transition {
	var out []sim.Transition
	for _, tr := range res.Transitions {
		if strings.EqualFold(tr.Backend, backend) && tr.Instance == instance {
			out = append(out, tr)
		}
	}
	return out
}

// near reports whether got is within tol of want.
func near(got, want, tol time.Duration) bool {
	d := got - want
	return d <= tol && d >= -tol
}

func nearF(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

// sec is a duration of s seconds.
func sec(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// status returns the phase's count of a client status.
func status(res *sim.Result, phase string, code string) uint64 {
	p, ok := res.Phase(phase)
	if !ok {
		return 0
	}
	return p.Status[code]
}
