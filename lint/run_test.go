package lint

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
)

var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func at(file string, line, col int) apim.Position {
	return apim.Position{File: file, Line: line, Col: col}
}

// reporter builds a rule that reports the given findings.
func reporter(id string, sev Severity, fs ...Finding) *Rule {
	return &Rule{ID: id, Name: "test-" + id, Severity: sev, Check: func(p *Pass) {
		for _, f := range fs {
			p.Reportf(f.Pos, f.Subject, "%s", f.Message)
		}
	}}
}

func ids(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.Pos.String() + " " + f.Rule + "; ")
	}
	return b.String()
}

func TestRunSortsAndDeduplicates(t *testing.T) {
	a := reporter("APIM010", Warning,
		Finding{Pos: at("b.json", 3, 1), Message: "x"},
		Finding{Pos: at("a.json", 9, 2), Message: "y"},
		Finding{Pos: at("a.json", 9, 2), Message: "y"}, // duplicate
		Finding{Pos: at("a.json", 2, 5), Message: "z"},
	)
	b := reporter("APIM005", Error, Finding{Pos: at("a.json", 9, 2), Message: "w"})
	res := Run(&apim.Service{Sources: []string{"a.json", "b.json"}}, []*Rule{a, b}, nil, RunOptions{Now: testNow})
	got := ids(res.Findings)
	want := "a.json:2:5 APIM010; a.json:9:2 APIM005; a.json:9:2 APIM010; b.json:3:1 APIM010; "
	if got != want {
		t.Errorf("findings = %s\nwant %s", got, want)
	}
	if res.Stats.Errors != 1 || res.Stats.Warnings != 3 || res.Stats.Files != 2 || res.Stats.Rules != 2 {
		t.Errorf("stats = %+v", res.Stats)
	}
	if got, want := res.Rules[0].ID, "APIM005"; got != want {
		t.Errorf("rules not sorted: first %s, want %s", got, want)
	}
}

func TestRunRecoversFromPanic(t *testing.T) {
	bad := &Rule{ID: "APIM099", Name: "boom", Severity: Warning, Check: func(p *Pass) {
		p.Reportf(at("a.json", 1, 1), Subject{}, "before the panic")
		var b *apim.Backend
		_ = b.Name // panics: nil pointer dereference
	}}
	good := reporter("APIM098", Warning, Finding{Pos: at("a.json", 2, 1), Message: "still runs"})
	res := Run(&apim.Service{Sources: []string{"a.json"}}, []*Rule{bad, good}, nil, RunOptions{Now: testNow})
	if got, want := len(res.Findings), 3; got != want {
		t.Fatalf("got %d findings, want %d: %s", got, want, ids(res.Findings))
	}
	var internal *Finding
	for i, f := range res.Findings {
		if f.Rule == InternalError.ID {
			internal = &res.Findings[i]
		}
	}
	if internal == nil {
		t.Fatalf("no %s finding: %s", InternalError.ID, ids(res.Findings))
	}
	for _, s := range []string{"APIM099", "panicked", "nil pointer", "run_test.go"} {
		if !strings.Contains(internal.Message, s) {
			t.Errorf("internal error message %q does not mention %q", internal.Message, s)
		}
	}
	if res.Rule(InternalError.ID) == nil {
		t.Errorf("result rules do not include %s", InternalError.ID)
	}
	if !res.Exceeds(Error) {
		t.Error("a panicking rule must fail the run")
	}
}

