package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/sim"
)

// savedResult writes a small result (one backend, one phase, a breaker
// opening, one passing and one failing assertion) as apimlab sim would.
func savedResult(t *testing.T) string {
	t.Helper()
	sc, err := sim.Parse("s.yaml", []byte(`name: cli report
config: apim.json
load:
  - path: /x
    phases:
      - {name: only, duration: 4s, rate: 1}
expect:
  - breaker: {backend: b, opens: [1s, 3s]}
  - breaker: {backend: b, staysClosed: true}
`))
	if err != nil {
		t.Fatal(err)
	}
	rec := sim.NewRecorder(sc, sim.RecorderOptions{Run: sim.RunInfo{Engine: "model", Clock: "virtual", BreakerModel: "halfOpen", Speed: 1},
		Backends: []sim.BackendInfo{{Name: "b", Kind: "Single", Breaker: "1 failure in 1s, trip 1s"}}})
	for s := range 4 {
		at := time.Duration(s) * time.Second
		rec.Attempt(at, 0, "b", 500, time.Millisecond)
		rec.Request(sim.RequestRecord{At: at, Status: 500, Backend: "b", Latency: time.Millisecond})
	}
	rec.Transition(sim.Transition{At: sim.Duration(2 * time.Second), Backend: "b", From: "closed", To: "open", Reason: "failure threshold"})
	path := filepath.Join(t.TempDir(), "result.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := rec.Finish(time.Second).WriteJSON(f); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReportCmd(t *testing.T) {
	res := savedResult(t)
	notResult := filepath.Join(t.TempDir(), "x.json")
	if err := os.WriteFile(notResult, []byte(`{"version": 99}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"text by default", []string{"report", res}, 0, "cli report: FAIL, 1 of 2 assertions passed", ""},
		{"markdown", []string{"report", res, "--format", "markdown"}, 0, "### Breaker transitions", ""},
		{"junit", []string{"report", res, "-f", "junit"}, 0, `<testcase name="breaker b stays closed" classname="sim.breaker">`, ""},
		{"json", []string{"report", res, "-f", "json"}, 0, `"version": 1`, ""},
		{"html", []string{"report", res, "-f", "html"}, 0, "<!DOCTYPE html>", ""},
		{"no colour when not a terminal", []string{"report", res}, 0, "FAIL", ""},
		{"colour when asked", []string{"report", res, "--color", "always"}, 0, "\x1b[", ""},
		{"unknown format", []string{"report", res, "-f", "sarif"}, 2, "", "sarif"},
		{"missing file", []string{"report", filepath.Join(t.TempDir(), "nope.json")}, 2, "", "nope.json"},
		{"not a result", []string{"report", notResult}, 2, "", "result version 99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, out, errOut)
			}
			if !strings.Contains(out, tt.wantStdout) {
				t.Errorf("stdout does not contain %q:\n%s", tt.wantStdout, out)
			}
			if !strings.Contains(errOut, tt.wantStderr) {
				t.Errorf("stderr does not contain %q:\n%s", tt.wantStderr, errOut)
			}
			if tt.name == "no colour when not a terminal" && strings.Contains(out, "\x1b[") {
				t.Errorf("colour codes in output to a non-terminal:\n%q", out)
			}
		})
	}
}

func TestReportCmdOutputFile(t *testing.T) {
	res := savedResult(t)
	out := filepath.Join(t.TempDir(), "report.html")
	code, stdout, stderr := runCLI(t, "report", res, "--format", "html", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout should be empty with -o, got %q", stdout)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "<!DOCTYPE html>") || !strings.Contains(string(data), `data-backend="b"`) {
		t.Errorf("%s is not the HTML report of the result", out)
	}
	code, _, stderr = runCLI(t, "report", res, "-o", filepath.Join(t.TempDir(), "no", "such", "dir", "r.txt"))
	if code != 2 || !strings.Contains(stderr, "no such file") {
		t.Errorf("unwritable -o: exit %d, stderr %q; want 2 naming the problem", code, stderr)
	}
}

// failingWriter fails every write (a closed pipe, a full disk).
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("write: broken pipe") }

// TestReportCmdWriteFailureIsExit2: a report that cannot be written is
// exit 2, as documented — not 1, which means an assertion failed.
func TestReportCmdWriteFailureIsExit2(t *testing.T) {
	path := savedResult(t)
	var errb bytes.Buffer
	if code := run([]string{"report", path, "--format", "json"}, failingWriter{}, &errb); code != 2 {
		t.Errorf("exit %d, want 2 (stderr %s)", code, errb.String())
	}
}
