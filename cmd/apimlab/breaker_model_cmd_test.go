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
		got, err := breaker.ParseModel(parseGateway(t, tt.args...).BreakerModel)
		if err != nil || got != tt.want {
			t.Errorf("%q: model %v (%v), want %v", tt.args, got, err, tt.want)
		}
	}
	if code, _, stderr := runCLI(t, "gateway", "--breaker-model", "eventually", "x.json"); code != 2 {
		t.Errorf("unknown model: exit %d, want 2\n%s", code, stderr)
	}
}

// parseGateway parses `apimlab gateway x.json args…` and returns the
// command's flags.
func parseGateway(t *testing.T, args ...string) GatewayCmd {
	t.Helper()
	var cli CLI
	parser, err := kong.New(&cli, kong.Vars(vars()), kong.Writers(io.Discard, io.Discard), kong.Exit(func(int) {}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.Parse(append([]string{"gateway", "x.json"}, args...)); err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return cli.Gateway
}

// simModelResult runs the shipped retry-after scenario (it sets neither
// a breaker model nor transport errors) on the model engine with args and
// reads its result.json.
func simModelResult(t *testing.T, args ...string) *sim.Result {
	t.Helper()
	scenario := filepath.Join("..", "..", "fixtures", "scenarios", "retry-after.yaml")
	out := t.TempDir()
	if code, stdout, stderr := runCLI(t, append([]string{"sim", scenario, "--engine", "model", "--out", out, "--format", "json"}, args...)...); code != 0 {
		t.Fatalf("%q: exit %d\n%s\n%s", args, code, stdout, stderr)
	}
	res, err := sim.ReadResult(filepath.Join(out, "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestSimBreakerModelFlag runs a shipped scenario on the model engine and
// reads the model named in result.json: reset unless --breaker-model says
// otherwise (the scenario sets none).
func TestSimBreakerModelFlag(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "reset"},
		{[]string{"--breaker-model", "half-open"}, "halfOpen"},
		{[]string{"--breaker-model", "halfOpen"}, "halfOpen"},
	} {
		res := simModelResult(t, tt.args...)
		if res.Run.BreakerModel != tt.want {
			t.Errorf("%q: result names model %q, want %q", tt.args, res.Run.BreakerModel, tt.want)
		}
	}
}

// TestTransportErrorsFlags: `apimlab gateway` counts every transport
// error against a breaker unless --transport-errors listed says so, and
// `apimlab sim --transport-errors` overrides the scenario's setting; the
// result names what the run used.
func TestTransportErrorsFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want breaker.TransportErrors
	}{
		{nil, breaker.TransportAlways},
		{[]string{"--transport-errors", "always"}, breaker.TransportAlways},
		{[]string{"--transport-errors", "listed"}, breaker.TransportListed},
	} {
		got, err := breaker.ParseTransportErrors(parseGateway(t, tt.args...).TransportErrors)
		if err != nil || got != tt.want {
			t.Errorf("%q: transport errors %v (%v), want %v", tt.args, got, err, tt.want)
		}
	}
	for _, cmd := range [][]string{{"gateway", "x.json"}, {"sim", "x.yaml"}} {
		if code, _, stderr := runCLI(t, append(cmd, "--transport-errors", "never")...); code != 2 {
			t.Errorf("%s --transport-errors never: exit %d, want 2\n%s", cmd[0], code, stderr)
		}
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "always"},
		{[]string{"--transport-errors", "listed"}, "listed"},
	} {
		res := simModelResult(t, tt.args...)
		if res.Run.TransportErrors != tt.want {
			t.Errorf("%q: result names transport errors %q, want %q", tt.args, res.Run.TransportErrors, tt.want)
		}
	}
}
