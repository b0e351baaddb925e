package main

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/alecthomas/kong"

	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/sim"
)

// TestGatewayBreakerModelFlag: `apimlab gateway` defaults to Azure's reset
// model (Learn, "Backends in API Management": "After the configured trip
// duration, the circuit resets and traffic resumes to the backend");
// --breaker-model half-open selects the half-open option.
func TestGatewayBreakerModelFlag(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want breaker.Model
	}{
		{nil, breaker.ModelReset},
		{[]string{"--breaker-model", "reset"}, breaker.ModelReset},
		{[]string{"--breaker-model", "half-open"}, breaker.ModelHalfOpen},
		{[]string{"--breaker-model", "halfOpen"}, breaker.ModelHalfOpen},
	} {
		var cli CLI
		parser, err := kong.New(&cli, kong.Vars(vars()), kong.Writers(io.Discard, io.Discard), kong.Exit(func(int) {}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parser.Parse(append([]string{"gateway", "x.json"}, tt.args...)); err != nil {
			t.Fatalf("%q: %v", tt.args, err)
		}
		got, err := breaker.ParseModel(cli.Gateway.BreakerModel)
		if err != nil || got != tt.want {
			t.Errorf("%q: model %v (%v), want %v", tt.args, got, err, tt.want)
		}
	}
	if code, _, stderr := runCLI(t, "gateway", "--breaker-model", "eventually", "x.json"); code != 2 {
		t.Errorf("unknown model: exit %d, want 2\n%s", code, stderr)
	}
}

// TestSimBreakerModelFlag runs a shipped scenario on the model engine and
// reads the model named in result.json: reset unless --breaker-model says
// otherwise (the scenario sets none).
func TestSimBreakerModelFlag(t *testing.T) {
	scenario := filepath.Join("..", "..", "fixtures", "scenarios", "retry-after.yaml")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "reset"},
		{[]string{"--breaker-model", "half-open"}, "halfOpen"},
		{[]string{"--breaker-model", "halfOpen"}, "halfOpen"},
	} {
		out := t.TempDir()
		args := append([]string{"sim", scenario, "--engine", "model", "--out", out, "--format", "json"}, tt.args...)
		if code, stdout, stderr := runCLI(t, args...); code != 0 {
			t.Fatalf("%q: exit %d\n%s\n%s", tt.args, code, stdout, stderr)
		}
		res, err := sim.ReadResult(filepath.Join(out, "result.json"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Run.BreakerModel != tt.want {
			t.Errorf("%q: result names model %q, want %q", tt.args, res.Run.BreakerModel, tt.want)
		}
	}
}
