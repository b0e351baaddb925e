package citest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestActionDiff runs the action's pre-merge impact step in a repository
// made here: a base branch with the demo configuration, a head that raises
// west's weight; a fake gh records the pull-request comment.
func TestActionDiff(t *testing.T) {
	apimlab := apimlabBinary(t)
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git")
	}
	work := t.TempDir()
	gitIn := func(args ...string) {
		t.Helper()
		cmd := exec.Command(git, args...)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.test", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.test")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	demo, err := os.ReadFile(filepath.Join(repoRoot, "fixtures", "demo", "apim.json"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(data string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(work, "infra"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, "infra", "apim.json"), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gitIn("init", "-q", "-b", "base")
	write(string(demo))
	gitIn("add", ".")
	gitIn("commit", "-q", "-m", "base")
	gitIn("checkout", "-q", "-b", "head")
	head := strings.Replace(string(demo), `"weight": 1`, `"weight": 3`, 1) // west: 1 → 3
	write(head)
	gitIn("commit", "-q", "-am", "west weight 3")

	ghLog := filepath.Join(t.TempDir(), "gh.log")
	gh := filepath.Join(t.TempDir(), "gh")
	if err := os.WriteFile(gh, []byte("#!/bin/sh\necho \"$@\" >> '"+ghLog+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	path := []string{binDir(t, map[string]string{"apimlab": apimlab, "git": git, "gh": gh}), "/usr/bin", "/bin"}
	r := actionRun(t, work, path,
		map[string]string{"version": "none", "paths": "infra", "diff-base": "base", "fail-on": "never"},
		map[string]string{"event.pull_request.number": "7"})
	step := r.byName(t, "Pre-merge impact")
	if !step.Ran || step.Code != 0 {
		t.Fatalf("impact step ran %v exit %d\n%s", step.Ran, step.Code, step.Output)
	}
	if got := r.ctx["steps.diff.outputs.exit-code"]; got != "0" {
		t.Errorf("diff-exit-code %q, want 0", got)
	}
	summary := r.summaryText(t)
	for _, want := range []string{"## apimlab impact: PASS", "orders-pool: weight of orders-westus 1 → 3 (share 25% → 50%)"} {
		if !strings.Contains(summary, want) {
			t.Errorf("job summary lacks %q:\n%s", want, summary)
		}
	}
	logged, _ := os.ReadFile(ghLog)
	if !strings.Contains(string(logged), "pr comment 7 --edit-last --body-file") {
		t.Errorf("gh was called with %q, want an edit of the pull request's comment", logged)
	}
}
