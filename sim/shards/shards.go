// Package shards runs one scenario on several machines with no
// coordinator: each shard sends every N-th arrival of every phase
// (sim.Arrivals.Shard), all shards start at an agreed instant (--start-at),
// and `apimlab report merge` adds their results up exactly (sim.Merge). Job
// prints the Kubernetes Indexed Job that runs the shards as pods.
package shards

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/apimlab/apimlab/sim"
)

// Parse reads "i/N" (0 <= i < N).
func Parse(s string) (sim.Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return sim.Shard{}, fmt.Errorf("--shard %q: write i/N with 0 <= i < N (0/3, 1/3, 2/3)", s)
	}
	return sim.Shard{Index: i, Count: n}, nil
}

// MaxShards bounds the shards of a Job.
const MaxShards = 1000

// JobOptions describe the Job.
type JobOptions struct {
	// Scenario is the scenario file's name; the Job mounts it from the
	// ConfigMap <job>-scenario.
	Scenario string
	// Name is the scenario's name, for the Job's name.
	Name string
	// Shards is the number of pods; each runs one shard.
	Shards int
	// Image is the container image holding apimlab.
	Image string
	// StartAt is the instant every shard starts its load.
	StartAt time.Time
	// Target, BackendHeader and HeaderEnv are passed to apimlab sim; the
	// environment variables named by HeaderEnv come from the Secret
	// apimlab-target (keys named like the variables).
	Target, BackendHeader string
	HeaderEnv             []string
}

// Result markers around a shard's result.json in its log (apimlab sim
// --log-result), for clusters without a shared volume.
const (
	BeginMarker = "=== apimlab result begin ==="
	EndMarker   = "=== apimlab result end ==="
)

