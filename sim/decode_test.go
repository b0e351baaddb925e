package sim

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

func TestLoadShippedScenarioShape(t *testing.T) {
	sc, err := Load("../fixtures/scenarios/priority-failover.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sc.Length(), 180*time.Second; got != want {
		t.Errorf("Length = %v, want %v", got, want)
	}
	f := sc.Backends["orders-eastus"].Faults[0]
	if f.From.D() != 30*time.Second || f.To.D() != 90*time.Second || f.Code != 503 || f.Share() != 1 {
		t.Errorf("fault = %+v", f)
	}
	if got := sc.ConfigPaths()[0]; got != "../fixtures/demo/apim.json" {
		t.Errorf("config path = %q", got)
	}
	if got := sc.Load[0].RequestFor(sc.Load[0].Phases[0]); got.Method != "GET" || got.Path != "/orders/42" {
		t.Errorf("request = %+v", got)
	}
	if *sc.Expect[0].Breaker.Opens != (Window{Duration(30 * time.Second), Duration(31 * time.Second)}) {
		t.Errorf("opens = %v", *sc.Expect[0].Breaker.Opens)
	}
}

func TestParseErrorsArePositioned(t *testing.T) {
	const head = "name: x\nconfig: a.json\n"
	const load = "load:\n  - path: /a\n    phases:\n      - {name: p, duration: 10s, rate: 1}\n"
	tests := []struct {
		name, src, tok, want string
	}{
		{"unknown top key", head + load + "bogus: 1\n", "bogus", `unknown field "bogus"`},
		{"unknown fault key", head + load + "backends:\n  b:\n    faults:\n      - {kind: status, code: 500, rat: 1}\n",
			"rat", `unknown field "rat"`},
		{"bad duration", head + "load:\n  - path: /a\n    phases:\n      - {name: p, duration: soon, rate: 1}\n",
			"soon", `duration "soon"`},
		{"negative rate", head + "load:\n  - path: /a\n    phases:\n      - {name: p, duration: 10s, rate: -5}\n",
			"-5", `rate -5 must be in`},
		{"two shapes", head + "load:\n  - path: /a\n    phases:\n      - {name: p, duration: 10s, rate: 5, ramp: {from: 1, to: 2}}\n",
			"{name", `phase "p" needs exactly one of rate, ramp, sine or steps (has 2)`},
		{"overlapping faults", head + load + "backends:\n  b:\n    faults:\n      - {kind: status, code: 500, from: 1s, to: 5s}\n      - {kind: status, code: 502, from: 4s}\n",
			"{kind: status, code: 502", `overlaps faults[0]`},
		{"to before from", head + load + "backends:\n  b:\n    faults:\n      - {kind: reset, from: 5s, to: 2s}\n",
			"2s", `to (2s) must be after from (5s)`},
		{"refuse with rate", head + load + "backends:\n  b:\n    faults:\n      - {kind: refuse, rate: 0.5}\n",
			"0.5", `a refuse fault closes the listener: it has no rate`},
		{"unknown kind", head + load + "backends:\n  b:\n    faults:\n      - {kind: explode}\n",
			"explode", `unknown fault kind "explode"`},
		{"unknown phase in expect", head + load + "expect:\n  - latency: {phase: nope, p99: 1s}\n",
			"nope", `no phase "nope"`},
		{"window order", head + load + "expect:\n  - breaker: {backend: b, opens: [5s, 1s]}\n",
			"[5s", `window [5s, 1s] ends before it starts`},
		{"path", head + "load:\n  - path: a\n    phases:\n      - {name: p, duration: 10s, rate: 1}\n",
			"{name", `path "a" must start with /`},
		{"transport errors", head + load + "gateway: {transportErrors: sometimes}\n",
			"sometimes", `transportErrors "sometimes": valid values are always (the default) and listed`},
		{"not a mapping", "- 1\n", "- 1", `a scenario is a mapping`},
		{"malformed", "name: [\n", "", `s.yaml:`},
		// Review findings: each of these used to pass validation.
		{"phase durations that overflow", head + "load:\n  - path: /a\n    phases:\n      - {name: p, duration: 2562047h, rate: 1}\n      - {name: q, duration: 2562047h, rate: 1}\n",
			"2562047h", `duration 2562047h0m0s is longer than the 744h0m0s limit`},
		{"NaN amplitude", head + "load:\n  - path: /a\n    phases:\n      - {name: p, duration: 10s, sine: {mean: 5, amplitude: .nan, period: 1s}}\n",
			".nan", `amplitude must be in 0..mean`},
		{"NaN achieved", head + load + "expect:\n  - rate: {phase: p, achieved: .nan}\n",
			".nan", `achieved is the least share`},
		{"NaN share bound", head + load + "expect:\n  - traffic: {backend: b, phase: p, share: {min: .nan}}\n",
			"{min", `bounds must be finite numbers (got NaN)`},
		{"NaN tolerance", head + load + "expect:\n  - traffic: {backend: b, phase: p, share: {expected: true, tolerance: .nan}}\n",
			".nan", `tolerance is a share, 0..1`},
		{"negative latency add", head + load + "backends:\n  b:\n    faults:\n      - {kind: latency, add: -5s, jitter: 1s}\n",
			"-5s", `duration "-5s" is negative`},
		{"negative window", head + load + "expect:\n  - breaker: {backend: b, opens: [-5s, 1s]}\n",
			"-5s", `duration "-5s" is negative`},
		{"json unknown key", `{"name": "x", "config": "a", "load": [{"path": "/", "phases": [{"name": "p", "duration": "1s", "rate": 1}]}], "zz": 1}`,
			`"zz"`, `unknown field "zz"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(tt.src))
			if err == nil {
				t.Fatal("Parse succeeded")
			}
			if !errors.Is(err, ErrScenario) {
				t.Errorf("error does not wrap ErrScenario: %v", err)
			}
			want := tt.want
			if tt.tok != "" {
				// The position is where tok is written: its last
				// occurrence in the source (computed here, not by the
				// decoder).
				i := strings.LastIndex(tt.src, tt.tok)
				line := strings.Count(tt.src[:i], "\n") + 1
				col := i - strings.LastIndex(tt.src[:i], "\n")
				want = fmt.Sprintf("s.yaml:%d:%d: %s", line, col, tt.want)
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error = %v\nwant it to contain %q", err, want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("name: x\nconfig: a\nload:\n  - path: /\n    phases:\n      - {name: p, duration: 1s, rate: 1}\n"))
	f.Add([]byte("backends: {a: {latency: {distribution: normal, mean: 1s, stddev: 2s}, faults: [{kind: status}]}}"))
	f.Add([]byte(`{"expect": [{"breaker": {"opens": [1, 2]}}]}`))
	// Review seeds: durations whose sum overflows, NaN shapes and bounds.
	f.Add([]byte("name: x\nconfig: a\nload:\n  - path: /\n    phases:\n      - {name: p, duration: 2562047h, rate: 1}\n      - {name: q, duration: 2562047h, rate: 1}\n"))
	f.Add([]byte("name: x\nconfig: a\nload:\n  - path: /\n    phases:\n      - {name: p, duration: 1s, sine: {mean: 5, amplitude: .nan, period: 1s}}\n"))
	f.Add([]byte("name: x\nconfig: a\nload:\n  - path: /\n    phases:\n      - {name: p, duration: 1s, rate: 1}\nexpect:\n  - rate: {phase: p, achieved: .nan}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := Parse("f.yaml", data)
		if err == nil && sc == nil {
			t.Fatal("nil scenario without error")
		}
		if err != nil {
			return
		}
		// A valid scenario is bounded and its numbers are finite.
		if l := sc.Length(); l < 0 || l > MaxDuration {
			t.Fatalf("valid scenario lasts %v", l)
		}
		for _, st := range sc.Load {
			for _, ph := range st.Phases {
				if n := ph.Expected(ph.Duration.D()); math.IsNaN(n) || math.IsInf(n, 0) || n < 0 {
					t.Fatalf("phase %q expects %v requests", ph.Name, n)
				}
			}
		}
	})
}

func TestCheckAgainstConfiguration(t *testing.T) {
	src := "name: x\nconfig: a.json\nload:\n  - path: /a\n    phases:\n      - {name: p, duration: 10s, rate: 1}\n" +
		"backends:\n  orders-eastus: {latency: 5ms}\n  orders-pool: {latency: 5ms}\n  orders-estus2: {latency: 1ms}\n" +
		"expect:\n  - breaker: {backend: nobody, staysClosed: true}\n"
	sc, err := Parse("s.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	err = sc.Check(map[string]BackendKind{
		"orders-eastus": {Faked: true}, "Orders-Pool": {Pool: true}, "orders-westus": {Faked: true},
	})
	if err == nil {
		t.Fatal("Check passed")
	}
	for _, want := range []string{
		`s.yaml:9:3: "orders-pool" is a pool`,
		`s.yaml:10:3: no backend "orders-estus2" in the configuration (did you mean "orders-eastus"?)`,
		`s.yaml:12:24: no backend "nobody"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// TestLoadUTF16Scenario: a scenario saved as UTF-16 with a byte order mark
// (Windows PowerShell 5's Out-File) loads as its UTF-8 original does.
func TestLoadUTF16Scenario(t *testing.T) {
	data, err := os.ReadFile("../fixtures/scenarios/priority-failover.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var b []byte
	for _, u := range append([]uint16{0xfeff}, utf16.Encode([]rune(string(data)))...) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	// Both copies in one temporary folder, so that their relative
	// configuration paths resolve alike (and the shipped folder, which
	// other tests list, is left alone).
	dir := t.TempDir()
	utf8Path, utf16Path := filepath.Join(dir, "utf8.yaml"), filepath.Join(dir, "utf16.yaml")
	if err := os.WriteFile(utf8Path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(utf16Path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	want, err := Load(utf8Path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load(utf16Path)
	if err != nil {
		t.Fatalf("UTF-16 scenario: %v", err)
	}
	if !reflect.DeepEqual(got.ConfigPaths(), want.ConfigPaths()) || got.Length() != want.Length() || !reflect.DeepEqual(got.Backends, want.Backends) || !reflect.DeepEqual(got.Expect, want.Expect) {
		t.Errorf("the UTF-16 scenario differs from its UTF-8 original")
	}
}
