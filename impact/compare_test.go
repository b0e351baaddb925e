package impact

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/sim"
	"github.com/apimlab/apimlab/sim/model"
)

// bursts: east fails for half a second at 30 s and at 100 s, then for a
// minute from 170 s; 20 requests per second, no retry (regions.json).
const bursts = `name: bursts and an outage
config: unused.json
seed: 1
gateway: {breakerModel: halfOpen, transportErrors: listed}
backends:
  orders-eastus:
    faults:
      - {from: 30s, to: 30.5s, kind: status, code: 503}
      - {from: 100s, to: 100.5s, kind: status, code: 503}
      - {from: 170s, to: 230s, kind: status, code: 503}
load:
  - path: /orders/items/1
    phases:
      - {name: all, duration: 240s, rate: 20}
`

func modelEngine(ctx context.Context, svc *apim.Service, sc *sim.Scenario) (*sim.Result, error) {
	return model.Run(ctx, svc, sc, model.Options{})
}

// TestBreakerCountRaised: the head raises orders-eastus's breaker count
// from 5 to 20.
func TestBreakerCountRaised(t *testing.T) {
	base, err := Open("base", "testdata/base/regions.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	head, err := Open("head", "testdata/head/regions.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := sim.Parse("bursts.yaml", []byte(bursts))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Compare(context.Background(), base, head, []*sim.Scenario{sc}, Options{Engine: modelEngine, EngineName: "model", FailoverSlower: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// The model delta names the change.
	var found bool
	for _, c := range r.Changes {
		if c.Entity == "orders-eastus" && c.Field == "breaker count" && c.From == "5" && c.To == "20" {
			found = true
		}
	}
	if !found || len(r.Changes) != 1 {
		t.Errorf("changes = %v, want exactly orders-eastus breaker count 5 → 20", r.Changes)
	}
	if s := r.Scenarios[0]; s.BreakerModel != "halfOpen" || s.TransportErrors != "listed" {
		t.Errorf("scenario delta names breaker model %q and transport errors %q, want the scenario's halfOpen and listed", s.BreakerModel, s.TransportErrors)
	}
	var east *BreakerDelta
	for i, b := range r.Scenarios[0].Breakers {
		if b.Backend == "orders-eastus" {
			east = &r.Scenarios[0].Breakers[i]
		}
	}
	if east == nil {
		t.Fatalf("no breaker delta for orders-eastus: %+v", r.Scenarios[0].Breakers)
	}
	// Independent calculation. Requests arrive every 50 ms; after 600
	// healthy requests the smooth weighted round-robin (3:1) starts its
	// cycle e,e,w,e at 30.00 s. Base (count 5): east's 5th failing request
	// is arrival 5 of the burst, at 30.25 s. Each burst gives east at most
	// 8 failures, and the bursts are more than the 1-minute window apart, so
	// head (count 20) never trips on them: it trips in the outage, on the
	// 20th east request: 6 cycles of 4 arrivals hold 18, the 20th is arrival
	// 25 or 26 after 170 s (the cycle's phase there depends on the open
	// periods before), at 171.25-171.35 s.
	if got, want := east.Failover[0].D(), 250*time.Millisecond; got != want {
		t.Errorf("base fails over after %s, want %s", got, want)
	}
	if got := east.Failover[1].D(); got < 141200*time.Millisecond || got > 141400*time.Millisecond {
		t.Errorf("head fails over after %s, want 141.25-141.35 s", got)
	}
	// Trips: base opens in each burst (2), in the outage (1) and again when
	// its half-open trial 30 s later still fails (1): 4. Head: the outage
	// and the failed trial: 2.
	if east.Trips != [2]int{4, 2} {
		t.Errorf("trips base/head = %v, want [4 2]", east.Trips)
	}
	if !r.Failed || !strings.Contains(strings.Join(r.Reasons, "\n"), "fails over") {
		t.Errorf("verdict failed=%t reasons=%v, want a slower-failover failure", r.Failed, r.Reasons)
	}
}

// TestGitInputs reads base and head from a repository created here.
func TestGitInputs(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	repo := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.test", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.test")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	copyFile := func(src, dst string) {
		t.Helper()
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base, _ := filepath.Abs("testdata/base/regions.json")
	head, _ := filepath.Abs("testdata/head/regions.json")
	run("init", "-q", "-b", "main")
	copyFile(base, filepath.Join(repo, "infra", "apim.json"))
	run("add", ".")
	run("commit", "-q", "-m", "base")
	copyFile(head, filepath.Join(repo, "infra", "apim.json"))
	run("commit", "-q", "-am", "head")
	t.Chdir(repo)

	b, err := Open("base", "git:HEAD~1:infra", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	h, err := Open("head", "git:HEAD:infra/apim.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	changes := ModelDelta(b.Service, h.Service)
	if len(changes) != 1 || changes[0].String() != "orders-eastus: breaker count 5 → 20" {
		t.Errorf("changes = %v", changes)
	}
	if got := b.Display(b.Service.Backends[0].Pos.File); got != "infra/apim.json" {
		t.Errorf("Display = %q, want the path in the repository", got)
	}
	if _, err := Open("base", "git:nope:infra", nil); err == nil || !strings.Contains(err.Error(), "git ls-tree") {
		t.Errorf("unknown ref: err = %v", err)
	}
	if _, err := Open("base", "git:HEAD", nil); err != nil {
		t.Errorf("git:HEAD (the whole tree): %v", err)
	}
}

// TestModelDeltaRedactsURLSecrets: the model delta goes into a pull-request
// comment; a key written in a backend URL's query (an Azure Functions
// ?code=…) or userinfo must not, while the change itself is still shown.
func TestModelDeltaRedactsURLSecrets(t *testing.T) {
	b, err := Open("base", "testdata/base", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	h, err := Open("head", "testdata/head", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	set := func(svc *apim.Service, url string) {
		for _, be := range svc.Backends {
			if be.Name == "orders-westus" {
				be.URL.Value = url
			}
		}
	}
	set(b.Service, "https://orders-westus.contoso.example/api?code=OLDSECRET1&v={{api-version}}")
	set(h.Service, "https://user:PASSWORD2@orders-westus.contoso.example/api?code=NEWSECRET2&v={{api-version}}")
	var found bool
	for _, c := range ModelDelta(b.Service, h.Service) {
		s := c.String()
		for _, secret := range []string{"OLDSECRET1", "NEWSECRET2", "PASSWORD2"} {
			if strings.Contains(s, secret) {
				t.Errorf("change %q shows the secret %s", s, secret)
			}
		}
		if c.Field == "url" {
			found = true
			if !strings.Contains(c.To, "code=REDACTED") || !strings.Contains(c.To, "{{api-version}}") {
				t.Errorf("url change %q: want the key redacted and the named value kept", s)
			}
		}
	}
	if !found {
		t.Error("the url change is not reported")
	}
	// A change only to the secret is still reported, without it.
	set(h.Service, "https://orders-westus.contoso.example/api?code=NEWSECRET2&v={{api-version}}")
	for _, c := range ModelDelta(b.Service, h.Service) {
		if c.Field == "url" && (c.Note == "" || strings.Contains(c.String(), "SECRET")) {
			t.Errorf("key rotation reported as %q (note %q)", c.String(), c.Note)
		}
	}
}

// TestModelDeltaRedactsNamedValueHost: a URL whose host is a named value
// does not parse, and its password is masked all the same (a review found
// it printed in full in the diff's outputs).
func TestModelDeltaRedactsNamedValueHost(t *testing.T) {
	for _, u := range []string{"https://svc:PASSWORD3@{{orders-host}}/api", "https://svc:PASSWORD4@{orders_host}/api"} {
		if got := redactURL(u); strings.Contains(got, "PASSWORD") || !strings.Contains(got, "svc:REDACTED@") {
			t.Errorf("redactURL(%q) = %q", u, got)
		}
	}
}
