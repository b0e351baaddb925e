package shards

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

var update = flag.Bool("update", false, "rewrite testdata/job.golden.yaml")

func TestParse(t *testing.T) {
	for _, ok := range []string{"0/1", "0/3", "2/3"} {
		if _, err := Parse(ok); err != nil {
			t.Errorf("Parse(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"3/3", "-1/3", "1", "a/b", "1/0", ""} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func TestJob(t *testing.T) {
	job, err := Job(JobOptions{
		Scenario: "scenarios/Black Friday.yaml", Name: "Black Friday overload", Shards: 4, Image: "ghcr.io/example/apimlab:1.2.3",
		StartAt: time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC), Target: "https://contoso.azure-api.net",
		BackendHeader: "x-backend", HeaderEnv: []string{"Ocp-Apim-Subscription-Key=APIM_KEY"},
	})
	if err != nil {
		t.Fatal(err)
	}
	golden := "testdata/job.golden.yaml"
	if *update {
		if err := os.WriteFile(golden, job, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(job, want) {
		t.Errorf("Job differs from %s (go test ./sim/shards -update):\n%s", golden, job)
	}
	// A batch/v1 Job with the API's field names only (strict decoding into
	// the API's shape), and the properties an Indexed run of N shards needs.
	var m jobManifest
	if err := yaml.UnmarshalWithOptions(job, &m, yaml.Strict()); err != nil {
		t.Fatalf("not a Job of the expected shape: %v", err)
	}
	s := m.Spec
	switch {
	case m.APIVersion != "batch/v1" || m.Kind != "Job":
		t.Errorf("apiVersion/kind %s/%s", m.APIVersion, m.Kind)
	case s.CompletionMode != "Indexed" || s.Completions != 4 || s.Parallelism != 4 || s.BackoffLimitPerIndex != 0:
		t.Errorf("spec %+v", s)
	case s.Template.Spec.RestartPolicy != "Never":
		t.Errorf("restartPolicy %q", s.Template.Spec.RestartPolicy)
	case len(m.Metadata.Name) > 63 || strings.ContainsAny(m.Metadata.Name, " _.A"):
		t.Errorf("name %q is not a DNS-1123 label", m.Metadata.Name)
	}
	cmd := strings.Join(s.Template.Spec.Containers[0].Command, " ")
	for _, want := range []string{"--shard $(JOB_COMPLETION_INDEX)/4", "--start-at 2026-12-03T14:00:00Z", "/scenario/Black Friday.yaml", "--log-result"} {
		if !strings.Contains(cmd, want) {
			t.Errorf("command lacks %q: %s", want, cmd)
		}
	}
	env := s.Template.Spec.Containers[0].Env
	if len(env) != 1 || env[0].ValueFrom == nil || env[0].ValueFrom.SecretKeyRef.Key != "APIM_KEY" {
		t.Errorf("the key must come from a Secret: %+v", env)
	}
	if _, err := Job(JobOptions{Shards: 0, Image: "x"}); err == nil {
		t.Error("0 shards accepted")
	}
}
