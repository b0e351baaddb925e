package citest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// actionFile is the part of action.yml the runner emulation needs.
type actionFile struct {
	Inputs map[string]struct {
		Description string `yaml:"description"`
		Default     string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []step `yaml:"steps"`
	} `yaml:"runs"`
}

func readYAML(t *testing.T, path string, v any) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return data
}

// yamlToJSONValue decodes YAML into the generic JSON value model the
// schema validator expects (via a JSON round trip, so numbers and maps
// have JSON's types).
func yamlToJSONValue(t *testing.T, data []byte) any {
	t.Helper()
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("YAML is not representable as JSON: %v", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func compileSchema(t *testing.T, file string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	sch, err := c.Compile(file)
	if err != nil {
		t.Fatalf("compile %s: %v", file, err)
	}
	return sch
}

// TestActionMetadataSchema validates action.yml against SchemaStore's
// GitHub Action metadata schema (testdata/README.md says where it comes
// from), and checks that the schema does reject the mistakes it should,
// so a validator that accepts everything cannot pass this test.
func TestActionMetadataSchema(t *testing.T) {
	sch := compileSchema(t, filepath.Join("testdata", "github-action.schema.json"))
	action, err := os.ReadFile(filepath.Join(repoRoot, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(yamlToJSONValue(t, action)); err != nil {
		t.Fatalf("action.yml does not match the GitHub Action metadata schema:\n%v", err)
	}
	broken := []struct {
		name, old, new string
	}{
		{"run step without shell", "      shell: bash\n      env:\n        APIMLAB_VERSION", "      env:\n        APIMLAB_VERSION"},
		{"input without description", "  paths:\n    description: Files or folders to lint, one per line (default the repository root).\n", "  paths:\n"},
		{"composite output without value", "    value: ${{ steps.lint.outputs.exit-code }}\n", ""},
		{"unknown top-level key", "author: apimlab\n", "author: apimlab\nversion: 1\n"},
		{"unknown branding icon", "icon: shield", "icon: apim"},
	}
	for _, tt := range broken {
		t.Run(tt.name, func(t *testing.T) {
			if !bytes.Contains(action, []byte(tt.old)) {
				t.Fatalf("action.yml no longer contains %q: update the test", tt.old)
			}
			bad := bytes.Replace(action, []byte(tt.old), []byte(tt.new), 1)
			if err := sch.Validate(yamlToJSONValue(t, bad)); err == nil {
				t.Error("the schema accepts it")
			}
		})
	}
}

// actionRun runs action.yml's steps with the given inputs in work.
func actionRun(t *testing.T, work string, path []string, inputs, github map[string]string) *runner {
	t.Helper()
	var act actionFile
	readYAML(t, filepath.Join(repoRoot, "action.yml"), &act)
	if act.Runs.Using != "composite" {
		t.Fatalf("runs.using = %q, want composite", act.Runs.Using)
	}
	ctx := exprContext{}
	for name, in := range act.Inputs {
		ctx["inputs."+name] = in.Default
	}
	for name, v := range inputs {
		if _, ok := act.Inputs[name]; !ok {
			t.Fatalf("action.yml has no input %q", name)
		}
		ctx["inputs."+name] = v
	}
	ctx["github.action_ref"] = ""
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	ctx["github.action_path"] = root
	for k, v := range github {
		ctx["github."+k] = v
	}
	r := newRunner(t, work, path, ctx)
	for _, st := range act.Runs.Steps {
		r.run(t, st)
	}
	// The action's outputs must resolve against what the steps wrote.
	for name, out := range act.Outputs {
		if _, err := r.ctx.expand(out.Value); err != nil {
			t.Errorf("output %s: %v", name, err)
		}
	}
	return r
}

// fakeGo writes a `go` stand-in that logs `go install` to log (prefixed
// with the folder for a build of local source) and "installs" apimlab by
// linking the test binary into GOPATH/bin.
func fakeGo(t *testing.T, apimlab, log string) string {
	t.Helper()
	dir := t.TempDir()
	gopath := filepath.Join(dir, "gopath")
	script := `#!/usr/bin/env bash
set -eu
case "$1" in
install)
  if [ "${@: -1}" = ./cmd/apimlab ]; then echo "in $(pwd): $*" >> '` + log + `'; else echo "$*" >> '` + log + `'; fi
  mkdir -p '` + gopath + `/bin'
  ln -sf '` + apimlab + `' '` + gopath + `/bin/apimlab' ;;
env)
  case "$2" in GOBIN) echo "" ;; GOPATH) echo '` + gopath + `' ;; *) exit 3 ;; esac ;;
*) exit 3 ;;
esac
`
	if err := os.WriteFile(filepath.Join(dir, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestActionScripts runs the action's script steps as a runner would,
// against fixtures with and without findings. Expected findings come
// from the fixtures: testdata/findings/template.json has four APIM001
// errors (backends orders, billing, legacy twice) and one APIM903
// warning; testdata/clean has none.
func TestActionScripts(t *testing.T) {
	apimlab := apimlabBinary(t)
	sysPath := []string{"/usr/bin", "/bin"}

	type want struct {
		installed  string // expected `go install` line ("" = none; ROOT the action's folder)
		installRC  int
		lintRan    bool
		lintRC     int
		exitCode   string // the action's exit-code output
		lintOutput []string
		summary    []string
		noSummary  bool
		sarifN     int // results in the SARIF file; -1 = no file
		uploadRuns bool
		simulated  bool // the scenarios ran, reports kept as an artifact
	}
	tests := []struct {
		name    string
		fixture string
		inputs  map[string]string
		ref     string
		onPath  bool // apimlab already on PATH instead of the fake go
		prepare func(t *testing.T, work string)
		want    want
	}{
		{
			name: "findings fail the step", fixture: "findings", ref: "v0.3.0",
			inputs: map[string]string{"upload-sarif": "true"},
			want: want{installed: "in ROOT: install -ldflags=-X main.version=v0.3.0 ./cmd/apimlab", lintRan: true, lintRC: 1, exitCode: "1",
				lintOutput: []string{"::error file=template.json,line=12,col=46,title=APIM001", "::warning file=template.json,line=22,col=18,title=APIM903"},
				summary:    []string{"### apimlab lint", "4 errors, 1 warning"}, sarifN: 5, uploadRuns: true},
		},
		{
			name: "fail-on never reports and passes", fixture: "findings",
			inputs: map[string]string{"fail-on": "never", "format": "text", "summary": "false", "version": "latest"},
			want: want{installed: "install github.com/apimlab/apimlab/cmd/apimlab@latest", lintRan: true, lintRC: 0, exitCode: "0",
				lintOutput: []string{"template.json:12:46 error APIM001"}, noSummary: true, sarifN: 5},
		},
		{
			name: "clean configuration passes", fixture: "clean", ref: "main",
			inputs: map[string]string{"paths": "template.json\n"},
			want: want{installed: "in ROOT: install ./cmd/apimlab", lintRan: true, lintRC: 0, exitCode: "0",
				summary: []string{"0 errors, 0 warnings"}, sarifN: 0},
		},
		{
			name: "explicit version wins over the action ref", fixture: "clean", ref: "v0.3.0",
			inputs: map[string]string{"version": "v0.4.1"},
			want:   want{installed: "install github.com/apimlab/apimlab/cmd/apimlab@v0.4.1", lintRan: true, exitCode: "0", sarifN: 0},
		},
		{
			name: "version none uses apimlab on PATH", fixture: "findings", onPath: true,
			inputs: map[string]string{"version": "none", "fail-on": "warning"},
			want:   want{lintRan: true, lintRC: 1, exitCode: "1", sarifN: 5},
		},
		{
			name: "version none without apimlab fails before lint", fixture: "findings",
			inputs: map[string]string{"version": "none", "upload-sarif": "true"},
			want:   want{installRC: 2, noSummary: true, sarifN: -1},
		},
		{
			name: "shell in the version is refused", fixture: "findings",
			inputs: map[string]string{"version": "v1;touch pwned"},
			want:   want{installRC: 2, noSummary: true, sarifN: -1},
		},
		{
			name: "baseline hides known findings", fixture: "findings",
			inputs: map[string]string{"baseline": "known.json"},
			prepare: func(t *testing.T, work string) {
				cmd := []string{"lint", "--fail-on", "never", "--write-baseline", filepath.Join(work, "known.json"), filepath.Join(work, "template.json")}
				if out, err := execIn(work, apimlab, cmd...); err != nil {
					t.Fatalf("writing the baseline: %v\n%s", err, out)
				}
			},
			want: want{installed: "in ROOT: install ./cmd/apimlab", lintRan: true, exitCode: "0",
				lintOutput: []string{"5 known finding(s)"}, summary: []string{"0 errors, 0 warnings"}, sarifN: 0},
		},
		{
			name: "scenarios run and their reports are kept", fixture: "clean",
			inputs: map[string]string{"paths": "template.json", "scenarios": "scenarios/weighted-split.yaml\n"},
			prepare: func(t *testing.T, work string) {
				scen := filepath.Join(repoRoot, "fixtures", "scenarios")
				copyFile(t, filepath.Join(scen, "weighted-split.yaml"), filepath.Join(work, "scenarios", "weighted-split.yaml"))
				copyFile(t, filepath.Join(scen, "configs", "regions.json"), filepath.Join(work, "scenarios", "configs", "regions.json"))
			},
			want: want{installed: "in ROOT: install ./cmd/apimlab", lintRan: true, exitCode: "0",
				summary: []string{"0 errors, 0 warnings", "weighted split"}, sarifN: 0, simulated: true},
		},
		{
			name: "bad input exits 2 before any report", fixture: "findings",
			inputs: map[string]string{"paths": "missing-folder"},
			want:   want{installed: "in ROOT: install ./cmd/apimlab", lintRan: true, lintRC: 2, exitCode: "2", noSummary: true, sarifN: -1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			work := t.TempDir()
			copyDir(t, filepath.Join("testdata", tt.fixture), work)
			if tt.prepare != nil {
				tt.prepare(t, work)
			}
			log := filepath.Join(t.TempDir(), "go.log")
			path := append([]string{fakeGo(t, apimlab, log)}, sysPath...)
			if tt.onPath {
				path = append([]string{binDir(t, map[string]string{"apimlab": apimlab})}, sysPath...)
			}
			r := actionRun(t, work, path, tt.inputs, map[string]string{"action_ref": tt.ref})

			install := r.byName(t, "Install apimlab")
			if install.Code != tt.want.installRC {
				t.Errorf("install exit %d, want %d\n%s", install.Code, tt.want.installRC, install.Output)
			}
			logged, _ := os.ReadFile(log)
			root, _ := filepath.Abs(repoRoot)
			if got, want := strings.TrimSpace(string(logged)), strings.ReplaceAll(tt.want.installed, "ROOT", root); got != want {
				t.Errorf("go install log %q, want %q", got, want)
			}
			if tt.name == "shell in the version is refused" {
				if _, err := os.Stat(filepath.Join(work, "pwned")); err == nil {
					t.Error("the version input ran a shell command")
				}
			}
			lint := r.byName(t, "Lint")
			if lint.Ran != tt.want.lintRan || lint.Code != tt.want.lintRC {
				t.Errorf("lint ran %v exit %d, want %v exit %d\n%s", lint.Ran, lint.Code, tt.want.lintRan, tt.want.lintRC, lint.Output)
			}
			if got := r.ctx["steps.lint.outputs.exit-code"]; got != tt.want.exitCode {
				t.Errorf("exit-code output %q, want %q", got, tt.want.exitCode)
			}
			for _, s := range tt.want.lintOutput {
				if !strings.Contains(lint.Output, s) {
					t.Errorf("lint output lacks %q:\n%s", s, lint.Output)
				}
			}
			summary := r.summaryText(t)
			if tt.want.noSummary && summary != "" {
				t.Errorf("job summary written though not asked for:\n%s", summary)
			}
			for _, s := range tt.want.summary {
				if !strings.Contains(summary, s) {
					t.Errorf("job summary lacks %q:\n%s", s, summary)
				}
			}
			checkSARIF(t, filepath.Join(work, "apimlab.sarif"), tt.want.sarifN)
			upload := r.byName(t, "Upload SARIF to code scanning")
			if upload.Ran != tt.want.uploadRuns {
				t.Errorf("SARIF upload ran = %v, want %v", upload.Ran, tt.want.uploadRuns)
			}
			if upload.Ran && upload.With["sarif_file"] != "apimlab.sarif" {
				t.Errorf("SARIF upload of %q, want apimlab.sarif", upload.With["sarif_file"])
			}
			sim := r.byName(t, "Simulate")
			if sim.Ran != tt.want.simulated || sim.Code != 0 {
				t.Errorf("simulation ran = %v (exit %d), want %v\n%s", sim.Ran, sim.Code, tt.want.simulated, sim.Output)
			}
			artifact := r.byName(t, "Upload simulation reports")
			if artifact.Ran != tt.want.simulated {
				t.Errorf("simulation reports uploaded = %v, want %v", artifact.Ran, tt.want.simulated)
			}
			if artifact.Ran {
				if _, err := os.Stat(filepath.Join(artifact.With["path"], "weighted-split", "report.html")); err != nil {
					t.Errorf("the artifact folder lacks the HTML report: %v", err)
				}
			}
			if r.byName(t, "Set up Go").Ran == (tt.inputs["version"] == "none") {
				t.Error("setup-go must run exactly when apimlab is installed with go")
			}
		})
	}
}

// checkSARIF asserts the file holds n results (n < 0: no file).
func checkSARIF(t *testing.T, file string, n int) {
	t.Helper()
	data, err := os.ReadFile(file)
	if n < 0 {
		if err == nil {
			t.Errorf("%s written, want none", file)
		}
		return
	}
	if err != nil {
		t.Fatalf("SARIF report: %v", err)
	}
	var log struct {
		Runs []struct {
			Results []json.RawMessage `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil || len(log.Runs) != 1 {
		t.Fatalf("SARIF report is not one run: %v\n%s", err, data)
	}
	if got := len(log.Runs[0].Results); got != n {
		t.Errorf("SARIF has %d results, want %d", got, n)
	}
}

// TestActionInputsDocumented: docs/ci/README.md's input table lists
// exactly the inputs of action.yml, with the same defaults where the
// default is a literal.
func TestActionInputsDocumented(t *testing.T) {
	var act actionFile
	readYAML(t, filepath.Join(repoRoot, "action.yml"), &act)
	doc, err := os.ReadFile(filepath.Join(repoRoot, "docs", "ci", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := string(doc)
	if i := strings.Index(section, "## GitHub Actions"); i >= 0 {
		section = section[i:]
	}
	if i := strings.Index(section[1:], "\n## "); i >= 0 {
		section = section[:i+1]
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z-]+)` \\|([^|]*)\\|")
	documented := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		documented[m[1]] = strings.TrimSpace(m[2])
	}
	for name, in := range act.Inputs {
		d, ok := documented[name]
		if !ok {
			t.Errorf("input %s is not in the table of docs/ci/README.md", name)
			continue
		}
		if in.Default != "" && d != "`"+in.Default+"`" {
			t.Errorf("input %s: documented default %s, action.yml says %q", name, d, in.Default)
		}
	}
	for name := range documented {
		if _, ok := act.Inputs[name]; !ok {
			t.Errorf("docs/ci/README.md documents input %s, which action.yml lacks", name)
		}
	}
}
