package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/lint/rules"
)

// commandNames lists the subcommands declared in the CLI struct (fields
// tagged cmd, recursively), read with reflect rather than from kong's
// model that the generator walks.
func commandNames(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if _, ok := f.Tag.Lookup("cmd"); !ok || f.Tag.Get("hidden") != "" {
			continue
		}
		name := f.Tag.Get("name")
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out = append(out, name)
		out = append(out, commandNames(f.Type)...)
	}
	return out
}

// The completion scripts name every command and every rule ID.
func TestCompletionScriptsCoverCommandsAndRules(t *testing.T) {
	cmds := commandNames(reflect.TypeOf(CLI{}))
	if !slices.Contains(cmds, "lint") || !slices.Contains(cmds, "init") {
		t.Fatalf("command list %q misses lint or certs init", cmds)
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			code, out, errOut := runCLI(t, "completion", shell)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, c := range cmds {
				if !strings.Contains(out, "'"+c+"'") {
					t.Errorf("%s script lacks command %q", shell, c)
				}
			}
			for _, r := range rules.All {
				if !strings.Contains(out, r.ID) {
					t.Errorf("%s script lacks rule %s", shell, r.ID)
				}
			}
		})
	}
	if code, _, errOut := runCLI(t, "completion", "powershell"); code != 2 || !strings.Contains(errOut, `"bash","zsh","fish"`) {
		t.Errorf("unknown shell: exit %d, stderr %q; want 2 naming the shells", code, errOut)
	}
}

// bashComplete sources the bash script and completes words (the last
// one is the word under the cursor).
func bashComplete(t *testing.T, bash, script string, words ...string) []string {
	t.Helper()
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = "'" + w + "'"
	}
	prev := words[len(words)-2]
	prog := "source '" + script + "'\nCOMP_WORDS=(" + strings.Join(q, " ") + ")\nCOMP_CWORD=" +
		strconv.Itoa(len(words)-1) + "\n_apimlab apimlab '" + words[len(words)-1] + "' '" + prev + "'\n" +
		`printf '%s\n' "${COMPREPLY[@]}"`
	cmd := exec.Command(bash, "--noprofile", "--norc", "-c", prog)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	got := strings.Fields(string(out))
	slices.Sort(got)
	return got
}

// Bash completes rule IDs after --enable and --disable and for explain.
func TestBashCompletesRuleIDs(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	_, out, _ := runCLI(t, "completion", "bash")
	script := filepath.Join(t.TempDir(), "apimlab.bash")
	if err := os.WriteFile(script, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rules.All {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	for _, words := range [][]string{
		{"apimlab", "lint", "--enable", ""},
		{"apimlab", "lint", "--disable", ""},
		{"apimlab", "lint", "--fail-on", "never", "--disable", "APIM"},
	} {
		if got := bashComplete(t, bash, script, words...); !slices.Equal(got, ids) {
			t.Errorf("completing %q: got %q, want every rule ID", words, got)
		}
	}
	got := bashComplete(t, bash, script, "apimlab", "explain", "APIM0")
	for _, id := range ids {
		if strings.HasPrefix(id, "APIM0") != slices.Contains(got, id) {
			t.Errorf("completing explain APIM0: %s offered = %v", id, slices.Contains(got, id))
		}
	}
	if got := bashComplete(t, bash, script, "apimlab", "lint", "--format", ""); !slices.Contains(got, "sarif") || !slices.Contains(got, "json") {
		t.Errorf("completing --format: got %q, want the formats", got)
	}
}
