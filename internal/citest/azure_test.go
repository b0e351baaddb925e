package citest

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// azureTemplate is the part of an Azure Pipelines steps template the
// runner emulation needs.
type azureTemplate struct {
	Parameters []struct {
		Name    string `yaml:"name"`
		Type    string `yaml:"type"`
		Default string `yaml:"default"`
	} `yaml:"parameters"`
	Steps []struct {
		Task        string            `yaml:"task"`
		Bash        string            `yaml:"bash"`
		DisplayName string            `yaml:"displayName"`
		Condition   string            `yaml:"condition"`
		Env         map[string]string `yaml:"env"`
		Inputs      map[string]string `yaml:"inputs"`
	} `yaml:"steps"`
}

// azureRun runs the template's steps: bash steps with bash (no -e, as
// Azure's Bash step), tasks recorded with their inputs resolved.
func azureRun(t *testing.T, work string, path []string, params map[string]string) *runner {
	t.Helper()
	var tmpl azureTemplate
	readYAML(t, filepath.Join(repoRoot, "docs", "ci", "azure-pipelines.yml"), &tmpl)
	ctx := exprContext{}
	for _, p := range tmpl.Parameters {
		if p.Type != "string" {
			t.Fatalf("parameter %s: type %q, the emulation knows string", p.Name, p.Type)
		}
		ctx["parameters."+p.Name] = p.Default
	}
	for k, v := range params {
		if _, ok := ctx["parameters."+k]; !ok {
			t.Fatalf("the template has no parameter %q", k)
		}
		ctx["parameters."+k] = v
	}
	r := newRunner(t, work, path, ctx)
	r.shellArgs = []string{"--noprofile", "--norc"}
	ctx["Agent.TempDirectory"] = r.temp
	for _, s := range tmpl.Steps {
		st := step{Name: s.DisplayName, If: s.Condition, Env: s.Env}
		switch {
		case s.Bash != "":
			st.Run, st.Shell = s.Bash, "bash"
		case s.Task != "":
			st.Uses, st.With = s.Task, s.Inputs
		default:
			t.Fatalf("step %q is neither bash nor task", s.DisplayName)
		}
		r.run(t, st)
	}
	return r
}

// junitCounts returns the test cases and failures of a JUnit file.
func junitCounts(t *testing.T, file string) (cases, failures int) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Cases []struct {
				Failures []struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("JUnit report: %v\n%s", err, data)
	}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			cases++
			failures += len(c.Failures)
		}
	}
	return cases, failures
}

// TestAzurePipelinesTemplate runs the steps template against the
// fixtures: the findings fixture has five findings (four APIM001, one
// APIM903) in one file, so five JUnit failures.
func TestAzurePipelinesTemplate(t *testing.T) {
	apimlab := apimlabBinary(t)
	sysPath := []string{"/usr/bin", "/bin"}
	tests := []struct {
		name         string
		fixture      string
		params       map[string]string
		wantInstall  string
		wantLintCode int
		wantFailures int // -1: no JUnit file
	}{
		{"findings fail and are published", "findings", nil, "install github.com/apimlab/apimlab/cmd/apimlab@latest", 1, 5},
		{"warnings only fail on warning", "findings", map[string]string{"failOn": "never", "version": "v0.3.0"}, "install github.com/apimlab/apimlab/cmd/apimlab@v0.3.0", 0, 5},
		{"clean configuration", "clean", map[string]string{"paths": "template.json"}, "install github.com/apimlab/apimlab/cmd/apimlab@latest", 0, 0},
		{"missing folder is a usage error", "clean", map[string]string{"paths": "nowhere"}, "install github.com/apimlab/apimlab/cmd/apimlab@latest", 2, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			work := t.TempDir()
			copyDir(t, filepath.Join("testdata", tt.fixture), work)
			log := filepath.Join(t.TempDir(), "go.log")
			r := azureRun(t, work, append([]string{fakeGo(t, apimlab, log)}, sysPath...), tt.params)

			if got, _ := os.ReadFile(log); strings.TrimSpace(string(got)) != tt.wantInstall {
				t.Errorf("go install log %q, want %q", got, tt.wantInstall)
			}
			if in := r.byName(t, "Install apimlab"); in.Code != 0 {
				t.Fatalf("install failed (%d):\n%s", in.Code, in.Output)
			}
			lint := r.byName(t, "apimlab lint")
			if lint.Code != tt.wantLintCode {
				t.Errorf("lint exit %d, want %d\n%s", lint.Code, tt.wantLintCode, lint.Output)
			}
			publish := r.byName(t, "Publish apimlab findings")
			if !publish.Ran {
				t.Fatal("test results not published after lint")
			}
			junit := publish.With["testResultsFiles"]
			if tt.wantFailures < 0 {
				if _, err := os.Stat(junit); err == nil {
					t.Errorf("%s written for bad input", junit)
				}
				return
			}
			if _, failures := junitCounts(t, junit); failures != tt.wantFailures {
				t.Errorf("JUnit failures %d, want %d", failures, tt.wantFailures)
			}
			sarif := r.byName(t, "Keep the SARIF report")
			if !sarif.Ran || sarif.With["artifact"] != "CodeAnalysisLogs" {
				t.Errorf("SARIF artifact step: %+v", sarif)
			}
			checkSARIF(t, sarif.With["targetPath"], tt.wantFailures)
		})
	}
}

// TestAzureTemplateRefusesShellInVersion: the version parameter reaches
// go install only when it is a plain version string.
func TestAzureTemplateRefusesShellInVersion(t *testing.T) {
	apimlab := apimlabBinary(t)
	work := t.TempDir()
	log := filepath.Join(t.TempDir(), "go.log")
	r := azureRun(t, work, []string{fakeGo(t, apimlab, log), "/usr/bin", "/bin"}, map[string]string{"version": "v1$(touch pwned)"})
	if in := r.byName(t, "Install apimlab"); in.Code == 0 {
		t.Errorf("install accepted a version with shell syntax:\n%s", in.Output)
	}
	if _, err := os.Stat(filepath.Join(work, "pwned")); err == nil {
		t.Error("the version parameter ran a command")
	}
	if lint := r.byName(t, "apimlab lint"); lint.Ran {
		t.Error("lint ran after a failed install")
	}
}
