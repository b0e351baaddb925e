package shellcomp

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"
)

// testCLI is a small command tree with every kind of completion: nested
// subcommands, enum flags, predictor flags, file flags, bool flags, and
// positional arguments with and without values.
type testCLI struct {
	Verbose bool `short:"v" help:"Say more."`

	Check struct {
		Paths  []string `arg:"" optional:"" help:"Files."`
		Format string   `short:"f" enum:"text,json" default:"text" help:"Output format."`
		Enable []string `predictor:"rules" help:"Rules to run."`
		Output string   `short:"o" help:"Report file."`
		Strict bool     `help:"Fail on warnings."`
	} `cmd:"" help:"Check files."`
	Explain struct {
		ID string `arg:"" optional:"" help:"Rule."`
	} `cmd:"" help:"Explain a rule."`
	Keys struct {
		Init struct {
			Dir string `help:"Where."`
		} `cmd:"" help:"Make keys."`
	} `cmd:"" help:"Key commands."`
	Secret struct{} `cmd:"" hidden:"" help:"Not shown."`
}

var testOpts = Options{
	Predictors: map[string][]string{"rules": {"R001", "R002", "R100"}},
	Args:       map[string][]string{"explain": {"R001", "R002", "R100", "first-rule"}},
}

func testApp(t *testing.T) *kong.Application {
	t.Helper()
	var cli testCLI
	k, err := kong.New(&cli, kong.Name("tool"))
	if err != nil {
		t.Fatal(err)
	}
	return k.Model
}

func script(t *testing.T, shell string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, shell, testApp(t), testOpts); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestWriteErrors(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, "powershell", testApp(t), testOpts); err == nil || !strings.Contains(err.Error(), "bash, fish, zsh") {
		t.Errorf("unknown shell: err = %v, want one naming the supported shells", err)
	}
	if err := Write(&buf, "bash", testApp(t), Options{}); err == nil || !strings.Contains(err.Error(), `no predictor "rules"`) {
		t.Errorf("missing predictor: err = %v", err)
	}
}

// Every script names every visible command, flag and value, and no
// hidden command.
func TestScriptsContainTheModel(t *testing.T) {
	want := []string{"check", "explain", "keys", "init", "--format", "--enable", "--output", "--strict", "--verbose", "--dir",
		"text", "json", "R001", "R002", "R100", "first-rule"}
	for _, shell := range Shells {
		t.Run(shell, func(t *testing.T) {
			s := script(t, shell)
			for _, w := range want {
				if shell == "fish" && strings.HasPrefix(w, "--") {
					w = "-l " + strings.TrimPrefix(w, "--") // fish: complete -l NAME
				}
				if !strings.Contains(s, w) {
					t.Errorf("%s script lacks %q", shell, w)
				}
			}
			if strings.Contains(s, "secret") {
				t.Errorf("%s script offers the hidden command", shell)
			}
		})
	}
}

// complete runs the bash script's completion function on line (the
// cursor at its end) and returns the sorted candidates.
func complete(t *testing.T, bash, scriptFile, line string) []string {
	t.Helper()
	words := strings.Fields(line)
	if strings.HasSuffix(line, " ") || line == "" {
		words = append(words, "")
	}
	// bash splits "--flag=value" into "--flag" "=" "value".
	var split []string
	for _, w := range words {
		if k, v, ok := strings.Cut(w, "="); ok && strings.HasPrefix(w, "-") {
			split = append(split, k, "=")
			if v != "" {
				split = append(split, v)
			}
			continue
		}
		split = append(split, w)
	}
	quoted := make([]string, len(split))
	for i, w := range split {
		quoted[i] = shellWord(w)
	}
	cword := len(split) - 1
	prev := ""
	if cword > 0 {
		prev = split[cword-1]
	}
	prog := "source " + shellWord(scriptFile) + "\n" +
		"COMP_WORDS=(" + strings.Join(quoted, " ") + ")\n" +
		"COMP_CWORD=" + strconv.Itoa(cword) + "\n" +
		"_tool tool " + shellWord(split[cword]) + " " + shellWord(prev) + "\n" +
		`printf '%s\n' "${COMPREPLY[@]}"` + "\n"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bash, "--noprofile", "--norc", "-c", prog)
	cmd.Dir = t.TempDir()
	for _, f := range []string{"a.json", "b.xml"} {
		if err := os.WriteFile(filepath.Join(cmd.Dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" {
			got = append(got, l)
		}
	}
	slices.Sort(got)
	return got
}

// TestBashCompletes runs the generated bash script the way bash's
// programmable completion does and checks the candidates.
func TestBashCompletes(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	file := filepath.Join(t.TempDir(), "tool.bash")
	if err := os.WriteFile(file, []byte(script(t, "bash")), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		line string
		want []string
	}{
		{"tool ", []string{"check", "explain", "keys"}},
		{"tool ch", []string{"check"}},
		{"tool -", []string{"--help", "--verbose", "-h", "-v"}},
		{"tool check --f", []string{"--format"}},
		{"tool check --format ", []string{"json", "text"}},
		{"tool check -f j", []string{"json"}},
		{"tool check --format=", []string{"json", "text"}},
		{"tool check --format=t", []string{"text"}},
		{"tool check --enable R0", []string{"R001", "R002"}},
		{"tool -v check --enable ", []string{"R001", "R002", "R100"}},
		{"tool check --output ", []string{"a.json", "b.xml"}},
		{"tool check --strict ", []string{"a.json", "b.xml"}},
		{"tool check --format json ", []string{"a.json", "b.xml"}},
		{"tool explain ", []string{"R001", "R002", "R100", "first-rule"}},
		{"tool explain f", []string{"first-rule"}},
		{"tool keys ", []string{"init"}},
		{"tool keys init --", []string{"--dir", "--help", "--verbose"}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got := complete(t, bash, file, tt.line)
			if !slices.Equal(got, tt.want) {
				t.Errorf("completing %q: got %q, want %q", tt.line, got, tt.want)
			}
		})
	}
}

// The zsh and fish scripts are checked by their shells when installed
// (CI does not install them; the bash test covers the shared logic):
// zsh loads the script and runs its function, fish lists the completions
// of a command line.
func TestOtherShellsLoadTheScripts(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		shell string
		args  func(file string) []string
		want  []string
	}{
		// zsh: bashcompinit calls the function with COMP_WORDS and
		// COMP_CWORD set as bash would; do the same.
		{"zsh", func(f string) []string {
			return []string{"-f", "-c", "source " + shellWord(f) + ` || exit 1
COMP_WORDS=(tool check --format ''); COMP_CWORD=3; _tool tool '' --format; print -l -- $COMPREPLY
COMP_WORDS=(tool explain f); COMP_CWORD=2; _tool tool f explain; print -l -- $COMPREPLY`}
		}, []string{"json", "text", "first-rule"}},
		{"fish", func(f string) []string {
			return []string{"--no-config", "-c", "source " + fishWord(f) + "; complete -C 'tool check --format '; complete -C 'tool explain R1'"}
		}, []string{"json", "text", "R100"}},
	}
	for _, tt := range tests {
		t.Run(tt.shell, func(t *testing.T) {
			sh, err := exec.LookPath(tt.shell)
			if err != nil {
				t.Skipf("%s not installed", tt.shell)
			}
			file := filepath.Join(dir, "tool."+tt.shell)
			if err := os.WriteFile(file, []byte(script(t, tt.shell)), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, sh, tt.args(file)...)
			cmd.Env = append(os.Environ(), "HOME="+dir)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", tt.shell, err, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("%s output lacks %q:\n%s", tt.shell, w, out)
				}
			}
		})
	}
}
