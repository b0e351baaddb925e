package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// The service test corpus of lint (two services in a folder, an APIOps
// repository with two environments, a lone REST resource).
var svcCorpus = filepath.Join("..", "..", "lint", "testdata", "services")

func TestLintServiceFlags(t *testing.T) {
	two := filepath.Join(svcCorpus, "two-services")
	apiops := filepath.Join(svcCorpus, "apiops-envs")
	pool := filepath.Join(svcCorpus, "partial", "pool.json")
	for _, tt := range []struct {
		name       string
		args       []string
		wantCode   int
		wantOut    []string
		notOut     []string
		wantStderr string
	}{
		{"both services, each with its header", []string{"lint", two}, 1,
			[]string{"service apim-a\n", "service apim-b\n", `backend-id "payments" names no backend`}, nil, ""},
		{"--service picks one", []string{"lint", "--service", "apim-b", two}, 1,
			[]string{"service apim-b\n", `member "orders" is not a backend`}, []string{"apim-a"}, ""},
		{"--service unknown lists the services", []string{"lint", "--service", "apim-z", two}, 2,
			nil, nil, `"apim-a", "apim-b"`},
		{"a lone resource: info, exit 0", []string{"lint", pool}, 0,
			[]string{"info APIM101", "not verifiable from these files"}, nil, ""},
		{"--complete: error, exit 1", []string{"lint", "--complete", pool}, 1,
			[]string{"error APIM101"}, []string{"not verifiable"}, ""},
		{"--environment prod", []string{"lint", "--environment", "prod", apiops}, 1,
			[]string{"service apim-orders-prod (environment prod)", "configuration.prod.yaml:15:15 error APIM501"}, []string{"environment dev"}, ""},
		{"--environment all", []string{"lint", "--fail-on", "never", "--environment", "all", apiops}, 0,
			[]string{"service apim-orders-dev (environment dev)", "service apim-orders-prod (environment prod)"}, nil, ""},
		{"--environment unknown", []string{"lint", "--environment", "staging", apiops}, 2,
			nil, nil, "no configuration.staging.yaml for this APIOps folder (environments: dev, prod)"},
		{"--environment without APIOps", []string{"lint", "--environment", "prod", two}, 2,
			nil, nil, `environment "prod": no APIOps artifact folder with a configuration.prod.yaml`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, out, errOut)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.notOut {
				if strings.Contains(out, w) {
					t.Errorf("stdout has %q:\n%s", w, out)
				}
			}
			if !strings.Contains(errOut, tt.wantStderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantStderr, errOut)
			}
		})
	}
}

// Every format names the service of every finding.
func TestLintServiceInJSON(t *testing.T) {
	code, out, errOut := runCLI(t, "lint", "--format", "json", filepath.Join(svcCorpus, "two-services"))
	if code != 1 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep struct {
		Services []string
		Findings []struct{ Rule, Service string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if strings.Join(rep.Services, ",") != "apim-a,apim-b" {
		t.Errorf("services = %v", rep.Services)
	}
	got := map[string]string{}
	for _, f := range rep.Findings {
		got[f.Rule] = f.Service
	}
	if got["APIM401"] != "apim-a" || got["APIM409"] != "apim-a" || got["APIM101"] != "apim-b" {
		t.Errorf("services of findings = %v", got)
	}
}

// inspect names a service that no service resource declares from its
// child resources' names ("[concat(parameters('apimName'), '/orders')]").
func TestInspectNamesServicesFromChildren(t *testing.T) {
	code, out, errOut := runCLI(t, "inspect", "--parameters", filepath.Join(svcCorpus, "unresolved", "hosts.parameters.json"),
		filepath.Join(svcCorpus, "unresolved", "named-by-parameter.json"))
	if code != 0 {
		t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
	}
	if !strings.HasPrefix(out, "service apim-prod:") || !strings.Contains(out, "backend orders (Single)") {
		t.Errorf("inspect output:\n%s", out)
	}
	code, out, _ = runCLI(t, "inspect", "--format", "json", filepath.Join(svcCorpus, "two-services"))
	var sums []struct{ Service string }
	if err := json.Unmarshal([]byte(out), &sums); err != nil || code != 0 {
		t.Fatalf("exit %d, %v:\n%s", code, err, out)
	}
	if len(sums) != 2 || sums[0].Service != "apim-a" || sums[1].Service != "apim-b" {
		t.Errorf("services = %+v", sums)
	}
}
