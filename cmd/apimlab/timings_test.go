package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/internal/cputime"
	"github.com/apimlab/apimlab/internal/gen"
	"github.com/apimlab/apimlab/lint/rules"
)

// TestLintTimings: --timings leaves the report alone and prints each
// phase with its wall and CPU time, the loader's split for an ARM
// template, and the ten slowest of the rules that ran, to standard error.
func TestLintTimings(t *testing.T) {
	file := filepath.Join(t.TempDir(), "arm.json")
	if err := os.WriteFile(file, gen.ARM(40, 4), 0o644); err != nil {
		t.Fatal(err)
	}
	code, want, errWant := runCLI(t, "lint", "--format", "json", "--fail-on", "never", file)
	if code != 0 || errWant != "" {
		t.Fatalf("exit %d, stderr %q", code, errWant)
	}
	code, got, stderr := runCLI(t, "lint", "--timings", "--format", "json", "--fail-on", "never", file)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if got != want {
		t.Error("--timings changed the report")
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	// Process CPU time where the platform gives it (internal/cputime).
	cpu, first := ` +[0-9.]+ ms`, "apimlab timings (wall, process CPU, heap allocated):"
	if cputime.Process() == 0 {
		cpu, first = "", "apimlab timings (wall, heap allocated):"
	}
	// The bytes allocated, where a phase allocated any.
	phase := regexp.MustCompile(`^  (load|collect|certificates|rules|report|total) +[0-9.]+ ms` + cpu + `( +[0-9.]+ MB)?$`)
	allocs := map[string]bool{}
	split := regexp.MustCompile(`^    (parse JSON|resolve ARM|build model) +[0-9.]+ ms$`)
	// Where this process prepared huge pages for an input (beforeRead).
	prepared := regexp.MustCompile(`^    prepare heap +[0-9.]+ ms \([0-9]+ MB of heap on huge pages\)$`)
	rule := regexp.MustCompile(`^  (APIM[0-9]{3}) +[a-z0-9-]+ +[0-9.]+ ms$`)
	header := regexp.MustCompile(`^slowest rules of ([0-9]+) `)
	seen := map[string]bool{}
	ran, ruleLines := 0, 0
	for _, l := range lines[1:] {
		switch {
		case phase.MatchString(l):
			m := phase.FindStringSubmatch(l)
			seen[m[1]] = true
			allocs[m[1]] = m[len(m)-1] != ""
		case split.MatchString(l):
			seen[split.FindStringSubmatch(l)[1]] = true
		case prepared.MatchString(l):
		case header.MatchString(l):
			ran, _ = strconv.Atoi(header.FindStringSubmatch(l)[1])
		case rule.MatchString(l):
			if _, ok := rules.ByID(rule.FindStringSubmatch(l)[1]); !ok {
				t.Errorf("unknown rule in %q", l)
			}
			ruleLines++
		default:
			t.Errorf("unexpected line %q", l)
		}
	}
	if lines[0] != first {
		t.Errorf("first line %q", lines[0])
	}
	for _, p := range []string{"load", "parse JSON", "resolve ARM", "build model", "collect", "certificates", "rules", "report", "total"} {
		if !seen[p] {
			t.Errorf("no %q line in\n%s", p, stderr)
		}
	}
	// Loading a template and linting it allocate, whatever the platform.
	for _, p := range []string{"load", "rules", "total"} {
		if !allocs[p] {
			t.Errorf("no bytes allocated shown for %q in\n%s", p, stderr)
		}
	}
	if ran < 50 || ruleLines != 10 {
		t.Errorf("%d rules ran, %d listed; want 50 or more and 10\n%s", ran, ruleLines, stderr)
	}
}

// TestLintTimingsOnFailure: the timings are printed however lint ends
// after loading: findings at --fail-on (exit 1) and an error writing the
// report (exit 2).
func TestLintTimingsOnFailure(t *testing.T) {
	demo := filepath.Join("..", "..", "fixtures", "demo")
	for _, tt := range []struct {
		name string
		args []string
		code int
	}{
		{"findings", []string{"lint", "--timings", demo}, 1},
		{"unwritable output", []string{"lint", "--timings", "-o", filepath.Join(t.TempDir(), "missing", "r.json"), demo}, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d: %s", code, tt.code, stderr)
			}
			if !strings.Contains(stderr, "apimlab timings") || !strings.Contains(stderr, "  load ") || !strings.Contains(stderr, "  total ") {
				t.Errorf("no timings on standard error:\n%s", stderr)
			}
		})
	}
}
