package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/apimlab/apimlab/sim"
)

func TestSimCmd(t *testing.T) {
	scenarios := filepath.Join("..", "..", "fixtures", "scenarios")
	dir := t.TempDir()
	// A copy of a shipped scenario whose expectation cannot hold.
	failing := filepath.Join(dir, "failing.yaml")
	src, err := os.ReadFile(filepath.Join(scenarios, "retry-after.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	config, err := filepath.Abs(filepath.Join(scenarios, "configs", "retry-after.json"))
	if err != nil {
		t.Fatal(err)
	}
	failingSrc := strings.Replace(string(src), "opens: [30s, 30.3s]", "opens: [10s, 11s]", 1)
	failingSrc = strings.Replace(failingSrc, "config: configs/retry-after.json", "config: "+config, 1)
	if err := os.WriteFile(failing, []byte(failingSrc), 0o644); err != nil {
		t.Fatal(err)
	}
	badKey := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badKey, []byte("name: x\nconfig: nowhere.json\nlod: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badConfig := filepath.Join(dir, "badconfig.yaml")
	if err := os.WriteFile(badConfig, []byte("name: x\nconfig: nowhere.json\nload:\n  - path: /a\n    phases: [{name: p, duration: 1s, rate: 1}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("passing scenario", func(t *testing.T) {
		out := filepath.Join(dir, "ok")
		vr := filepath.Join(dir, "vegeta.bin")
		code, stdout, stderr := runCLI(t, "sim", filepath.Join(scenarios, "retry-after.yaml"), "--out", out,
			"--format", "text", "--format", "json", "--format", "markdown", "--vegeta-results", vr)
		if code != 0 {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		res, err := sim.ReadResult(filepath.Join(out, "result.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !res.Passed || res.Run.Engine != "live" || res.Scenario.Name != "Retry-After holds the circuit open" {
			t.Errorf("result: passed %t engine %q scenario %q", res.Passed, res.Run.Engine, res.Scenario.Name)
		}
		for _, f := range []string{"report.txt", "report.md"} {
			if _, err := os.Stat(filepath.Join(out, f)); err != nil {
				t.Error(err)
			}
		}
		if !strings.Contains(stdout, filepath.Join(out, "result.json")) {
			t.Errorf("stdout does not say where the result is:\n%s", stdout)
		}
		// vegeta's own results decode, one per request: 130 s at 10 rps.
		f, err := os.Open(vr)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		dec := vegeta.NewDecoder(f)
		n := 0
		for {
			var r vegeta.Result
			if err := dec.Decode(&r); err != nil {
				break
			}
			n++
		}
		if n != 1300 {
			t.Errorf("vegeta results: %d, want 1300", n)
		}
	})
	t.Run("failing assertion exits 1", func(t *testing.T) {
		code, _, stderr := runCLI(t, "sim", failing, "--out", filepath.Join(dir, "fail"), "--format", "json")
		if code != 1 || !strings.Contains(stderr, "assertion(s) failed") {
			t.Errorf("exit %d, stderr %s", code, stderr)
		}
	})
	t.Run("unknown key exits 2 with its position", func(t *testing.T) {
		code, _, stderr := runCLI(t, "sim", badKey)
		if code != 2 || !strings.Contains(stderr, "bad.yaml:3:1: unknown field \"lod\"") {
			t.Errorf("exit %d, stderr %s", code, stderr)
		}
	})
	t.Run("missing configuration exits 2", func(t *testing.T) {
		code, _, stderr := runCLI(t, "sim", badConfig, "--out", filepath.Join(dir, "x"))
		if code != 2 || !strings.Contains(stderr, "badconfig.yaml:2:9: config") {
			t.Errorf("exit %d, stderr %s", code, stderr)
		}
	})
	t.Run("model engine", func(t *testing.T) {
		out := filepath.Join(dir, "model")
		code, stdout, stderr := runCLI(t, "sim", "--engine", "model", filepath.Join(scenarios, "demo-failover.yaml"), "--out", out, "--format", "json")
		if code != 0 {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		res, err := sim.ReadResult(filepath.Join(out, "result.json"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Run.Engine != "model" || !res.Passed {
			t.Errorf("engine %q passed %t", res.Run.Engine, res.Passed)
		}
	})
	t.Run("model sweep", func(t *testing.T) {
		out := filepath.Join(dir, "sweep")
		code, stdout, stderr := runCLI(t, "sim", "--engine", "model", filepath.Join(scenarios, "twitchy-breaker.yaml"), "--out", out,
			"--sweep", "backends.inventory-a.faults[0].rate=0:0.1:0.05")
		if code != 0 {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		data, err := os.ReadFile(filepath.Join(out, "sweep.csv"))
		if err != nil {
			t.Fatal(err)
		}
		if lines := strings.Count(strings.TrimSpace(string(data)), "\n") + 1; lines != 4 {
			t.Errorf("sweep.csv has %d lines, want a header and 3 values (0, 0.05, 0.1):\n%s", lines, data)
		}
	})
	t.Run("live-only flags with the model engine exit 2", func(t *testing.T) {
		code, _, stderr := runCLI(t, "sim", "--engine", "model", "--clock", "wall", filepath.Join(scenarios, "retry-after.yaml"), "--out", filepath.Join(dir, "z"))
		if code != 2 || !strings.Contains(stderr, "need --engine live") {
			t.Errorf("exit %d, stderr %s", code, stderr)
		}
	})
	t.Run("unknown format exits 2", func(t *testing.T) {
		code, _, stderr := runCLI(t, "sim", filepath.Join(scenarios, "retry-after.yaml"), "--format", "sarif", "--out", filepath.Join(dir, "y"))
		if code != 2 || !strings.Contains(stderr, "sarif") {
			t.Errorf("exit %d, stderr %s", code, stderr)
		}
	})
}