func TestRunConfig(t *testing.T) {
	errSev := Error
	r1 := reporter("APIM001", Warning, Finding{Pos: at("a.json", 1, 1), Message: "one"})
	r2 := reporter("APIM002", Warning, Finding{Pos: at("a.json", 2, 1), Message: "two"})
	tests := []struct {
		name string
		cfg  *Config
		opts RunOptions
		want string
	}{
		{"defaults", nil, RunOptions{}, "a.json:1:1 APIM001 warning; a.json:2:1 APIM002 warning; "},
		{"severity override", &Config{Rules: map[string]RuleConfig{"APIM002": {Severity: &errSev}}}, RunOptions{},
			"a.json:1:1 APIM001 warning; a.json:2:1 APIM002 error; "},
		{"disabled", &Config{Rules: map[string]RuleConfig{"APIM001": {Disabled: true}}}, RunOptions{},
			"a.json:2:1 APIM002 warning; "},
		{"enable wins over config", &Config{Rules: map[string]RuleConfig{"APIM001": {Disabled: true}}},
			RunOptions{Enable: []string{"apim001"}}, "a.json:1:1 APIM001 warning; a.json:2:1 APIM002 warning; "},
		{"disable by name", nil, RunOptions{Disable: []string{"test-APIM002"}}, "a.json:1:1 APIM001 warning; "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Now = testNow
			res := Run(&apim.Service{}, []*Rule{r1, r2}, tt.cfg, tt.opts)
			var b strings.Builder
			for _, f := range res.Findings {
				b.WriteString(f.Pos.String() + " " + f.Rule + " " + f.Severity.String() + "; ")
			}
			if got := b.String(); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestRunConfigSuppressions(t *testing.T) {
	r := reporter("APIM002", Warning,
		Finding{Pos: at("apis/orders/policy.xml", 1, 1), Subject: Subject{Kind: "backend", Name: "legacy"}, Message: "a"},
		Finding{Pos: at("backends.json", 5, 3), Subject: Subject{Kind: "backend", Name: "billing"}, Message: "b"},
		Finding{Pos: at("backends.json", 9, 3), Subject: Subject{Kind: "backend", Name: "shipping"}, Message: "c"},
	)
	cfg := &Config{File: ".apimlab.yaml", Suppressions: []Suppression{
		{Rule: "APIM002", Resource: "Legacy", Reason: "moving to HTTPS", Pos: at(".apimlab.yaml", 3, 5)},
		{Rule: "APIM002", File: "backends.json", Resource: "billing", Reason: "vendor", Expires: "2025-06-01", Pos: at(".apimlab.yaml", 6, 5)},
		{Rule: "APIM002", Resource: "shipping", Reason: "old", Expires: "2025-05-31", Pos: at(".apimlab.yaml", 9, 5)},
	}}
	res := Run(&apim.Service{}, []*Rule{r, SuppressionExpired}, cfg, RunOptions{Now: testNow})
	if got, want := ids(res.Suppressed), "apis/orders/policy.xml:1:1 APIM002; backends.json:5:3 APIM002; "; got != want {
		t.Errorf("suppressed = %s, want %s", got, want)
	}
	if got, want := ids(res.Findings), ".apimlab.yaml:9:5 APIM904; backends.json:9:3 APIM002; "; got != want {
		t.Errorf("findings = %s, want %s", got, want)
	}
	if s := res.Suppressed[0].Suppression; s == nil || s.Kind != "config" || s.Justification != "moving to HTTPS" {
		t.Errorf("suppression info = %+v", s)
	}
	if !strings.Contains(res.Findings[0].Message, "expired on 2025-05-31") {
		t.Errorf("expired message = %q", res.Findings[0].Message)
	}
	if res.Stats.Suppressed != 2 || res.Stats.Warnings != 2 {
		t.Errorf("stats = %+v", res.Stats)
	}
}

const inlinePolicy = `<policies>
	<inbound>
		<base />
		<!-- apimlab-ignore APIM401, APIM402: legacy host, removed in Q3 -->
		<set-backend-service
			base-url="https://legacy.example.com" />
		<!-- apimlab-ignore APIM407 -->
		<retry count="5" interval="0">
			<forward-request />
		</retry>
		<set-backend-service base-url="https://other.example.com" />
	</inbound>
</policies>`

func TestRunInlineSuppressions(t *testing.T) {
	svc := &apim.Service{Policy: &apim.PolicyDoc{Scope: apim.ScopeGlobal, XML: inlinePolicy, Pos: at("policy.xml", 1, 1)}}
	r402 := reporter("APIM402", Warning,
		Finding{Pos: at("policy.xml", 5, 3), Message: "suppressed: the element's start"},
		Finding{Pos: at("policy.xml", 6, 4), Message: "suppressed: inside the element"},
		Finding{Pos: at("policy.xml", 11, 3), Message: "not suppressed: a later element"},
	)
	r407 := reporter("APIM407", Warning, Finding{Pos: at("policy.xml", 8, 3), Message: "not suppressed: no reason"})
	res := Run(svc, []*Rule{r402, r407, SuppressionInvalid}, nil, RunOptions{Now: testNow})
	if got, want := ids(res.Suppressed), "policy.xml:5:3 APIM402; policy.xml:6:4 APIM402; "; got != want {
		t.Errorf("suppressed = %s, want %s", got, want)
	}
	if got, want := ids(res.Findings), "policy.xml:7:3 APIM905; policy.xml:8:3 APIM407; policy.xml:11:3 APIM402; "; got != want {
		t.Errorf("findings = %s, want %s", got, want)
	}
	if s := res.Suppressed[0].Suppression; s.Kind != "inline" || s.Justification != "legacy host, removed in Q3" || s.Pos.Line != 4 {
		t.Errorf("suppression info = %+v", s)
	}
}

func TestRunInlineHook(t *testing.T) {
	r := reporter("APIM401", Error, Finding{Pos: at("api.json", 12, 30), Message: "m"})
	hook := func(*apim.Service) []InlineSuppression {
		return []InlineSuppression{{Rule: "APIM401", Reason: "from the policy parser", Pos: at("api.json", 12, 20),
			Start: at("api.json", 12, 25), End: at("api.json", 12, 60)}}
	}
	res := Run(&apim.Service{}, []*Rule{r}, nil, RunOptions{Now: testNow, Inline: hook})
	if len(res.Suppressed) != 1 || len(res.Findings) != 0 {
		t.Errorf("findings %s, suppressed %s", ids(res.Findings), ids(res.Suppressed))
	}
}

func TestScanInlineEmbedded(t *testing.T) {
	svc := &apim.Service{APIs: []*apim.API{{Name: "orders", Policy: &apim.PolicyDoc{
		Scope: apim.ScopeAPI, Embedded: true, Pos: at("t.json", 40, 18),
		XML: "<policies><inbound><!-- apimlab-ignore APIM402: ok --><set-backend-service base-url=\"x\" /></inbound></policies>",
	}}}}
	got := ScanInline(svc)
	if len(got) != 1 {
		t.Fatalf("got %d suppressions, want 1", len(got))
	}
	f := Finding{Rule: "APIM402", Pos: at("t.json", 40, 55)}
	if !got[0].covers(f) {
		t.Errorf("embedded suppression %+v does not cover %s", got[0], f.Pos)
	}
	f.Pos.Line = 41
	if got[0].covers(f) {
		t.Errorf("embedded suppression covers the next line")
	}
}

func TestExceeds(t *testing.T) {
	res := &Result{Findings: []Finding{{Severity: Warning}}}
	for _, tt := range []struct {
		failOn string
		want   bool
	}{{"info", true}, {"warning", true}, {"error", false}, {"never", false}} {
		sev, err := ParseFailOn(tt.failOn)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Exceeds(sev); got != tt.want {
			t.Errorf("Exceeds(%s) = %v, want %v", tt.failOn, got, tt.want)
		}
	}
	if (&Result{}).Exceeds(Info) {
		t.Error("an empty result exceeds info")
	}
	if _, err := ParseFailOn("fatal"); err == nil {
		t.Error("ParseFailOn(fatal) succeeded")
	}
}

func TestMatchFile(t *testing.T) {
	for _, tt := range []struct {
		pattern, file string
		want          bool
	}{
		{"policy.xml", "apis/orders/policy.xml", true},
		{"*.json", "/abs/repo/backends.json", true},
		{"apis/*/policy.xml", "/abs/repo/apis/orders/policy.xml", true},
		{"apis/**", "./apis/orders/operations/get/policy.xml", true},
		{"apis/**/policy.xml", "apis/policy.xml", true},
		{"apis/*.xml", "apis/orders/policy.xml", false},
		{"/repo/*.json", "/abs/repo/x.json", false},
		{"backends.json", "backends.json.bak", false},
	} {
		if got := MatchFile(tt.pattern, tt.file); got != tt.want {
			t.Errorf("MatchFile(%q, %q) = %v, want %v", tt.pattern, tt.file, got, tt.want)
		}
	}
}

func TestSuppressionExpiry(t *testing.T) {
	for _, tt := range []struct {
		expires string
		want    bool
	}{{"", false}, {"2025-06-01", false}, {"2025-05-31", true}, {"2099-01-01", false}, {"31/05/2025", true}} {
		if got := (Suppression{Expires: tt.expires}).expired(testNow); got != tt.want {
			t.Errorf("expired(%q) = %v, want %v", tt.expires, got, tt.want)
		}
	}
}

func TestFirstSentence(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Set it. Then more.", "Set it."},
		{"Set `url` to the absolute URL, e.g. https://x. Then more.", "Set `url` to the absolute URL, e.g. https://x."},
		{"Use a named value, i.e. {{x}}. Or not.", "Use a named value, i.e. {{x}}."},
		{"No period", "No period"},
	} {
		if got := firstSentence(tt.in); got != tt.want {
			t.Errorf("firstSentence(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRunRuleTime: RunOptions.RuleTime hears of every rule whose check
// ran, once, with the time the check took (a panicking one included), and
// of no disabled rule.
func TestRunRuleTime(t *testing.T) {
	slow := &Rule{ID: "APIM097", Name: "slow", Severity: Warning, Check: func(p *Pass) { time.Sleep(5 * time.Millisecond) }}
	boom := &Rule{ID: "APIM099", Name: "boom", Severity: Warning, Check: func(p *Pass) { panic("boom") }}
	fast := reporter("APIM098", Warning)
	off := reporter("APIM096", Warning)
	var mu sync.Mutex
	got := map[string][]time.Duration{}
	Run(&apim.Service{}, []*Rule{slow, boom, fast, off}, nil, RunOptions{Now: testNow, Disable: []string{"APIM096"},
		RuleTime: func(r *Rule, d time.Duration) {
			mu.Lock()
			got[r.ID] = append(got[r.ID], d)
			mu.Unlock()
		}})
	if len(got) != 3 || len(got["APIM097"]) != 1 || len(got["APIM098"]) != 1 || len(got["APIM099"]) != 1 {
		t.Fatalf("RuleTime calls: %v", got)
	}
	if d := got["APIM097"][0]; d < 5*time.Millisecond {
		t.Errorf("slow rule timed at %v, it sleeps 5 ms", d)
	}
}
