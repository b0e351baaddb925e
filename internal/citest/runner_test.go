package citest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// repoRoot is the module root, two levels above this package.
var repoRoot = filepath.Join("..", "..")

var (
	buildOnce sync.Once
	buildDir  string
	buildBin  string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// apimlabBinary builds cmd/apimlab once per test binary and returns its
// path. Tests that need it skip when no go tool is on PATH.
func apimlabBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH to build apimlab")
	}
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "citest-bin-")
		if buildErr != nil {
			return
		}
		buildBin = filepath.Join(buildDir, "apimlab")
		cmd := exec.Command(goTool, "build", "-o", buildBin, "github.com/apimlab/apimlab/cmd/apimlab")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBin
}

// needBash returns bash's path or skips the test.
func needBash(t *testing.T) string {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	return bash
}

// binDir returns a fresh folder holding a link to each named program
// (path values), for a PATH that offers exactly those tools.
func binDir(t *testing.T, programs map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, target := range programs {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// copyDir copies the files of src (one level) into dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// exprRef matches one ${{ dotted.reference }} expression (GitHub, and
// Azure Pipelines template parameters); macroRef one Azure Pipelines
// $(Variable.Name) macro.
var (
	exprRef  = regexp.MustCompile(`\$\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}`)
	macroRef = regexp.MustCompile(`\$\(([A-Za-z_][\w.]*)\)`)
)

// context is what expressions in a workflow file can see: dotted names
// ("inputs.paths", "github.action_ref", "steps.lint.outputs.exit-code")
// and their values. A name that is not there is an error, so a file
// cannot refer to an input it does not declare.
type exprContext map[string]string

// expand replaces every ${{ ref }} in s. Only plain references are
// supported: anything else is an error, so new syntax has to be taught
// here before a file may use it.
func (c exprContext) expand(s string) (string, error) {
	var firstErr error
	out := exprRef.ReplaceAllStringFunc(s, func(m string) string {
		ref := exprRef.FindStringSubmatch(m)[1]
		v, ok := c.lookup(ref)
		if !ok && firstErr == nil {
			firstErr = fmt.Errorf("unknown reference %q", ref)
		}
		return v
	})
	out = macroRef.ReplaceAllStringFunc(out, func(m string) string {
		ref := macroRef.FindStringSubmatch(m)[1]
		v, ok := c.lookup(ref)
		if !ok && firstErr == nil {
			firstErr = fmt.Errorf("unknown macro %q", ref)
		}
		return v
	})
	if firstErr == nil && strings.Contains(out, "${{") {
		firstErr = fmt.Errorf("unsupported expression in %q", s)
	}
	return out, firstErr
}

func (c exprContext) lookup(ref string) (string, bool) {
	if v, ok := c[ref]; ok {
		return v, true
	}
	// A step output nobody wrote is empty, as on GitHub; a step that
	// does not exist is an error.
	if parts := strings.SplitN(ref, ".", 4); len(parts) == 4 && parts[0] == "steps" && parts[2] == "outputs" {
		_, ok := c["steps."+parts[1]]
		return "", ok
	}
	return "", false
}

var (
	condEq  = regexp.MustCompile(`^([A-Za-z_][\w.-]*)\s*(==|!=)\s*'([^']*)'$`)
	condNot = regexp.MustCompile(`^!\s*cancelled\(\)$`)
)

// cond evaluates an `if:` condition: terms joined by &&, each
// `!cancelled()`, `always()`, `success()`, `failure()` or
// `ref == 'literal'` / `ref != 'literal'`. failed says whether an earlier
// step failed. Without a status function the condition implies
// success(), as on GitHub.
func (c exprContext) cond(expr string, failed bool) (bool, error) {
	expr = strings.TrimSpace(expr)
	expr = strings.TrimSuffix(strings.TrimPrefix(expr, "${{"), "}}")
	result, status := true, false
	for _, term := range strings.Split(expr, "&&") {
		term = strings.TrimSpace(term)
		switch {
		case condNot.MatchString(term), term == "always()", term == "succeededOrFailed()":
			status = true
		case term == "success()", term == "succeeded()":
			status = true
			result = result && !failed
		case term == "failure()":
			status = true
			result = result && failed
		case condEq.MatchString(term):
			m := condEq.FindStringSubmatch(term)
			v, ok := c.lookup(m[1])
			if !ok {
				return false, fmt.Errorf("condition %q: unknown reference %q", expr, m[1])
			}
			result = result && (v == m[3]) == (m[2] == "==")
		default:
			return false, fmt.Errorf("condition %q: unsupported term %q", expr, term)
		}
	}
	if !status && failed {
		return false, nil
	}
	return result, nil
}

// stepRun is the outcome of one step.
type stepRun struct {
	Name    string
	Ran     bool
	Code    int
	Output  string            // stdout and stderr of a script step
	With    map[string]string // resolved inputs of an action step
	Outputs map[string]string
}

// runner emulates the part of a GitHub runner a composite action or a
// workflow job needs: it runs `run:` steps with bash the way GitHub does
// (`bash --noprofile --norc -eo pipefail`), evaluates `if:`, feeds
// GITHUB_OUTPUT back into steps.<id>.outputs and GITHUB_PATH into PATH,
// and records `uses:` steps without running them.
type runner struct {
	bash    string
	work    string   // working directory of the steps
	path    []string // PATH entries, first wins
	baseEnv []string // extra environment (NAME=value)
	summary string   // GITHUB_STEP_SUMMARY file
	temp    string   // RUNNER_TEMP
	ctx     exprContext
	failed  bool
	steps   []stepRun
	// shellArgs start bash: GitHub's `bash --noprofile --norc -eo
	// pipefail` by default; Azure Pipelines' Bash step has no -e.
	shellArgs []string
}

func newRunner(t *testing.T, work string, path []string, ctx exprContext) *runner {
	t.Helper()
	temp := t.TempDir()
	r := &runner{bash: needBash(t), work: work, path: path, ctx: ctx,
		summary: filepath.Join(temp, "summary.md"), temp: temp,
		shellArgs: []string{"--noprofile", "--norc", "-eo", "pipefail"}}
	if _, ok := ctx["runner.temp"]; !ok {
		ctx["runner.temp"] = temp
	}
	return r
}

// step describes one step of an action or workflow file.
type step struct {
	Name  string            `yaml:"name"`
	ID    string            `yaml:"id"`
	If    string            `yaml:"if"`
	Uses  string            `yaml:"uses"`
	With  map[string]string `yaml:"with"`
	Shell string            `yaml:"shell"`
	Run   string            `yaml:"run"`
	Env   map[string]string `yaml:"env"`
}

func (r *runner) run(t *testing.T, st step) stepRun {
	t.Helper()
	res := stepRun{Name: st.Name, Outputs: map[string]string{}}
	if st.ID != "" {
		r.ctx["steps."+st.ID] = ""
	}
	ok := true
	if st.If != "" {
		var err error
		if ok, err = r.ctx.cond(st.If, r.failed); err != nil {
			t.Fatalf("step %q: %v", st.Name, err)
		}
	} else if r.failed {
		ok = false
	}
	if !ok {
		r.steps = append(r.steps, res)
		return res
	}
	res.Ran = true
	if st.Uses != "" {
		res.With = map[string]string{}
		for k, v := range st.With {
			x, err := r.ctx.expand(v)
			if err != nil {
				t.Fatalf("step %q: with.%s: %v", st.Name, k, err)
			}
			res.With[k] = x
		}
		r.steps = append(r.steps, res)
		return res
	}
	if st.Shell != "bash" {
		t.Fatalf("step %q: shell %q, the runner emulation knows bash only", st.Name, st.Shell)
	}
	if strings.Contains(st.Run, "${{") {
		t.Fatalf("step %q: ${{ }} inside run: lets input inject shell code; pass it through env:", st.Name)
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "step.sh")
	outFile := filepath.Join(dir, "output")
	pathFile := filepath.Join(dir, "path")
	for _, f := range []string{script, outFile, pathFile} {
		content := ""
		if f == script {
			content = st.Run
		}
		if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{
		"PATH=" + strings.Join(r.path, string(os.PathListSeparator)),
		"HOME=" + dir,
		"GITHUB_OUTPUT=" + outFile,
		"GITHUB_PATH=" + pathFile,
		"GITHUB_STEP_SUMMARY=" + r.summary,
		"RUNNER_TEMP=" + r.temp,
		"GITHUB_ACTIONS=true",
	}
	env = append(env, r.baseEnv...)
	for k, v := range st.Env {
		x, err := r.ctx.expand(v)
		if err != nil {
			t.Fatalf("step %q: env.%s: %v", st.Name, k, err)
		}
		env = append(env, k+"="+x)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.bash, append(slices.Clone(r.shellArgs), script)...)
	cmd.Dir, cmd.Env = r.work, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	res.Output = out.String()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		res.Code = ee.ExitCode()
	default:
		t.Fatalf("step %q: %v", st.Name, err)
	}
	if res.Code != 0 {
		r.failed = true
	}
	res.Outputs = readKeyValues(t, outFile)
	for k, v := range res.Outputs {
		if st.ID != "" {
			r.ctx["steps."+st.ID+".outputs."+k] = v
		}
	}
	if data, err := os.ReadFile(pathFile); err == nil {
		for _, p := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			if p != "" {
				r.path = append([]string{p}, r.path...)
			}
		}
	}
	// Azure Pipelines: ##vso[task.prependpath]DIR in the output.
	for _, line := range strings.Split(res.Output, "\n") {
		if p, ok := strings.CutPrefix(line, "##vso[task.prependpath]"); ok && p != "" {
			r.path = append([]string{strings.TrimSpace(p)}, r.path...)
		}
	}
	r.steps = append(r.steps, res)
	return res
}

// readKeyValues reads a GITHUB_OUTPUT file of name=value lines.
func readKeyValues(t *testing.T, file string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	kv := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			kv[k] = v
		}
	}
	return kv
}

// byName returns the recorded run of the step with that name.
func (r *runner) byName(t *testing.T, name string) stepRun {
	t.Helper()
	for _, s := range r.steps {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no step %q", name)
	return stepRun{}
}

// summaryText returns what the steps appended to the job summary.
func (r *runner) summaryText(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(r.summary)
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// execIn runs program with args in dir and returns its combined output.
func execIn(dir, program string, args ...string) (string, error) {
	cmd := exec.Command(program, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// copyFile copies src to dst, creating dst's folder.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
