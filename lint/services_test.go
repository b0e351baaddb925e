package lint_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/rules"
)

var testNow = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

// lintServices lints each service on its own, as the CLI does, and merges.
func lintServices(t *testing.T, paths []string, opts load.Options) *lint.Result {
	t.Helper()
	svcs, err := load.LoadServices(paths, opts)
	if err != nil {
		t.Fatalf("LoadServices(%v): %v", paths, err)
	}
	var results []*lint.Result
	for _, s := range svcs {
		results = append(results, lint.Run(s, rules.All, nil, lint.RunOptions{Now: testNow}))
	}
	return lint.Merge(results...)
}

// row renders a finding as "service | file:line:col | severity | rule | message",
// the file relative to testdata/services.
func row(f lint.Finding) string {
	rel, err := filepath.Rel("testdata/services", f.Pos.File)
	if err != nil {
		rel = f.Pos.File
	}
	return fmt.Sprintf("%s | %s:%d:%d | %s | %s | %s", f.Service, filepath.ToSlash(rel), f.Pos.Line, f.Pos.Col, f.Severity, f.Rule, f.Message)
}

const svcDir = "testdata/services/"

// TestServicesAsTheUnit lints the test corpus of multi-service folders,
// APIOps repositories with environments, unresolved-name templates and a
// lone REST resource. Each want line is "service | position | severity |
// rule | start of the message"; the findings must match them all, in
// order, and there must be no other.
func TestServicesAsTheUnit(t *testing.T) {
	for _, tt := range []struct {
		name  string
		paths []string
		opts  load.Options
		want  []string
	}{{
		// apim-a's policy names backend "payments" and named value
		// "region", which only apim-b declares; apim-b's pool names
		// "orders", which only apim-a declares. Merged into one service,
		// all three references would resolve and nothing be reported.
		name:  "two services in one folder",
		paths: []string{svcDir + "two-services"},
		want: []string{
			`apim-a | two-services/apim-a.json:26:18 | error | APIM401 | set-backend-service backend-id "payments" names no backend of this service`,
			`apim-a | two-services/apim-a.json:26:18 | error | APIM409 | {{region}} references no named value (0 defined)`,
			`apim-b | two-services/apim-b.json:29:103 | error | APIM101 | pool "pool": member "orders" is not a backend of this service`,
		},
	}, {
		name:  "--service picks one (the loader still groups)",
		paths: []string{svcDir + "two-services/apim-b.json"},
		want: []string{
			`apim-b | two-services/apim-b.json:29:103 | error | APIM101 | pool "pool": member "orders" is not a backend of this service`,
		},
	}, {
		// Two environments and no choice: the artifacts alone, whose
		// backend has its URL only in the environment files.
		name:  "APIOps, two environments, none chosen",
		paths: []string{svcDir + "apiops-envs"},
		want: []string{
			`(unnamed: testdata/services/apiops-envs/artifacts) | apiops-envs/artifacts/apis/orders/api_information.json:1:1 | info | APIM903 | api_information.json is not an APIOps artifact file name; the file was not loaded (the publisher ignores it too); did you mean apiInformation.json?`,
			`(unnamed: testdata/services/apiops-envs/artifacts) | apiops-envs/artifacts/backends/orders/backendInformation.json:1:1 | error | APIM003 | backend "orders" has no url`,
			`(unnamed: testdata/services/apiops-envs/artifacts) | apiops-envs/configuration.dev.yaml:1:1 | info | APIM902 | 2 APIOps environments (dev, prod): their overrides were not applied`,
		},
	}, {
		name:  "APIOps, --environment none",
		paths: []string{svcDir + "apiops-envs"},
		opts:  load.Options{Environment: "none"},
		want: []string{
			`(unnamed: testdata/services/apiops-envs/artifacts) | apiops-envs/artifacts/apis/orders/api_information.json:1:1 | info | APIM903 | api_information.json is not an APIOps artifact file name`,
			`(unnamed: testdata/services/apiops-envs/artifacts) | apiops-envs/artifacts/backends/orders/backendInformation.json:1:1 | error | APIM003 | backend "orders" has no url`,
		},
	}, {
		name:  "APIOps, --environment prod",
		paths: []string{svcDir + "apiops-envs"},
		opts:  load.Options{Environment: "prod"},
		want: []string{
			`apim-orders-prod (environment prod) | apiops-envs/artifacts/apis/orders/api_information.json:1:1 | info | APIM903 | api_information.json is not an APIOps artifact file name`,
			`apim-orders-prod (environment prod) | apiops-envs/configuration.prod.yaml:15:15 | error | APIM501 | backend "orders": credentials header "x-api-key" has a literal value`,
			`apim-orders-prod (environment prod) | apiops-envs/configuration.prod.yaml:16:11 | info | APIM903 | configuration.prod.yaml: backends override "ordres" matches no artifact, so it overrides nothing`,
		},
	}, {
		name:  "APIOps, --environment all",
		paths: []string{svcDir + "apiops-envs"},
		opts:  load.Options{Environment: "all"},
		want: []string{
			`apim-orders-dev (environment dev) | apiops-envs/artifacts/apis/orders/api_information.json:1:1 | info | APIM903 | api_information.json is not an APIOps artifact file name`,
			`apim-orders-prod (environment prod) | apiops-envs/artifacts/apis/orders/api_information.json:1:1 | info | APIM903 | api_information.json is not an APIOps artifact file name`,
			`apim-orders-prod (environment prod) | apiops-envs/configuration.prod.yaml:15:15 | error | APIM501 | backend "orders": credentials header "x-api-key" has a literal value`,
			`apim-orders-prod (environment prod) | apiops-envs/configuration.prod.yaml:16:11 | info | APIM903 | configuration.prod.yaml: backends override "ordres" matches no artifact`,
		},
	}, {
		// The service and backend names come from a parameter without a
		// value: the backends are checked under placeholder names; the
		// tls object built by if(…, createObject(…)) is located at the
		// expression; index 0 of the empty default array is APIM902.
		name:  "unresolved names, default parameters",
		paths: []string{svcDir + "unresolved"},
		want: []string{
			`<apimName> | unresolved/named-by-parameter.json:10:5 | info | APIM902 | Microsoft.ApiManagement/service/backends: name could not be resolved (parameter "apimName" has no value (pass --parameters)); checked as "<apimName>/orders"`,
			`<apimName> | unresolved/named-by-parameter.json:13:15 | info | APIM902 | parameter "apimName" has no value`,
			`<apimName> | unresolved/named-by-parameter.json:17:46 | error | APIM001 | backend "orders": tls.validateCertificateChain is false`,
			`<apimName> | unresolved/named-by-parameter.json:17:80 | error | APIM001 | backend "orders": tls.validateCertificateName is false`,
			`<apimName> | unresolved/named-by-parameter.json:20:5 | info | APIM902 | Microsoft.ApiManagement/service/backends: name could not be resolved (parameter "apimName" has no value (pass --parameters)); checked as "<apimName>/billing"`,
			`<apimName> | unresolved/named-by-parameter.json:24:21 | error | APIM001 | backend "billing": tls.validateCertificateChain is false`,
			`<apimName> | unresolved/named-by-parameter.json:26:5 | info | APIM902 | Microsoft.ApiManagement/service/backends: name could not be resolved (parameter "apimName" has no value (pass --parameters)); checked as "<apimName>/first-host"`,
			`<apimName> | unresolved/named-by-parameter.json:30:30 | warning | APIM902 | cannot evaluate with default parameters: index 0 out of range (array length 0)`,
		},
	}, {
		name:  "unresolved names, parameters given",
		paths: []string{svcDir + "unresolved"},
		opts:  load.Options{Parameters: []string{svcDir + "unresolved/hosts.parameters.json"}},
		want: []string{
			`apim-prod | unresolved/named-by-parameter.json:17:46 | error | APIM001 | backend "orders": tls.validateCertificateChain is false`,
			`apim-prod | unresolved/named-by-parameter.json:17:80 | error | APIM001 | backend "orders": tls.validateCertificateName is false`,
			`apim-prod | unresolved/named-by-parameter.json:24:21 | error | APIM001 | backend "billing": tls.validateCertificateChain is false`,
		},
	}, {
		name:  "a lone REST resource: members outside the file",
		paths: []string{svcDir + "partial/pool.json"},
		want: []string{
			`apim-c | partial/pool.json:7:37 | info | APIM101 | pool "orders-pool": member "orders-east" is not a backend of this service; not verifiable from these files`,
			`apim-c | partial/pool.json:7:87 | info | APIM101 | pool "orders-pool": member "orders-west" is not a backend of this service; not verifiable from these files`,
		},
	}, {
		name:  "a lone REST resource, --complete",
		paths: []string{svcDir + "partial/pool.json"},
		opts:  load.Options{Complete: true},
		want: []string{
			`apim-c | partial/pool.json:7:37 | error | APIM101 | pool "orders-pool": member "orders-east" is not a backend of this service`,
			`apim-c | partial/pool.json:7:87 | error | APIM101 | pool "orders-pool": member "orders-west" is not a backend of this service`,
		},
	}} {
		t.Run(tt.name, func(t *testing.T) {
			res := lintServices(t, tt.paths, tt.opts)
			var got []string
			for _, f := range res.Findings {
				got = append(got, row(f))
			}
			n := max(len(got), len(tt.want))
			for i := range n {
				switch {
				case i >= len(got):
					t.Errorf("missing finding %d: %s", i, tt.want[i])
				case i >= len(tt.want):
					t.Errorf("unexpected finding %d: %s", i, got[i])
				case !strings.HasPrefix(got[i], tt.want[i]):
					t.Errorf("finding %d:\n got %s\nwant %s", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestMergedLoadHidesWhatServicesShow pins why services are the unit: the
// same two-service folder merged into one model reports none of the three
// dangling references.
func TestMergedLoadHidesWhatServicesShow(t *testing.T) {
	svc, err := load.Load([]string{svcDir + "two-services"}, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range lint.Run(svc, rules.All, nil, lint.RunOptions{Now: testNow}).Findings {
		switch f.Rule {
		case "APIM101", "APIM401", "APIM409":
			t.Errorf("merged model reports %s", row(f))
		}
	}
}