// Job returns the YAML of a batch/v1 Indexed Job: completions and
// parallelism N, no retries per index, the shard index from
// JOB_COMPLETION_INDEX, the agreed start instant, results under /results
// (an emptyDir: replace it with a persistent volume to keep them) and
// printed to the log between BeginMarker and EndMarker (--log-result). The
// command needs no shell, so a distroless image runs it.
func Job(o JobOptions) ([]byte, error) {
	if o.Shards < 1 || o.Shards > MaxShards {
		return nil, fmt.Errorf("--shards must be in 1..%d", MaxShards)
	}
	if o.Image == "" {
		return nil, fmt.Errorf("--image is required")
	}
	name := "apimlab-" + slug(o.Name)
	file := path.Base(o.Scenario)
	// No shell: the image may be distroless. Kubernetes expands
	// $(JOB_COMPLETION_INDEX) in a container's command from its env.
	cmd := []string{"apimlab", "sim", "/scenario/" + file,
		"--shard", "$(JOB_COMPLETION_INDEX)/" + strconv.Itoa(o.Shards),
		"--start-at", o.StartAt.UTC().Format(time.RFC3339),
		"--out", "/results/shard-$(JOB_COMPLETION_INDEX)", "--format", "json", "--log-result"}
	if o.Target != "" {
		cmd = append(cmd, "--target", o.Target)
	}
	if o.BackendHeader != "" {
		cmd = append(cmd, "--backend-header", o.BackendHeader)
	}
	var env []envVar
	for _, he := range o.HeaderEnv {
		h, v, ok := strings.Cut(he, "=")
		if !ok || h == "" || v == "" {
			return nil, fmt.Errorf("--header-env %q: write NAME=ENVVAR", he)
		}
		cmd = append(cmd, "--header-env", he)
		env = append(env, envVar{Name: v, ValueFrom: &valueFrom{SecretKeyRef: secretKeyRef{Name: "apimlab-target", Key: v}}})
	}
	job := jobManifest{
		APIVersion: "batch/v1", Kind: "Job",
		Metadata: metadata{Name: name, Labels: map[string]string{"app.kubernetes.io/name": "apimlab", "apimlab.dev/shards": strconv.Itoa(o.Shards)}},
		Spec: jobSpec{
			CompletionMode: "Indexed", Completions: o.Shards, Parallelism: o.Shards, BackoffLimitPerIndex: 0,
			Template: podTemplate{Spec: podSpec{
				RestartPolicy: "Never",
				Containers: []container{{
					Name: "apimlab", Image: o.Image, Command: cmd, Env: env,
					VolumeMounts: []volumeMount{{Name: "scenario", MountPath: "/scenario", ReadOnly: true}, {Name: "results", MountPath: "/results"}},
				}},
				Volumes: []volume{
					{Name: "scenario", ConfigMap: &configMapRef{Name: name + "-scenario"}},
					{Name: "results", EmptyDir: &struct{}{}},
				},
			}},
		},
	}
	out, err := yaml.MarshalWithOptions(job, yaml.IndentSequence(true))
	if err != nil {
		return nil, err
	}
	head := fmt.Sprintf("# apimlab sim in %d shards, starting at %s.\n# kubectl create configmap %s-scenario --from-file=%s\n# Collect and merge (one result per pod, cut from its log):\n#   for p in $(kubectl get pods -l job-name=%s -o name); do kubectl logs \"$p\" | sed -n '/^%s$/,/^%s$/{//!p}' > \"${p##*/}.json\"; done; apimlab report merge apimlab-*.json -o merged.json\n",
		o.Shards, o.StartAt.UTC().Format(time.RFC3339), name, shellQuote(file), name, BeginMarker, EndMarker)
	return append([]byte(head), out...), nil
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// slug makes a DNS-1123 label of s (at most 50 characters, to leave room
// for suffixes).
func slug(s string) string {
	s = strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 50 {
		s = strings.TrimRight(s[:50], "-")
	}
	if s == "" {
		s = "scenario"
	}
	return s
}

// shellQuote quotes s for /bin/sh.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// The subset of the batch/v1 Job API the Job uses, with the API's field
// names (Kubernetes API reference: Job v1 batch, PodSpec v1 core).
type jobManifest struct {
	APIVersion string   `yaml:"apiVersion" json:"apiVersion"`
	Kind       string   `yaml:"kind" json:"kind"`
	Metadata   metadata `yaml:"metadata" json:"metadata"`
	Spec       jobSpec  `yaml:"spec" json:"spec"`
}

type metadata struct {
	Name   string            `yaml:"name" json:"name"`
	Labels map[string]string `yaml:"labels,omitempty" json:"labels,omitempty"`
}

type jobSpec struct {
	CompletionMode       string      `yaml:"completionMode" json:"completionMode"`
	Completions          int         `yaml:"completions" json:"completions"`
	Parallelism          int         `yaml:"parallelism" json:"parallelism"`
	BackoffLimitPerIndex int         `yaml:"backoffLimitPerIndex" json:"backoffLimitPerIndex"`
	Template             podTemplate `yaml:"template" json:"template"`
}

type podTemplate struct {
	Spec podSpec `yaml:"spec" json:"spec"`
}

type podSpec struct {
	RestartPolicy string      `yaml:"restartPolicy" json:"restartPolicy"`
	Containers    []container `yaml:"containers" json:"containers"`
	Volumes       []volume    `yaml:"volumes" json:"volumes"`
}

type container struct {
	Name         string        `yaml:"name" json:"name"`
	Image        string        `yaml:"image" json:"image"`
	Command      []string      `yaml:"command" json:"command"`
	Env          []envVar      `yaml:"env,omitempty" json:"env,omitempty"`
	VolumeMounts []volumeMount `yaml:"volumeMounts" json:"volumeMounts"`
}

type envVar struct {
	Name      string     `yaml:"name" json:"name"`
	ValueFrom *valueFrom `yaml:"valueFrom,omitempty" json:"valueFrom,omitempty"`
}

type valueFrom struct {
	SecretKeyRef secretKeyRef `yaml:"secretKeyRef" json:"secretKeyRef"`
}

type secretKeyRef struct {
	Name string `yaml:"name" json:"name"`
	Key  string `yaml:"key" json:"key"`
}

type volumeMount struct {
	Name      string `yaml:"name" json:"name"`
	MountPath string `yaml:"mountPath" json:"mountPath"`
	ReadOnly  bool   `yaml:"readOnly,omitempty" json:"readOnly,omitempty"`
}

type volume struct {
	Name      string        `yaml:"name" json:"name"`
	ConfigMap *configMapRef `yaml:"configMap,omitempty" json:"configMap,omitempty"`
	EmptyDir  *struct{}     `yaml:"emptyDir,omitempty" json:"emptyDir,omitempty"`
}

type configMapRef struct {
	Name string `yaml:"name" json:"name"`
}
