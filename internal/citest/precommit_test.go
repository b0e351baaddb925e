package citest

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// hook is a .pre-commit-hooks.yaml entry (the keys pre-commit's manifest
// schema knows; unknown keys fail the test).
type hook struct {
	ID                      string   `yaml:"id"`
	Name                    string   `yaml:"name"`
	Description             string   `yaml:"description"`
	Entry                   string   `yaml:"entry"`
	Language                string   `yaml:"language"`
	Files                   string   `yaml:"files"`
	Exclude                 string   `yaml:"exclude"`
	Types                   []string `yaml:"types"`
	Args                    []string `yaml:"args"`
	PassFilenames           *bool    `yaml:"pass_filenames"`
	RequireSerial           bool     `yaml:"require_serial"`
	MinimumPreCommitVersion string   `yaml:"minimum_pre_commit_version"`
	AlwaysRun               bool     `yaml:"always_run"`
	Stages                  []string `yaml:"stages"`
	LanguageVersion         string   `yaml:"language_version"`
	Verbose                 bool     `yaml:"verbose"`
	FailFast                bool     `yaml:"fail_fast"`
	AdditionalDependencies  []string `yaml:"additional_dependencies"`
	ExcludeTypes            []string `yaml:"exclude_types"`
	TypesOr                 []string `yaml:"types_or"`
}

func readHooks(t *testing.T) []hook {
	t.Helper()
	var hooks []hook
	data := readYAML(t, filepath.Join(repoRoot, ".pre-commit-hooks.yaml"), &hooks)
	// Strict decoding: a misspelt key (pass_filename) is silently ignored
	// by pre-commit's older versions and rejected by newer ones.
	var loose []map[string]any
	readYAML(t, filepath.Join(repoRoot, ".pre-commit-hooks.yaml"), &loose)
	known := []string{"id", "name", "description", "entry", "language", "files", "exclude", "types", "args",
		"pass_filenames", "require_serial", "minimum_pre_commit_version", "always_run", "stages",
		"language_version", "verbose", "fail_fast", "additional_dependencies", "exclude_types", "types_or"}
	for i, h := range loose {
		for k := range h {
			if !slices.Contains(known, k) {
				t.Errorf("hook %d: unknown key %q", i, k)
			}
		}
	}
	if len(data) == 0 || len(hooks) == 0 {
		t.Fatal("no hooks")
	}
	return hooks
}

// TestPreCommitHooks checks the manifest the way pre-commit reads it
// and runs each hook's entry as pre-commit would: entry, then args, then
// the staged files that match `files` (when pass_filenames).
func TestPreCommitHooks(t *testing.T) {
	apimlab := apimlabBinary(t)
	hooks := readHooks(t)
	ids := map[string]bool{}
	for _, h := range hooks {
		if h.ID == "" || h.Name == "" || h.Entry == "" || h.Language == "" {
			t.Errorf("hook %+v lacks id, name, entry or language", h)
		}
		if ids[h.ID] {
			t.Errorf("hook id %q twice", h.ID)
		}
		ids[h.ID] = true
		// language: golang runs `go install ./...` in this repository,
		// which installs cmd/apimlab as the binary apimlab.
		if h.Language != "golang" || strings.Fields(h.Entry)[0] != "apimlab" {
			t.Errorf("hook %s: language %q entry %q, want golang and the apimlab binary", h.ID, h.Language, h.Entry)
		}
		for _, re := range []string{h.Files, h.Exclude} {
			if _, err := regexp.Compile(re); err != nil {
				t.Errorf("hook %s: %q is not a regular expression: %v", h.ID, re, err)
			}
		}
	}

	// The staged files of a commit in a repository with findings,
	// a clean template and a configuration file.
	staged := []string{"infra/findings.json", "infra/clean.json", ".apimlab.yaml", "README.md"}
	tests := []struct {
		hook     string
		args     []string
		files    []string // staged files present (relative), from testdata
		wantCode int
		wantOut  string
	}{
		{"apimlab-lint", nil, []string{"infra/findings.json", "infra/clean.json"}, 1, "APIM001"},
		{"apimlab-lint", nil, []string{"infra/clean.json"}, 0, ""},
		{"apimlab-lint", nil, []string{"infra/clean.json", ".apimlab.yaml", "README.md"}, 0, ""},
		{"apimlab-lint-all", []string{"infra"}, []string{"infra/findings.json", "infra/clean.json"}, 1, "APIM001"},
		{"apimlab-lint-all", []string{"infra"}, []string{"infra/clean.json"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.hook+"/"+strings.Join(tt.files, ","), func(t *testing.T) {
			var h hook
			for _, x := range hooks {
				if x.ID == tt.hook {
					h = x
				}
			}
			if h.ID == "" {
				t.Fatalf("no hook %s", tt.hook)
			}
			work := t.TempDir()
			src := map[string]string{"infra/findings.json": "findings/template.json", "infra/clean.json": "clean/template.json",
				".apimlab.yaml": "precommit/apimlab.yaml", "README.md": "precommit/README.md"}
			for _, f := range tt.files {
				copyFile(t, filepath.Join("testdata", src[f]), filepath.Join(work, f))
			}
			argv := append(strings.Fields(h.Entry)[1:], tt.args...)
			if h.PassFilenames == nil || *h.PassFilenames {
				files := regexp.MustCompile(h.Files)
				exclude := regexp.MustCompile(h.Exclude)
				for _, f := range staged {
					if slices.Contains(tt.files, f) && files.MatchString(f) && (h.Exclude == "" || !exclude.MatchString(f)) {
						argv = append(argv, f)
					}
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, apimlab, argv...)
			cmd.Dir = work
			out, err := cmd.CombinedOutput()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.wantCode || !strings.Contains(string(out), tt.wantOut) {
				t.Errorf("apimlab %q: exit %d, want %d with %q\n%s", argv, code, tt.wantCode, tt.wantOut, out)
			}
		})
	}
}
