package citest

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// stampableVars returns the package-level string variables of
// cmd/apimlab that -ldflags -X can set: declared without a value (the
// linker ignores -X for a variable initialised by a function call).
func stampableVars(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	dir := filepath.Join(repoRoot, "cmd", "apimlab")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); ok && id.Name == "string" && len(vs.Values) == 0 {
					for _, n := range vs.Names {
						out = append(out, n.Name)
					}
				}
			}
		}
	}
	return out
}

var ldflagX = regexp.MustCompile(`-X[= ]main\.(\w+)=`)

// checkStamps fails when text sets, with -X main.NAME=, a variable that
// cmd/apimlab does not declare as a stampable string.
func checkStamps(t *testing.T, what, text string, vars []string) {
	t.Helper()
	ms := ldflagX.FindAllStringSubmatch(text, -1)
	if len(ms) == 0 {
		t.Errorf("%s stamps no version (-X main.version=…)", what)
	}
	for _, m := range ms {
		if !slices.Contains(vars, m[1]) {
			t.Errorf("%s sets main.%s, which cmd/apimlab does not declare as an uninitialised string (have %q)", what, m[1], vars)
		}
	}
}

type goreleaserConfig struct {
	Version int `yaml:"version"`
	Builds  []struct {
		Main    string   `yaml:"main"`
		Binary  string   `yaml:"binary"`
		Env     []string `yaml:"env"`
		Goos    []string `yaml:"goos"`
		Goarch  []string `yaml:"goarch"`
		Ldflags []string `yaml:"ldflags"`
	} `yaml:"builds"`
	Archives []struct {
		Formats         []string `yaml:"formats"`
		FormatOverrides []struct {
			Goos    string   `yaml:"goos"`
			Formats []string `yaml:"formats"`
		} `yaml:"format_overrides"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
	} `yaml:"checksum"`
}

// TestGoReleaserConfig checks what the release promises: Linux, macOS
// and Windows archives (zip on Windows) of ./cmd/apimlab with checksums
// and version stamps apimlab reads. With goreleaser on PATH it also runs
// `goreleaser check` (make release-check installs it).
func TestGoReleaserConfig(t *testing.T) {
	var cfg goreleaserConfig
	data := readYAML(t, filepath.Join(repoRoot, ".goreleaser.yaml"), &cfg)
	if cfg.Version != 2 || len(cfg.Builds) != 1 || len(cfg.Archives) != 1 {
		t.Fatalf("want version 2 with one build and one archive: %+v", cfg)
	}
	b := cfg.Builds[0]
	if b.Main != "./cmd/apimlab" || b.Binary != "apimlab" || !slices.Contains(b.Env, "CGO_ENABLED=0") {
		t.Errorf("build: main %q binary %q env %q", b.Main, b.Binary, b.Env)
	}
	for _, os := range []string{"linux", "darwin", "windows"} {
		if !slices.Contains(b.Goos, os) {
			t.Errorf("no %s build", os)
		}
	}
	a := cfg.Archives[0]
	if len(a.FormatOverrides) != 1 || a.FormatOverrides[0].Goos != "windows" || !slices.Equal(a.FormatOverrides[0].Formats, []string{"zip"}) {
		t.Errorf("windows archives are not zip: %+v", a.FormatOverrides)
	}
	if cfg.Checksum.NameTemplate == "" {
		t.Error("no checksum file")
	}
	checkStamps(t, ".goreleaser.yaml", strings.Join(b.Ldflags, " "), stampableVars(t))

	gr, err := exec.LookPath("goreleaser")
	if err != nil {
		t.Logf("goreleaser not installed: `goreleaser check` skipped (make release-check)")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, gr, "check", "--config", filepath.Join(repoRoot, ".goreleaser.yaml"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("goreleaser check: %v\n%s\n%s", err, out, data)
	}
}

// TestDockerfile checks the image definition and links apimlab with the
// Dockerfile's -ldflags on this machine (no container engine needed): the
// binary prints the stamped version and commit. The build runs with the
// toolchain's default flags rather than the image's CGO_ENABLED=0
// -trimpath, which would rebuild every package (minutes on 2 cores); the
// stamps are link-time only, so they are what this proves.
func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(text, -1)
	if len(froms) < 2 || !strings.HasPrefix(froms[len(froms)-1][1], "gcr.io/distroless/static") {
		t.Fatalf("the final stage is not distroless/static: %q", froms)
	}
	if !regexp.MustCompile(`(?m)^USER\s+nonroot`).MatchString(text) || !strings.Contains(text, `ENTRYPOINT ["/usr/local/bin/apimlab"]`) {
		t.Error("the image must run apimlab as nonroot")
	}
	run := regexp.MustCompile(`(?m)^RUN CGO_ENABLED=0 go build .*-ldflags "([^"]*)" .*\./cmd/apimlab$`).FindStringSubmatch(text)
	if run == nil {
		t.Fatal(`no "RUN CGO_ENABLED=0 go build ... -ldflags "..." ... ./cmd/apimlab" line`)
	}
	checkStamps(t, "Dockerfile", run[1], stampableVars(t))

	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool")
	}
	out := filepath.Join(t.TempDir(), "apimlab")
	ldflags := strings.NewReplacer("${VERSION}", "v9.9.9-test", "${COMMIT}", "0123456789abcdef").Replace(run[1])
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, goTool, "build", "-ldflags", ldflags, "-o", out, "github.com/apimlab/apimlab/cmd/apimlab")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -ldflags %q: %v\n%s", ldflags, err, b)
	}
	v, err := exec.CommandContext(ctx, out, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("apimlab version: %v\n%s", err, v)
	}
	if !strings.HasPrefix(string(v), "apimlab v9.9.9-test\ncommit  0123456789abcdef") {
		t.Errorf("apimlab version of the image build:\n%s", v)
	}
}

// TestWorkflowExampleUsesTheAction: every `with:` key the example
// workflow gives the action is one of its inputs.
func TestWorkflowExampleUsesTheAction(t *testing.T) {
	var act actionFile
	readYAML(t, filepath.Join(repoRoot, "action.yml"), &act)
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Uses string            `yaml:"uses"`
				With map[string]string `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	readYAML(t, filepath.Join(repoRoot, "docs", "ci", "github-workflow.yml"), &wf)
	n := 0
	for job, j := range wf.Jobs {
		for _, s := range j.Steps {
			if !strings.HasPrefix(s.Uses, "apimlab/apimlab@") {
				continue
			}
			n++
			for k := range s.With {
				if _, ok := act.Inputs[k]; !ok {
					t.Errorf("job %s passes %q, not an input of action.yml", job, k)
				}
			}
		}
	}
	if n == 0 {
		t.Error("the example workflow does not use the action")
	}
}

// TestGoInstallable: `go install github.com/apimlab/apimlab/cmd/apimlab@v…`
// refuses a module whose go.mod has replace or exclude directives, so the
// module must not carry any.
func TestGoInstallable(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && (f[0] == "replace" || f[0] == "exclude") {
			t.Errorf("go.mod:%d: %s directive: go install …@version would refuse the module", i+1, f[0])
		}
		if len(f) > 0 && f[0] == "module" && (len(f) < 2 || f[1] != "github.com/apimlab/apimlab") {
			t.Errorf("go.mod:%d: module path %q, the documented install path is github.com/apimlab/apimlab", i+1, line)
		}
	}
}
